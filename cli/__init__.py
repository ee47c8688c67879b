"""The ``mentormatch`` command line: thin click commands over :mod:`matcher.jobs`.

Each command parses its options, calls one job of :mod:`matcher.jobs`, and formats the
answer (the explanation text lives beside the explanations: :mod:`scoring.explain_text`,
:mod:`matcher.audit_text`). Subcommands load lazily (:mod:`cli.main`), so ``--help`` does
not import the solver; errors are one paragraph on stderr, or JSON with ``--json``
(:mod:`cli.common`). Nothing in :mod:`scoring` or :mod:`matcher` imports this package.
"""
