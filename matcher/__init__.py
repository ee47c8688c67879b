"""From scores to a finished match: solver, networks, outputs, run folder, rematch, audit.

What this room holds:

- :mod:`matcher.solver`     arrays in, assignment and proof out (imports nothing of scoring);
- :mod:`matcher.encoder`    participant ids ↔ the solver's indices;
- :mod:`matcher.outcome`    what one match produced, by id (pairings, networks, outcome);
- :mod:`matcher.solve_inputs`  every input of a solve (locks, forbids ...), as run.json keeps it;
- :mod:`matcher.placement`  who is placed decided without the preferences component;
- :mod:`matcher.pipeline`   ``run_match``: cohort + config → scores → solver → networks;
- :mod:`matcher.outputs`    plans, schedule, calendars, report, tables, sheets, privacy;
- :mod:`matcher.runfolder`  the run folder: writer, reader, snapshot, history, diff;
- :mod:`matcher.rematch`    month-12 rematch from feedback and the run history;
- :mod:`matcher.audit`      "why B and not C?" answered from a run folder alone
                            (:mod:`matcher.audit_text` words it for a terminal);
- :mod:`matcher.jobs`       one function per command (match, rematch, explain, validate,
                            init, diff): what the CLI and the service call.

Data flows one way: scoring → solver → pipeline → outputs → runfolder; rematch and audit
sit on top, and ``jobs`` on top of everything. Nothing here is imported by :mod:`scoring`.
"""
