"""Everything a person reads after a match, rendered from a :class:`~matcher.outcome.MatchOutcome`.

What this room holds:

- :mod:`.plans`           first-meeting plans as records ready for templates;
- :mod:`.schedule`        the year's meetings: months, purposes, dates;
- :mod:`.calendar_files`  one iCalendar file per pair (icalendar);
- :mod:`.report`          ``report.html``, with its charts and fairness tables;
- :mod:`.charts`          the report's bar charts as shapes (``templates/chart.svg.j2``);
- :mod:`.tables`          the run folder's tables (pairings, networks, explanations, loads);
- :mod:`.sheets`          writing tables as CSV and XLSX, byte-identical on reruns;
- :mod:`.sheet_xml`       a workbook sheet's rows in the bytes openpyxl writes, without its
                          cell objects;
- :mod:`.cell_safety`     formula-injection guard for every cell written;
- :mod:`.privacy`         keeping sensitive attributes out of everything written;
- :mod:`.summary`         the short summary the CLI prints and the report opens with;
- :mod:`.templating`      Jinja2 templates (``templates/``) and a program's overrides;
- :mod:`.template_code`   how the templates are compiled: each printed text worked out
                          once, and the built-in templates in cheaper code with Jinja's
                          output.

Renders bytes; writes no folder itself (that is :mod:`matcher.runfolder`). May import
:mod:`scoring`, :mod:`matcher.outcome` and :mod:`matcher.solver.result`; never
:mod:`matcher.runfolder`, :mod:`matcher.pipeline`, rematch or audit.
"""
