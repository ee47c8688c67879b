"""The solver: arrays in, an assignment with its proof out.

Nothing here knows about spreadsheets, the scorer, plans or run folders: the problem
arrives as arrays (:mod:`.problem`) and leaves as a :class:`~.result.SolverResult` of
indices. What this room holds:

- :mod:`.problem`         the problem as arrays (who asks for what, who offers what, scores,
                          locks, forbids) and what locks leave to decide;
- :mod:`.pair_keys`       the one int64 key per (mentee, mentor) pair, and its inverse;
- :mod:`.network_rule`    the network rule, once: a specialist brings a specialty no other
                          member brings;
- :mod:`.result`          what a solve returns (assignment, status, objective, bound, reasons);
- :mod:`.score_cache`     every pair's score, read once: the cache every engine reads;
- :mod:`.block_reduce`    a score block's half of that read, done where it is scored;
- :mod:`.scan`            how whole-matrix scans read the score cache: live rows, chunks
                          of about 2 M pairs in float32, on threads, in row order;
- :mod:`.malloc`          glibc's allocator settings in one place: pool workers keep
                          what a block frees, the scans' threads share one arena;
- :mod:`.candidates`      candidate pruning: the pairs the engines work on;
- :mod:`.context`         what the engines share: options, the working context, and the one
                          engine interface (``engine(ctx) -> EngineResult``);
- :mod:`.certificates`    the proofs that make pruned solves exact (minimum cut, reduced
                          costs, LP pricing, bounds), shared by the flow and MIP engines;
- :mod:`.cost_screen`     the flow certificate's reduced-cost screen of a chunk (with a
                          pre-screen on a float16 copy's bits);
- :mod:`.flow_graph`      the min-cost-flow graph built from arrays (OR-Tools);
- :mod:`.flow_engine`     the min-cost-flow engine (``total`` and ``fair``);
- :mod:`.mip_model`       the HiGHS model for networks whose mentors bring several specialties;
- :mod:`.mip_engine`      that model's solve, certified by LP pricing, on the pairs the
                          LP's reduced costs leave in reach;
- :mod:`.local_mip`       the relaxed flow's rule-breaking networks re-solved by the MIP,
                          every other network kept (models too large for the whole MIP);
- :mod:`.lagrangian`      mentor prices: each mentee's best network at prices (exact, by
                          mentor classes) and the Lagrangian bound over every eligible pair;
- :mod:`.priced_engine`   networks too large for the MIP by those prices, with a certified
                          gap (price search, priced solution, bound, in rounds);
- :mod:`.network_engine`  the network engine for mentors who bring several specialties:
                          relaxed flow, MIP, priced networks, local MIP, greedy fallback;
- :mod:`.stable`          the stable engine: mentee-proposing deferred acceptance;
- :mod:`.reasons`         reasons in words for the unplaced, and per-area shortfall;
- :mod:`.dispatch`        :func:`~.dispatch.solve`: picks the engine from one table
                          (:data:`~.dispatch.ENGINES`) and fills the result.

May import: numpy, scipy, OR-Tools, and modules of this package. Never :mod:`scoring`,
:mod:`matcher.outputs` or :mod:`matcher.runfolder`.
"""
