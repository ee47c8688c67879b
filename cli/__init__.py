"""The ``mentormatch`` command line: thin click commands over the packages.

Each command parses its options, calls one function of :mod:`scoring` or :mod:`matcher`,
and formats the answer. Subcommands load lazily (:mod:`cli.main`), so ``--help`` does not
import the solver. Nothing in :mod:`scoring` or :mod:`matcher` imports this package.
"""
