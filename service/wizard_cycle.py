"""Year 2 of a program in the browser: the month-12 feedback sheet, the plan it makes
(pairs kept, ended, undecided; mentees held or flagged, with reasons), then the rematch as
a job whose draft is reviewed and published like any other; and the program's history.

The previous cycle is the program's published run; this year's intake is the program's
current sheets (upload them on the program page first when people joined or left). The
rematch runs in a worker like a match (:func:`service.operations.start_match` with the
stored feedback sheet); its run folder records the previous run, so the run page shows
what changed. The product is reached through :mod:`service.wizard_product` and
:mod:`service.actions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from service import actions, db, operations, wizard_product
from service.operations import Context, ServiceError, UploadedFile

#: A stored upload's name: its SHA-256 and extension (see Workspace.store_upload).
_STORED = re.compile(r"^[0-9a-f]{64}\.(csv|xlsx|xlsm)$")


@dataclass(frozen=True)
class CycleView:
    """The year-2 step of a program: the run it continues and, once a feedback sheet is
    uploaded, the plan the rematch will follow."""

    program: db.Program
    previous_run: db.Run | None
    feedback: str  # the stored feedback sheet ("" before one is uploaded)
    feedback_name: str  # its name as uploaded
    preview: wizard_product.CyclePreview | None


def _published(ctx: Context, program_id: str) -> tuple[operations.ProgramView, db.Run]:
    view = operations.program_view(ctx, program_id)
    if view.published is None:
        raise ServiceError(409, "Year 2 continues the published match: publish this "
                                "year's draft first.", "previous_run")
    return view, view.published


def cycle_start(ctx: Context, program_id: str) -> CycleView:
    """The step before a feedback sheet is uploaded."""
    view = operations.program_view(ctx, program_id)
    return CycleView(view.program, view.published, "", "", None)


def _preview(ctx: Context, program_id: str, feedback: str) -> wizard_product.CyclePreview:
    view, previous = _published(ctx, program_id)
    program = view.program
    if not program.mentors_file or not program.mentees_file:
        raise ServiceError(409, "Upload this year's mentors and mentees files first.",
                           "mentors")
    uploads = ctx.workspace.uploads_dir(program_id)
    try:
        return wizard_product.cycle_preview(
            ctx.workspace.inside(uploads / program.mentors_file),
            ctx.workspace.inside(uploads / program.mentees_file),
            ctx.workspace.config_path(program_id),
            ctx.workspace.run_dir(program_id, previous.id),
            ctx.workspace.inside(uploads / feedback))
    except actions.InputError as error:
        text = str(error).replace(str(ctx.workspace.root) + "/", "")
        raise ServiceError(422, text, "feedback") from None


def upload_feedback(ctx: Context, program_id: str, upload: UploadedFile) -> CycleView:
    """Keep the month-12 feedback sheet and show the plan it makes (422 naming the row
    and column of a wrong answer; nothing is started)."""
    view, previous = _published(ctx, program_id)
    stored = ctx.workspace.store_upload(
        program_id, upload.data, operations.sheet_extension("feedback", upload))[1].name
    preview = _preview(ctx, program_id, stored)
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        db.log(connection, ctx.user.username, "cycle.feedback", program_id,
               f"{upload.filename} for run {previous.id}")
    return CycleView(view.program, previous, stored, upload.filename, preview)


def start_cycle(ctx: Context, program_id: str, feedback: str, previous_run: str) -> db.Job:
    """Run the rematch of ``previous_run`` with the stored ``feedback`` as a job."""
    if not _STORED.fullmatch(feedback) or \
            not (ctx.workspace.uploads_dir(program_id) / feedback).is_file():
        raise ServiceError(422, "Upload the feedback sheet again.", "feedback")
    _, previous = _published(ctx, program_id)
    if previous.id != previous_run:
        raise ServiceError(409, f"The published run is now {previous.id}, not "
                                f"{previous_run}: look at the plan again.", "previous_run")
    _preview(ctx, program_id, feedback)  # still a valid plan for the current files
    return operations.start_match(ctx, program_id, None, None, base_run=previous.id,
                                  feedback=feedback)


# ------------------------------------------------------------------------------ history

@dataclass(frozen=True)
class HistoryEntry:
    """One run of a program: who made and published it, what it continued, its config."""

    run: db.Run
    kind: str  # "match", "re-solve" or "year-2 rematch"
    config: str  # the stored config the run used (its SHA-256 prefix: same = same config)
    before: str | None  # the run to compare with (the one it continued, else the one before)


def history(ctx: Context, program_id: str) -> list[HistoryEntry]:
    """Every run of the program, oldest first, with its config version."""
    runs = sorted(operations.list_runs(ctx, program_id), key=lambda r: r.created_at)
    entries = []
    with db.opened(ctx.workspace.db_path) as connection:
        for position, run in enumerate(runs):
            job = db.get_job(connection, run.job_id) if run.job_id else None
            params = job.params if job else {}
            kind = ("year-2 rematch" if params.get("feedback")
                    else "re-solve" if run.base_run else "match")
            config = str(params.get("config") or "")[:12]
            before = run.base_run or (runs[position - 1].id if position else None)
            entries.append(HistoryEntry(run, kind, config, before))
    return entries


def config_version(ctx: Context, program_id: str, version: str) -> Path:
    """The stored config a run used (``version``: its name's first 12 characters)."""
    if not re.fullmatch(r"[0-9a-f]{12}", version):
        raise ServiceError(404, "No such config version.", "version")
    operations.program_view(ctx, program_id)  # the program is the user's
    found = sorted(ctx.workspace.uploads_dir(program_id).glob(f"{version}*.toml"))
    if not found:
        raise ServiceError(404, "No such config version.", "version")
    return found[0]
