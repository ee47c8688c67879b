"""From a coordinator's spreadsheets to compatibility scores and their explanations.

What this room holds, in the order data flows:

- :mod:`scoring.errors`     the exceptions a coordinator must fix (exit status 2);
- :mod:`scoring.text`       when two spellings are "the same" (folding), quoting;
- :mod:`scoring.config`     the typed program config, parsed and checked once (a package:
                            schema, sections, loading, custom rules, suggestions);
- :mod:`scoring.profiles`   participant records (``Mentee``, ``Mentor``, ``Cohort``);
- :mod:`scoring.problem_groups` many problems of one cause shown as one;
- :mod:`scoring.intake`     spreadsheets → ``Cohort`` (reading, normalising, validation,
                            feedback and pair sheets, ``init``'s starter config);
- :mod:`scoring.rule_inputs` what the rules need per person, prepared once per cohort;
- :mod:`scoring.sensitivity` what the scorer may read of a sensitive field (a sensitive
                            stage, frequency or time zone is blanked before features);
- :mod:`scoring.tfidf`      TF-IDF of the texts (numpy; scikit-learn's numbers, bit for bit);
- :mod:`scoring.features`   numeric features of a cohort (multi-hot, TF-IDF, stages, zones);
- :mod:`scoring.rules`      hard eligibility rules (per-pair verdicts);
- :mod:`scoring.scorer`     the weighted components, 0–100;
- :mod:`scoring.explain`    every pair's points and evidence, from the scorer's own arrays;
- :mod:`scoring.explain_evidence` the evidence sentences of many pairs at once;
- :mod:`scoring.diagnostics` what the match would be, checked before solving (stranded
                            mentees by rule, dead components, suspicious columns);
- :mod:`scoring.diagnostic_tally` a score block reduced to what the diagnostics read, so
                            they can read the solver's one scoring pass.
- :mod:`scoring.huge_pages` numpy's huge-page advice switched off where fresh memory is
                            written once (kept matrices, scoring temporaries).

Never imports :mod:`matcher` or :mod:`cli`.
"""
