"""The HTML pages: server-rendered Jinja2 with one stylesheet and a little plain JS.

Every page calls :mod:`service.operations` (the same functions as the API). Forms post
with the session's CSRF token in a hidden field and redirect after success (POST, then
GET), so reloading a page never repeats an action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from service import db, operations
from service.api import (
    PersonId,
    ProgramId,
    RunId,
    login,
    read_form_upload,
    read_upload,
    send,
    set_session_cookie,
)
from service.auth import SESSION_COOKIE, end_session
from service.deps import Reader, Writer
from service.operations import Context, ServiceError
from service.page_cache import CSRF_PLACEHOLDER, PageCache
from service.security import DOCUMENT_CSP, same

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=FilePath(__file__).parent / "templates")
PER_PAGE = 25




def render(request: Request, name: str, ctx: Context | None, status: int = 200,
           **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": ctx.user if ctx else None,
                                                      **values}, status_code=status)


#: Rendered run, mentee and mentor pages of this process (see :mod:`service.page_cache`).
PAGES = PageCache()


def kept_page(request: Request, ctx: Context, program_id: str, run_id: str,
              build: Callable[[Context], HTMLResponse]) -> HTMLResponse:
    """A page of a run: the kept one when the program did not change since, else
    ``build(ctx)``'s (kept for the next visitor). Access is checked on every request."""
    version = operations.run_version(ctx, program_id, run_id)
    key = (str(ctx.workspace.root), ctx.user.username, request.url.path, request.url.query,
           version)
    page = PAGES.get(key, ctx.user.csrf)
    if page is None:
        blank = replace(ctx, user=replace(ctx.user, csrf=CSRF_PLACEHOLDER))
        body = bytes(build(blank).body).decode("utf-8")
        PAGES.put(key, body)
        page = body.replace(CSRF_PLACEHOLDER, ctx.user.csrf)
    return HTMLResponse(page)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"status": status,
                                                              "message": message,
                                                              "user": None},
                                      status_code=status)


def back_to(url: str | None, fallback: str) -> RedirectResponse:
    """Redirect to a local path only (never another site: ``//host`` is refused)."""
    target = url if url and url.startswith("/") and not url.startswith("//") \
        and "\\" not in url else fallback
    return RedirectResponse(target, status_code=303)


def program_url(program_id: str) -> str:
    return f"/programs/{program_id}"


def run_url(program_id: str, run_id: str) -> str:
    return f"/programs/{program_id}/runs/{run_id}"


# --------------------------------------------------------------------------------- login

@router.get("/login")
def login_page(request: Request, token: Annotated[str | None, Query(max_length=200)] = None
               ) -> Response:
    """The login page; ``?token=`` (the URL the server printed) logs in at once."""
    if token:
        try:
            cookie, _, _ = login(request, token, None, None)
        except ServiceError as error:
            return render(request, "login.html", None, status=401, error=error.message)
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(response, request, cookie)
        return response
    return render(request, "login.html", None, error=None)


@router.post("/login")
def login_form(request: Request, token: Annotated[str, Form(max_length=200)] = "",
               username: Annotated[str, Form(max_length=64)] = "",
               password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    try:
        cookie, _, _ = login(request, token or None, username or None, password or None)
    except ServiceError as error:
        return render(request, "login.html", None, status=error.status, error=error.message)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, cookie)
    return response


