"""The matching service: ``mentormatch serve``, a web app and JSON API on the same pipeline.

Rooms (each module has one job):

* :mod:`service.app` builds the FastAPI application (routers, middleware, templates);
* :mod:`service.pages` renders the HTML pages, :mod:`service.api` the ``/api/v1`` JSON API;
  both call :mod:`service.operations`, so a page can do nothing the API cannot
  (:mod:`service.deps` gives both the request's user and context);
* :mod:`service.actions` is the only module that calls the product (``scoring`` and
  ``matcher``); :mod:`service.jobs` runs a match or a "why not" in a worker process (a
  cancel is a row of the database, so any server process can give it);
* :mod:`service.page_cache` keeps a run's rendered pages per process (a run never
  changes; a program's pages change with its logged actions), :mod:`service.charts` takes
  the report's charts from a run folder's ``report.html``;
* :mod:`service.db` is the SQLite state (programs, users, sessions, jobs, runs, audit log),
  :mod:`service.workspace` the folders on disk (configs, uploads, run folders);
* :mod:`service.auth` and :mod:`service.security` hold logins, sessions, CSRF, password
  hashes and the security headers; :mod:`service.demo` loads the sample program (package
  data in ``service/sample/``).

The service may import ``scoring`` and ``matcher`` (through :mod:`service.actions` only);
nothing in the product imports the service.
"""
