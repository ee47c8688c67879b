"""The run-folder writer, imported and with its built-in templates compiled.

Importing this module is the preparation itself: ``match`` imports it in a background
thread while the solver works (``matcher.jobs``), so that none of the writer's imports,
Jinja's compilation of the built-in templates (some 65 ms: parsing and generating Python
for every template) and the look-up of the versions run.json records waits for the solve
to end. Writing a folder without it works the same; it only does these on first use.
"""

from __future__ import annotations

from matcher.outputs.templating import builtin_templates
from matcher.runfolder.writer import recorded_versions, write_run_folder

builtin_templates().compile_all()
recorded_versions()

__all__ = ["write_run_folder"]
