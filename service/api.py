"""The JSON API under ``/api/v1``: every action the pages offer, on the same operations.

Authentication is the session cookie (``POST /api/v1/session`` with the start-up token or
an account's password sets it); every state-changing call carries the session's CSRF token
in the ``X-CSRF-Token`` header. Errors are ``{"detail": ..., "field": ...}`` with the
status; validation errors (422) name the field. ``/api/docs`` (a page, see
:mod:`service.pages`) documents the API from its OpenAPI schema.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from service import db, operations
from service.auth import (
    SESSION_COOKIE,
    SESSION_HOURS,
    check_account,
    create_session,
    end_session,
    spend_login_token,
)
from service.deps import Reader, User, Writer
from service.operations import Download, ServiceError, UploadedFile
from service.security import DOCUMENT_CSP

router = APIRouter(prefix="/api/v1", tags=["api"])

ProgramId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", max_length=40)]
RunId = Annotated[str, Path(pattern=r"^\d{8}-\d{6}-[0-9a-f]{6}$")]
PersonId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")]




def plain(value: Any) -> Any:
    """Dataclasses (and lists of them) as JSON-ready dicts."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


def send(download: Download) -> FileResponse:
    """A file response: run documents inline under their strict CSP, the rest attached."""
    if download.document:
        return FileResponse(download.path, media_type=download.media_type,
                            headers={"Content-Security-Policy": DOCUMENT_CSP})
    return FileResponse(download.path, media_type=download.media_type,
                        filename=download.filename)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies, path="/",
                        max_age=SESSION_HOURS * 3600)


# ------------------------------------------------------------------------------- session

class LoginBody(BaseModel):
    """Log in with the start-up token, or with an account's username and password."""

    token: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)
    password: str | None = Field(default=None, max_length=1000)


def login(request: Request, token: str | None, username: str | None,
          password: str | None) -> tuple[str, str, str]:
    """(cookie token, CSRF token, username) for good credentials; 401 otherwise."""
    settings = request.app.state.settings
    if token is not None:
        if not spend_login_token(settings.workspace.db_path, token):
            raise ServiceError(401, "That login link is used up or not this server's: each "
                                    "link logs in once. Get a new one with `mentormatch "
                                    "serve --workspace DIR --login-link`.", "token")
        cookie, csrf = create_session(settings.workspace.db_path, "coordinator", True)
        return cookie, csrf, "coordinator"
    if username and password:
        admin = check_account(settings.workspace.db_path, username, password)
        if admin is None:
            raise ServiceError(401, "Unknown username or wrong password.", "password")
        cookie, csrf = create_session(settings.workspace.db_path, username, admin)
        return cookie, csrf, username
    raise ServiceError(422, "Give the login token, or a username and password.", "token")


@router.post("/session")
def post_session(body: LoginBody, request: Request) -> JSONResponse:
    """Log in; sets the HttpOnly session cookie and returns the CSRF token."""
    cookie, csrf, username = login(request, body.token, body.username, body.password)
    response = JSONResponse({"username": username, "csrf_token": csrf})
    set_session_cookie(response, request, cookie)
    return response


@router.get("/session")
def get_session(user: User) -> dict[str, Any]:
    """Who is logged in, and the session's CSRF token."""
    return {"username": user.username, "is_admin": user.is_admin, "csrf_token": user.csrf,
            "programs": sorted(user.programs)}


