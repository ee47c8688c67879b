"""The FastAPI application: settings, middleware, routers, errors, start-up and shutdown.

:func:`create_app` is what ``mentormatch serve`` runs (and what the tests drive): it opens
the workspace, applies the database migrations, marks jobs a previous server left running
as failed, and mounts the pages, the ``/api/v1`` JSON API and the static files.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import db
from service.auth import issue_login_token
from service.jobs import JobRunner
from service.operations import ServiceError
from service.security import BodyLimit, SecurityHeaders
from service.workspace import Workspace

PACKAGE = Path(__file__).parent
#: Largest request body (two intake files and a config, with multipart overhead).
MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """How this server runs."""

    workspace: Workspace
    login_token: str  # the start-up token printed in the URL (good for one login)
    secure_cookies: bool = False  # True behind an HTTPS reverse proxy


def start_server(workspace: Workspace, login_token: str | None = None) -> str:
    """What a server does once when it starts, before any process serves a page: migrate
    the database, mark the jobs an earlier server left running as failed (their workers,
    should any outlive it, see the recorded cancel and stop), remove their half-written
    runs, and make ``login_token`` (default: a new one) good for one login; return it."""
    db.migrate(workspace.db_path)
    if db.fail_interrupted_jobs(workspace.db_path):
        for folder in (workspace.root / "programs").iterdir():
            if folder.is_dir() and not folder.name.startswith("."):
                workspace.remove_partial_runs(folder.name)
    return issue_login_token(workspace.db_path, login_token, revoke_others=True)


def create_app(workspace: Workspace, *, login_token: str | None = None,
               secure_cookies: bool = False, first: bool = True) -> FastAPI:
    """The application for ``workspace`` (created and migrated if needed).

    ``first``: the server's first (or only) process, which does :func:`start_server`;
    further processes of the same server (``serve --workers``) pass False and share the
    database's state.
    """
    if first:
        token = start_server(workspace, login_token)
    else:
        db.migrate(workspace.db_path)
        token = login_token or ""
    settings = Settings(workspace, token, secure_cookies)
    runner = JobRunner(workspace.db_path)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runner.shutdown()

    app = FastAPI(title="mentormatch service", version="1",
                  description="Match mentees with mentor networks: upload, match, explain, "
                              "lock or forbid pairs, re-solve, publish, download.",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.runner = runner

    from service import api, pages, wizard_api, wizard_pages

    app.include_router(api.router)
    app.include_router(wizard_api.router)
    app.include_router(wizard_api.cycle_router)
    app.include_router(wizard_pages.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    app.add_middleware(BodyLimit, limit=MAX_REQUEST_BYTES)
    app.add_middleware(SecurityHeaders)
    _errors(app)
    return app


#: How ``serve --workers`` tells each server process (started by uvicorn from an import
#: string) its workspace and cookie setting.
WORKSPACE_ENV = "MENTORMATCH_WORKSPACE"
SECURE_COOKIES_ENV = "MENTORMATCH_SECURE_COOKIES"


def worker_app() -> FastAPI:
    """The application of one of several server processes (``serve --workers N``): the
    command did :func:`start_server` once; jobs, cancels, sessions, login tokens and the
    version of each program's pages are in the database, so any process answers any
    request."""
    return create_app(Workspace.open(os.environ[WORKSPACE_ENV]),
                      secure_cookies=os.environ.get(SECURE_COOKIES_ENV) == "1", first=False)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _errors(app: FastAPI) -> None:
    """One error shape for the API ({"detail", "field"}); pages get an error page or,
    when not logged in, the login page."""
    from service.pages import error_page

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> Response:
        if _wants_html(request):
            return error_page(request, error.status, error.message)
        return JSONResponse({"detail": error.message, "field": error.field},
                            status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_html(request):
            if error.status_code == 401:
                return RedirectResponse("/login", status_code=303)
            return error_page(request, error.status_code, str(error.detail))
        return JSONResponse({"detail": error.detail, "field": None},
                            status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [{"field": ".".join(str(part) for part in e["loc"][1:]) or str(e["loc"][0]),
                     "message": e["msg"]} for e in error.errors()]
        if _wants_html(request):
            text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
            return error_page(request, 422, f"Please correct: {text}")
        return JSONResponse({"detail": problems, "field": problems[0]["field"] if problems
                             else None}, status_code=422)
