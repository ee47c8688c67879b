"""The sample program: its sign-up sheets, config and the cohort generator (a package, so
that the generator has one module name, ``sample_data.generate``, wherever it is imported
from)."""