@router.delete("/session")
def delete_session(request: Request, ctx: Writer) -> JSONResponse:
    """Log out."""
    del ctx
    end_session(request.app.state.settings.workspace.db_path,
                request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"logged_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ------------------------------------------------------------------------------ programs

@router.get("/programs")
def get_programs(ctx: Reader) -> list[dict[str, Any]]:
    """The programs this account may see, with their published run."""
    return plain(operations.list_programs(ctx))


async def read_upload(upload: UploadFile, field: str) -> UploadedFile:
    """The uploaded file's bytes, refused (413) past the size limit without reading more."""
    data = await upload.read(operations.MAX_UPLOAD_BYTES + 1)
    if len(data) > operations.MAX_UPLOAD_BYTES:
        raise ServiceError(413, f"{upload.filename}: larger than "
                                f"{operations.MAX_UPLOAD_BYTES // 2**20} MiB.", field)
    return UploadedFile(upload.filename or field, data)


async def read_form_upload(upload: UploadFile | None, field: str) -> UploadedFile | None:
    """An optional file input of an HTML form: ``None`` when left empty (browsers send an
    empty input as a part without a file name), else :func:`read_upload`."""
    if upload is None or not upload.filename:
        return None
    return await read_upload(upload, field)


@router.post("/programs", status_code=201)
async def post_program(ctx: Writer, name: Annotated[str, Form(min_length=1, max_length=200)],
                       config: Annotated[UploadFile, File()],
                       program_id: Annotated[str | None, Form(max_length=40)] = None
                       ) -> dict[str, Any]:
    """Create a program from a name and its config (program.toml)."""
    data = await read_upload(config, "config")
    return plain(operations.create_program(ctx, name, data.data, program_id or None))


@router.get("/programs/{program_id}")
def get_program(program_id: ProgramId, ctx: Reader) -> dict[str, Any]:
    """The program: files, problems, published run, drafts, jobs, locks and forbids."""
    return plain(operations.program_view(ctx, program_id))


@router.post("/programs/{program_id}/uploads")
async def post_uploads(program_id: ProgramId, ctx: Writer,
                       mentors: Annotated[UploadFile, File()],
                       mentees: Annotated[UploadFile | None, File()] = None,
                       config: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    """Upload the mentors and mentees sheets (CSV/XLSX; one workbook may be sent as
    ``mentors`` alone) and optionally a new config; returns every problem found."""
    result = operations.upload_cohort(
        ctx, program_id, await read_upload(mentors, "mentors"),
        await read_upload(mentees, "mentees") if mentees is not None else None,
        await read_upload(config, "config") if config is not None else None)
    return {**asdict(result), "errors": result.errors}


@router.get("/programs/{program_id}/sheets/{side}/rows/{row}")
def get_sheet_rows(program_id: ProgramId, side: Literal["mentors", "mentees"],
                   row: Annotated[int, Path(ge=1, le=10_000_000)], ctx: Reader
                   ) -> dict[str, Any]:
    """The uploaded sheet's rows around ``row`` (spreadsheet numbering, header = 1), as a
    problem's ``side`` and ``row`` name them; answers of sensitive fields are null."""
    cell = operations.sheet_cell(ctx, program_id, side, row)
    return {"side": side, "row": row, "file": cell.filename, **asdict(cell.window)}


# ---------------------------------------------------------------------------------- jobs

class MatchBody(BaseModel):
    """Options of a match job; a re-solve names the run it starts from."""

    objective: Literal["total", "fair", "stable"] | None = None
    network_size: int | None = Field(default=None, ge=1, le=10)
    base_run: str | None = Field(default=None, pattern=r"^\d{8}-\d{6}-[0-9a-f]{6}$")


@router.post("/programs/{program_id}/jobs", status_code=202)
def post_job(program_id: ProgramId, body: MatchBody, ctx: Writer) -> dict[str, Any]:
    """Start a match (or, with ``base_run``, a re-solve with the program's locks and
    forbids) in a worker process; poll the job for progress."""
    return plain(operations.start_match(ctx, program_id, body.objective, body.network_size,
                                        body.base_run))


@router.get("/programs/{program_id}/jobs/{job_id}")
def get_job(program_id: ProgramId, job_id: Annotated[int, Path(ge=1, le=2**62)],
            ctx: Reader) -> dict[str, Any]:
    """A job's status, stage (0-4), message, error and the run it makes."""
    return plain(operations.job(ctx, program_id, job_id))


@router.post("/programs/{program_id}/jobs/{job_id}/cancel")
def cancel_job(program_id: ProgramId, job_id: Annotated[int, Path(ge=1, le=2**62)],
               ctx: Writer) -> dict[str, Any]:
    """Cancel a running job (its worker process is ended; nothing half-written stays)."""
    return plain(operations.cancel_job(ctx, program_id, job_id))


# ---------------------------------------------------------------------------------- runs

@router.get("/programs/{program_id}/runs")
def get_runs(program_id: ProgramId, ctx: Reader) -> list[dict[str, Any]]:
    """Every run of the program, newest first."""
    return plain(operations.list_runs(ctx, program_id))


@router.get("/programs/{program_id}/runs/{run_id}")
def get_run(program_id: ProgramId, run_id: RunId, ctx: Reader) -> dict[str, Any]:
    """A run: summary, published or draft, the diff with its base, mentor loads."""
    return plain(operations.run_view(ctx, program_id, run_id))


@router.get("/programs/{program_id}/runs/{run_id}/networks")
def get_networks(program_id: ProgramId, run_id: RunId, ctx: Reader,
                 sort: Literal["position", "mentee", "status", "score", "mentors"] = "position",
                 order: Literal["asc", "desc"] = "asc",
                 status: Literal["placed", "partial", "unplaced"] | None = None,
                 area: Annotated[str | None, Query(max_length=100)] = None,
                 mentor: Annotated[str | None, Query(max_length=200)] = None,
                 q: Annotated[str | None, Query(max_length=200)] = None,
                 min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
                 max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
                 page: Annotated[int, Query(ge=1, le=100000)] = 1,
                 per_page: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """The networks table: sorted, filtered (status, area, mentor, mentee text, score
    range) and paged on the server."""
    query = db.NetworkQuery(sort, order == "desc", status, area or None, mentor or None,
                            q or None, min_score, max_score, page, per_page)
    rows, total = operations.networks(ctx, program_id, run_id, query)
    return {"total": total, "page": page, "per_page": per_page, "rows": plain(rows)}


@router.get("/programs/{program_id}/runs/{run_id}/mentees/{mentee_id}")
def get_mentee(program_id: ProgramId, run_id: RunId, mentee_id: PersonId, ctx: Reader,
               vs: Annotated[str | None, Query(max_length=200)] = None,
               solve: bool | None = None,
               answer: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> dict[str, Any]:
    """A mentee: profile (no sensitive fields), network with each pair's points and
    evidence, the best alternatives, and with ``vs`` (a mentor's id or name) why not that
    mentor; ``solve`` measures the cost of insisting by solving the run again (default and
    allowed for runs up to 2,000 mentees; larger runs: POST ``…/why-not``, a job, and pass
    its id as ``answer``)."""
    view = operations.mentee_view(ctx, program_id, run_id, mentee_id, vs or None, solve,
                                  answer)
    return {"mentee_id": view.mentee_id, "mentee_name": view.mentee_name,
            "profile": dict(view.profile), "network": plain(view.network),
            "audit": view.audit.to_dict(), "why_not": view.why_not,
            "constraints": plain(view.constraints)}


class WhyNotBody(BaseModel):
    """The mentor C of a "why not C?" (an id or a name of the run)."""

    vs: str = Field(min_length=1, max_length=200)


@router.post("/programs/{program_id}/runs/{run_id}/mentees/{mentee_id}/why-not",
             status_code=202)
def post_why_not(program_id: ProgramId, run_id: RunId, mentee_id: PersonId, body: WhyNotBody,
                 ctx: Writer) -> dict[str, Any]:
    """Measure what giving the mentee mentor ``vs`` would cost (the run solved again with
    the pair locked) in a worker process; when the job is done, its ``result`` is the
    answer (also shown by GET …/mentees/{mentee_id}?answer=JOB)."""
    return plain(operations.start_why_not(ctx, program_id, run_id, mentee_id, body.vs))


class EndPairBody(BaseModel):
    """A pair of the run to end mid-cycle (ids or names of the run)."""

    mentee_id: str = Field(min_length=1, max_length=200)
    mentor_id: str = Field(min_length=1, max_length=200)


@router.post("/programs/{program_id}/runs/{run_id}/pairs/end", status_code=202)
def post_end_pair(program_id: ProgramId, run_id: RunId, body: EndPairBody, ctx: Writer
                  ) -> dict[str, Any]:
    """End one pair of the run mid-cycle and re-pair just that mentee, every other pair
    kept (a job); the finished job's ``run_id`` is the new draft, published like any other."""
    return plain(operations.end_pair(ctx, program_id, run_id, body.mentee_id,
                                     body.mentor_id))


@router.get("/programs/{program_id}/runs/{run_id}/mentors/{mentor_id}")
def get_mentor(program_id: ProgramId, run_id: RunId, mentor_id: PersonId,
               ctx: Reader) -> dict[str, Any]:
    """A mentor: profile, load against capacity, mentees."""
    view = operations.mentor_view(ctx, program_id, run_id, mentor_id)
    return {"mentor_id": view.mentor_id, "mentor_name": view.mentor_name,
            "profile": dict(view.profile), "capacity": view.capacity,
            "load": len(view.pairs), "pairs": plain(view.pairs),
            "constraints": plain(view.constraints)}


@router.get("/programs/{program_id}/diff")
def get_diff(program_id: ProgramId, ctx: Reader,
             before: Annotated[str, Query(pattern=r"^\d{8}-\d{6}-[0-9a-f]{6}$")],
             after: Annotated[str, Query(pattern=r"^\d{8}-\d{6}-[0-9a-f]{6}$")]
             ) -> dict[str, Any]:
    """Pairs ended and new between two runs of the program, with names."""
    return plain(operations.diff_view(ctx, program_id, before, after))


class ConstraintBody(BaseModel):
    """Lock (keep) or forbid a pair of a run for the program's next solve."""

    run_id: str = Field(pattern=r"^\d{8}-\d{6}-[0-9a-f]{6}$")
    mentee_id: str = Field(min_length=1, max_length=200)
    mentor_id: str = Field(min_length=1, max_length=200)
    kind: Literal["lock", "forbid"]


@router.post("/programs/{program_id}/constraints", status_code=201)
def post_constraint(program_id: ProgramId, body: ConstraintBody, ctx: Writer
                    ) -> dict[str, Any]:
    """Lock or forbid a pair (replacing an earlier lock or forbid of the same pair)."""
    return plain(operations.set_constraint(ctx, program_id, body.run_id, body.mentee_id,
                                           body.mentor_id, body.kind))


@router.delete("/programs/{program_id}/constraints")
def delete_constraint(program_id: ProgramId, ctx: Writer,
                      mentee_id: Annotated[str, Query(min_length=1, max_length=200)],
                      mentor_id: Annotated[str, Query(min_length=1, max_length=200)]
                      ) -> dict[str, Any]:
    """Release a lock or forbid."""
    operations.remove_constraint(ctx, program_id, mentee_id, mentor_id)
    return {"removed": True}


@router.post("/programs/{program_id}/runs/{run_id}/publish")
def post_publish(program_id: ProgramId, run_id: RunId, ctx: Writer) -> dict[str, Any]:
    """Approve the draft and publish it (one published run per program; logged)."""
    return plain(operations.publish(ctx, program_id, run_id))


@router.get("/programs/{program_id}/runs/{run_id}/files/{name}")
def get_run_file(program_id: ProgramId, run_id: RunId, ctx: Reader,
                 name: Literal["run.zip", "pairings.xlsx", "pairings.csv",
                               "introductions.csv", "report.html"]) -> FileResponse:
    """Download the run folder as a zip, pairings.xlsx/.csv, the mail-merge file
    introductions.csv, or view report.html."""
    return send(operations.run_file(ctx, program_id, run_id, name))


@router.get("/programs/{program_id}/runs/{run_id}/pairs/{mentee_id}/{mentor_id}/{kind}")
def get_pair_file(program_id: ProgramId, run_id: RunId, mentee_id: PersonId,
                  mentor_id: PersonId, kind: Literal["plan", "calendar"],
                  ctx: Reader) -> FileResponse:
    """One pair's first-meeting plan (HTML) or meeting calendar (.ics)."""
    return send(operations.pair_file(ctx, program_id, run_id, mentee_id, mentor_id, kind))


@router.get("/programs/{program_id}/audit-log")
def get_audit_log(program_id: ProgramId, ctx: Reader) -> list[dict[str, Any]]:
    """Who did what and when in this program (newest first)."""
    return plain(operations.audit_log(ctx, program_id))