@router.post("/logout")
def logout(request: Request, ctx: Writer) -> Response:
    del ctx
    end_session(request.app.state.settings.workspace.db_path,
                request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ------------------------------------------------------------------------------ programs

@router.get("/")
def programs_page(request: Request, ctx: Reader) -> HTMLResponse:
    return render(request, "programs.html", ctx, cards=operations.list_programs(ctx))


@router.post("/programs")
async def create_program(ctx: Writer, name: Annotated[str, Form(max_length=200)],
                         config: Annotated[UploadFile, File()]) -> Response:
    upload = await read_upload(config, "config")
    program = operations.create_program(ctx, name, upload.data)
    return RedirectResponse(program_url(program.id), status_code=303)


@router.get("/programs/{program_id}")
def program_page(request: Request, program_id: ProgramId, ctx: Reader) -> HTMLResponse:
    view = operations.program_view(ctx, program_id)
    return render(request, "program.html", ctx, view=view,
                  errors=sum(1 for p in view.program.problems if p["severity"] == "error"))


@router.post("/programs/{program_id}/upload")
async def upload(program_id: ProgramId, ctx: Writer,
                 mentors: Annotated[UploadFile, File()],
                 mentees: Annotated[UploadFile | None, File()] = None,
                 config: Annotated[UploadFile | None, File()] = None) -> Response:
    mentees_file = await read_form_upload(mentees, "mentees")
    config_file = await read_form_upload(config, "config")
    operations.upload_cohort(ctx, program_id, await read_upload(mentors, "mentors"),
                             mentees_file, config_file)
    return RedirectResponse(program_url(program_id) + "#problems", status_code=303)


@router.get("/programs/{program_id}/sheets/{side}/rows/{row}")
def sheet_page(request: Request, program_id: ProgramId, side: str,
               row: Annotated[int, Path(ge=1, le=10_000_000)], ctx: Reader,
               column: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    """A problem's cell: the uploaded sheet's rows around it, its column marked."""
    cell = operations.sheet_cell(ctx, program_id, side, row, column or None)
    return render(request, "sheet.html", ctx, cell=cell)


def _score(text: str, field: str) -> float | None:
    """A score bound from the filter form: empty is no bound; else a number in 0-100."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise ServiceError(422, f"{field} must be a number from 0 to 100.", field)
    return value


def _optional_int(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise ServiceError(422, f"{field} must be a whole number.", field) from None


@router.post("/programs/{program_id}/match")
def match(program_id: ProgramId, ctx: Writer,
          objective: Annotated[str, Form(max_length=20)] = "",
          network_size: Annotated[str, Form(max_length=3)] = "") -> Response:
    job = operations.start_match(ctx, program_id, objective or None,
                                 _optional_int(network_size, "network_size"))
    return RedirectResponse(f"{program_url(program_id)}/jobs/{job.id}", status_code=303)


@router.get("/programs/{program_id}/jobs/{job_id}")
def job_page(request: Request, program_id: ProgramId, job_id: int, ctx: Reader
             ) -> HTMLResponse:
    job = operations.job(ctx, program_id, job_id)
    return render(request, "job.html", ctx, job=job, program_id=program_id)


@router.post("/programs/{program_id}/jobs/{job_id}/cancel")
def cancel(program_id: ProgramId, job_id: int, ctx: Writer) -> Response:
    operations.cancel_job(ctx, program_id, job_id)
    return RedirectResponse(f"{program_url(program_id)}/jobs/{job_id}", status_code=303)


@router.get("/programs/{program_id}/log")
def log_page(request: Request, program_id: ProgramId, ctx: Reader) -> HTMLResponse:
    view = operations.program_view(ctx, program_id)
    return render(request, "log.html", ctx, program=view.program,
                  entries=operations.audit_log(ctx, program_id))


# ---------------------------------------------------------------------------------- runs

@router.get("/programs/{program_id}/runs/{run_id}")
def run_page(request: Request, program_id: ProgramId, run_id: RunId, ctx: Reader,
             sort: str = "position", order: str = "asc", status: str = "",
             area: Annotated[str, Query(max_length=100)] = "",
             mentor: Annotated[str, Query(max_length=200)] = "",
             q: Annotated[str, Query(max_length=200)] = "",
             min_score: Annotated[str, Query(max_length=20)] = "",
             max_score: Annotated[str, Query(max_length=20)] = "",
             page: Annotated[int, Query(ge=1, le=100000)] = 1) -> HTMLResponse:
    # The filter form sends empty boxes as "", which means no bound.
    low, high = _score(min_score, "min_score"), _score(max_score, "max_score")
    return kept_page(request, ctx, program_id, run_id, lambda ctx: _run_page(
        request, ctx, program_id, run_id, sort, order, status, area, mentor, q, low, high,
        page))


def _run_page(request: Request, ctx: Context, program_id: str, run_id: str, sort: str,
              order: str, status: str, area: str, mentor: str, q: str, low: float | None,
              high: float | None, page: int) -> HTMLResponse:
    view = operations.run_view(ctx, program_id, run_id)
    query = db.NetworkQuery(sort, order == "desc", status or None, area or None,
                            mentor or None, q or None, low, high, page, PER_PAGE)
    rows, total = operations.networks(ctx, program_id, run_id, query)
    filters = {"sort": sort, "order": order, "status": status, "area": area,
               "mentor": mentor, "q": q,
               "min_score": "" if low is None else low,
               "max_score": "" if high is None else high}

    def link(**changes: Any) -> str:
        values = {**filters, "page": page, **changes}
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})

    pages = max(1, -(-total // PER_PAGE))
    return render(request, "run.html", ctx, view=view, rows=rows, total=total, page=page,
                  pages=pages, filters=filters, link=link)


@router.get("/programs/{program_id}/runs/{run_id}/mentees/{mentee_id}")
def mentee_page(request: Request, program_id: ProgramId, run_id: RunId, mentee_id: PersonId,
                ctx: Reader, vs: Annotated[str, Query(max_length=200)] = "",
                solve: bool | None = None,
                answer: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> HTMLResponse:
    def build(ctx: Context) -> HTMLResponse:
        view = operations.mentee_view(ctx, program_id, run_id, mentee_id, vs or None, solve,
                                      answer)
        return render(request, "mentee.html", ctx, view=view, vs=vs)

    return kept_page(request, ctx, program_id, run_id, build)


@router.post("/programs/{program_id}/runs/{run_id}/mentees/{mentee_id}/why-not")
def why_not_job(program_id: ProgramId, run_id: RunId, mentee_id: PersonId, ctx: Writer,
                vs: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    job = operations.start_why_not(ctx, program_id, run_id, mentee_id, vs)
    return RedirectResponse(f"{program_url(program_id)}/jobs/{job.id}", status_code=303)


@router.post("/programs/{program_id}/runs/{run_id}/pairs/end")
def end_pair_job(program_id: ProgramId, run_id: RunId, ctx: Writer,
                 mentee_id: Annotated[str, Form(min_length=1, max_length=200)],
                 mentor_id: Annotated[str, Form(min_length=1, max_length=200)]) -> Response:
    """End one pair mid-cycle and re-pair just that mentee (a job; its draft is published
    like any other)."""
    job = operations.end_pair(ctx, program_id, run_id, mentee_id, mentor_id)
    return RedirectResponse(f"{program_url(program_id)}/jobs/{job.id}", status_code=303)


@router.get("/programs/{program_id}/runs/{run_id}/mentors/{mentor_id}")
def mentor_page(request: Request, program_id: ProgramId, run_id: RunId, mentor_id: PersonId,
                ctx: Reader) -> HTMLResponse:
    return kept_page(request, ctx, program_id, run_id, lambda ctx: render(
        request, "mentor.html", ctx, view=operations.mentor_view(ctx, program_id, run_id,
                                                                 mentor_id)))


@router.post("/programs/{program_id}/constraints")
def constrain(program_id: ProgramId, ctx: Writer,
              run_id: Annotated[str, Form(max_length=40)],
              mentee_id: Annotated[str, Form(max_length=200)],
              mentor_id: Annotated[str, Form(max_length=200)],
              kind: Annotated[str, Form(max_length=10)],
              back: Annotated[str, Form(max_length=500)] = "") -> Response:
    operations.set_constraint(ctx, program_id, run_id, mentee_id, mentor_id, kind)
    return back_to(back, program_url(program_id))


@router.post("/programs/{program_id}/constraints/delete")
def release(program_id: ProgramId, ctx: Writer,
            mentee_id: Annotated[str, Form(max_length=200)],
            mentor_id: Annotated[str, Form(max_length=200)],
            back: Annotated[str, Form(max_length=500)] = "") -> Response:
    operations.remove_constraint(ctx, program_id, mentee_id, mentor_id)
    return back_to(back, program_url(program_id))


@router.post("/programs/{program_id}/runs/{run_id}/resolve")
def resolve(program_id: ProgramId, run_id: RunId, ctx: Writer) -> Response:
    job = operations.start_match(ctx, program_id, None, None, base_run=run_id)
    return RedirectResponse(f"{program_url(program_id)}/jobs/{job.id}", status_code=303)


@router.post("/programs/{program_id}/runs/{run_id}/publish")
def publish(program_id: ProgramId, run_id: RunId, ctx: Writer) -> Response:
    operations.publish(ctx, program_id, run_id)
    return RedirectResponse(run_url(program_id, run_id), status_code=303)


@router.get("/programs/{program_id}/runs/{run_id}/charts/{name}.svg")
def chart(program_id: ProgramId, run_id: RunId,
          name: Annotated[str, Path(max_length=60)], ctx: Reader) -> Response:
    """A chart of the run's report, as an SVG image (its own strict CSP: no script)."""
    found = operations.run_chart(ctx, program_id, run_id, name)
    return Response(found.svg, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": DOCUMENT_CSP,
                             "Cache-Control": "private, max-age=86400"})


@router.get("/programs/{program_id}/runs/{run_id}/files/{name}")
def run_file(program_id: ProgramId, run_id: RunId, name: str, ctx: Reader) -> Response:
    return send(operations.run_file(ctx, program_id, run_id, name))


@router.get("/programs/{program_id}/runs/{run_id}/pairs/{mentee_id}/{mentor_id}/{kind}")
def pair_file(program_id: ProgramId, run_id: RunId, mentee_id: PersonId, mentor_id: PersonId,
              kind: str, ctx: Reader) -> Response:
    return send(operations.pair_file(ctx, program_id, run_id, mentee_id, mentor_id, kind))


@router.get("/api/docs")
def api_docs(request: Request, ctx: Reader) -> HTMLResponse:
    """The API reference, rendered on the server from the OpenAPI schema (no CDN)."""
    schema = request.app.openapi()
    operations_list = [(method.upper(), path, [p["name"] for p in spec.get("parameters", [])],
                        spec.get("description") or spec.get("summary", ""))
                       for path, methods in schema["paths"].items()
                       for method, spec in methods.items()]
    return render(request, "api_docs.html", ctx, operations=operations_list)


__all__ = ["router", "error_page", "same"]
