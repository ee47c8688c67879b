"""The plan records and calendar files as d5db890 built them (before issue 15's item 3:
per-pair work done once per program, person or cohort), copied unchanged but for their
imports of one another. Kept only as the oracle of tests/test_records_identity.py (the
faster builder and writer must give the same records and the same bytes); never imported
by the program."""
