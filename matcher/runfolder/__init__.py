"""The run folder: the record of one match, written all at once and read back.

What this room holds:

- :mod:`.layout`    every file name, folder name, column and format tag of a run folder;
- :mod:`.hashing`   the streaming sha256 of a file (input hashes, links between runs);
- :mod:`.writer`    write a run folder from a match outcome (temp folder, then one rename);
- :mod:`.filesink`  the helper process that creates a large folder's many files;
- :mod:`.forked`    a forked copy of this process doing part of the work;
- :mod:`.tasks`     numbered tasks shared out between this process and its copy;
- :mod:`.handback`  a copy's results handed back one by one, as it finishes them;
- :mod:`.prepared`  the writer imported and its built-in templates compiled (``match``
                    imports it while the solver works);
- :mod:`.snapshot`  the cohort a run matched, frozen into ``audit/cohort.json``;
- :mod:`.reader`    read a run folder back (one record type) and the chain of earlier runs;
- :mod:`.diff`      compare two run folders: pairs kept, ended and new.

May import :mod:`scoring`, :mod:`matcher.outcome`, :mod:`matcher.solver.result` and
:mod:`matcher.outputs`. The layout is a leaf that :mod:`matcher.outputs` may read too. The
writer never imports the reader; nothing here imports :mod:`matcher.pipeline`, rematch or
audit.
"""
