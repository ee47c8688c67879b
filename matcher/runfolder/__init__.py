"""The run folder: the record of one match, written all at once and read back.

What this room holds:

- :mod:`.writer`    write a run folder from a match outcome (temp folder, then one rename);
- :mod:`.filesink`  the helper process that creates a large folder's many files;
- :mod:`.snapshot`  the cohort a run matched, frozen into ``audit/cohort.json``;
- :mod:`.reader`    read a run folder and the chain of earlier runs behind it;
- :mod:`.diff`      compare two run folders: pairs kept, ended and new.

May import :mod:`scoring`, :mod:`matcher.outcome`, :mod:`matcher.solver.result` and
:mod:`matcher.outputs`. The writer never imports the reader; nothing here imports
:mod:`matcher.pipeline`, rematch or audit.
"""
