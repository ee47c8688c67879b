"""The solver: arrays in, an assignment with its proof out.

Nothing here knows about spreadsheets, the scorer, plans or run folders: the problem
arrives as arrays (:mod:`.problem`) and leaves as a :class:`~.result.SolverResult` of
indices. What this room holds:

- :mod:`.problem`         the problem as arrays (who asks for what, who offers what, scores,
                          locks, forbids);
- :mod:`.result`          what a solve returns (assignment, status, objective, bound, reasons);
- :mod:`.candidates`      the score cache every engine reads, candidate pruning, and the scans
                          that certify it;
- :mod:`.context`         what the engines share: options, the working context, the engine
                          result;
- :mod:`.flow_graph`      the min-cost-flow graph built from arrays (OR-Tools);
- :mod:`.flow_engine`     the flow engine and its certificates (reduced costs, placements);
- :mod:`.mip_model`       the HiGHS model for networks whose mentors bring several specialties;
- :mod:`.mip_engine`      that model's engine, certified by LP pricing;
- :mod:`.network_engine`  networks where mentors bring several specialties: the main strategy
                          (relaxed flow, repair, MIP) and its greedy fallback;
- :mod:`.stable`          mentee-proposing deferred acceptance;
- :mod:`.reasons`         reasons in words for the unplaced, and per-area shortfall;
- :mod:`.dispatch`        :func:`~.dispatch.solve`: picks the engine and fills the result.

May import: numpy, scipy, OR-Tools, and modules of this package. Never :mod:`scoring`,
:mod:`matcher.outputs` or :mod:`matcher.runfolder`.
"""
