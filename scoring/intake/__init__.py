"""Intake: from a coordinator's spreadsheets to a checked :class:`~scoring.profiles.Cohort`.

What this room holds, in the order data passes through it:

- :mod:`.spreadsheet`     read one CSV or XLSX sheet into text cells (encodings, delimiters,
                          workbooks), nothing about mentoring;
- :mod:`.normalise`       turn the answers people type into canonical values (pure functions);
- :mod:`.cohort`          map headers to fields and read both files into a ``Cohort``;
- :mod:`.validation`      checks across rows and across the two files (duplicate ids,
                          exclusions);
- :mod:`.feedback`        the month-12 feedback sheet (one row per pair of the last run);
- :mod:`.pair_sheets`     the locks and forbids sheets (one mentee–mentor pair per row);
- :mod:`.ids`             ids as people type them: one resolver for every place an id is
                          taken (explain, locks, forbids, feedback, the service);
- :mod:`.starter_config`  the starter program config ``mentormatch init`` writes.

May import: :mod:`scoring.config`, :mod:`scoring.profiles`, :mod:`scoring.errors`,
:mod:`scoring.text`. Never the scorer, never :mod:`matcher`.
"""
