"""The setup wizard's JSON API under ``/api/v1/wizards`` (see :mod:`service.wizard`).

Same rules as :mod:`service.api`: the session cookie, the CSRF header on every
state-changing call, errors as ``{"detail", "field"}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from service import wizard, wizard_cycle
from service.api import ProgramId, plain, read_upload
from service.deps import Reader, Writer
from service.operations import ServiceError

router = APIRouter(prefix="/api/v1/wizards", tags=["setup wizard"])

WizardId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@router.post("", status_code=201)
async def post_wizard(ctx: Writer, name: Annotated[str, Form(min_length=1, max_length=200)],
                      mentors: Annotated[UploadFile, File()],
                      mentees: Annotated[UploadFile | None, File()] = None,
                      config: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    """Start setting up a program: upload the mentors and mentees sheets (or one workbook
    as ``mentors``), and optionally an existing ``program.toml`` to start from instead of
    the product's guess; returns the Questions step."""
    started = wizard.start(ctx, name, await read_upload(mentors, "mentors"),
                           await read_upload(mentees, "mentees") if mentees else None,
                           await read_upload(config, "config") if config else None)
    return plain(wizard.questions(ctx, started.id))


@router.get("/{wizard_id}")
def get_questions(wizard_id: WizardId, ctx: Reader) -> dict[str, Any]:
    """Every column of each sheet: real answers, the field it holds, how sure init was,
    and the fields mapped on one side only."""
    return plain(wizard.questions(ctx, wizard_id))


class ColumnBody(BaseModel):
    """Which field one column holds (``ignore``: not used for matching)."""

    side: Literal["mentors", "mentees"]
    header: str = Field(min_length=1, max_length=500)
    field: str = Field(min_length=1, max_length=100)


@router.put("/{wizard_id}/columns")
def put_column(wizard_id: WizardId, body: ColumnBody, ctx: Writer) -> dict[str, Any]:
    """Confirm, change or ignore one column's field; returns the Questions step."""
    return plain(wizard.map_column(ctx, wizard_id, body.side, body.header, body.field))


@router.get("/{wizard_id}/ladder")
def get_ladder(wizard_id: WizardId, ctx: Reader) -> dict[str, Any]:
    """The career-stage ladder, most junior first, with how many mentors and mentees
    gave each stage."""
    return plain(wizard.ladder(ctx, wizard_id))


class MoveBody(BaseModel):
    """Move one stage of the ladder up (more junior) or down (more senior)."""

    key: str = Field(min_length=1, max_length=200)
    direction: Literal["up", "down"]


@router.post("/{wizard_id}/ladder/moves")
def post_move(wizard_id: WizardId, body: MoveBody, ctx: Writer) -> dict[str, Any]:
    """Move a stage; returns the ladder."""
    return plain(wizard.move_stage(ctx, wizard_id, body.key, body.direction))


@router.get("/{wizard_id}/config")
def get_config(wizard_id: WizardId, ctx: Reader) -> Response:
    """The program.toml the wizard would save, as a download."""
    return Response(wizard.config_text(ctx, wizard_id), media_type="application/toml",
                    headers={"Content-Disposition": 'attachment; filename="program.toml"'})


@router.post("/{wizard_id}/save", status_code=201)
def post_save(wizard_id: WizardId, ctx: Writer) -> dict[str, Any]:
    """Create the program with the wizard's config and sheets; returns validate's
    findings (row problems and diagnostics)."""
    result = wizard.save(ctx, wizard_id)
    return {"program_id": result.program_id, "problems": result.problems,
            "errors": result.errors}


# ------------------------------------------------------------------------------ answers

VocabularyName = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")]


@router.get("/{wizard_id}/answers")
def get_answers(wizard_id: WizardId, ctx: Reader) -> dict[str, Any]:
    """Every list of answers of the mapped columns (areas, kinds of support, ways to meet,
    ladders ...): each distinct answer with how many mentors and mentees gave it and the
    value it means, and each value with its spellings."""
    return plain(wizard.answers(ctx, wizard_id))


class AssignBody(BaseModel):
    """Make one answer mean a value: an existing one (merge), a built-in one, or ``new``."""

    answer: str = Field(min_length=1, max_length=500)
    key: str = Field(min_length=1, max_length=200)


@router.post("/{wizard_id}/answers/{name}/assignments")
def post_assignment(wizard_id: WizardId, name: VocabularyName, body: AssignBody,
                    ctx: Writer) -> dict[str, Any]:
    """Merge an answer into a value (or make it a value of its own); returns the list."""
    return plain(wizard.assign_answer(ctx, wizard_id, name, body.answer, body.key))


class RenameBody(BaseModel):
    """A new name for one value."""

    key: str = Field(min_length=1, max_length=200)
    label: str = Field(min_length=1, max_length=100)


@router.post("/{wizard_id}/answers/{name}/renames")
def post_rename(wizard_id: WizardId, name: VocabularyName, body: RenameBody,
                ctx: Writer) -> dict[str, Any]:
    """Rename a value (its answers keep meaning it); returns the list."""
    return plain(wizard.rename_value(ctx, wizard_id, name, body.key, body.label))


class OrderBody(BaseModel):
    """A whole ladder in its new order (drag and drop), or one move."""

    keys: list[str] | None = Field(default=None, max_length=500)
    key: str | None = Field(default=None, max_length=200)
    direction: Literal["up", "down"] | None = None


@router.put("/{wizard_id}/answers/{name}/order")
def put_order(wizard_id: WizardId, name: VocabularyName, body: OrderBody,
              ctx: Writer) -> dict[str, Any]:
    """Order a ladder: ``keys`` (every value once) or one ``key`` moved ``direction``."""
    if body.keys is not None:
        return plain(wizard.order_values(ctx, wizard_id, name, body.keys))
    if body.key is None or body.direction is None:
        raise ServiceError(422, "Give keys (the whole order) or key and direction.", "keys")
    return plain(wizard.move_value(ctx, wizard_id, name, body.key, body.direction))


# -------------------------------------------------------------------- rules and weights

class SettingsBody(BaseModel):
    """Weights (0-100) and rules (on/off; the time-zone gap in hours) to try or keep."""

    weights: dict[str, float] = Field(default_factory=dict, max_length=20)
    rules: dict[str, bool | float] = Field(default_factory=dict, max_length=20)


@router.get("/{wizard_id}/settings")
def get_settings(wizard_id: WizardId, ctx: Reader) -> dict[str, Any]:
    """The weights and rules now, with their effect on this cohort (see ``preview``)."""
    return plain(wizard.settings(ctx, wizard_id))


@router.post("/{wizard_id}/preview")
def post_preview(wizard_id: WizardId, body: SettingsBody, ctx: Writer) -> dict[str, Any]:
    """The effect of these weights and rules, without keeping them and without a match:
    eligible pairs, pairs each rule removes, mentees left without an eligible mentor,
    the score spread and validate's diagnostics."""
    return plain(wizard.settings(ctx, wizard_id, body.weights, body.rules))


@router.put("/{wizard_id}/settings")
def put_settings(wizard_id: WizardId, body: SettingsBody, ctx: Writer) -> dict[str, Any]:
    """Keep these weights and rules for the saved config; returns the step."""
    return plain(wizard.save_settings(ctx, wizard_id, body.weights, body.rules))


class JoinBody(BaseModel):
    """Columns of one sheet to read together as one field (first + last name)."""

    side: Literal["mentors", "mentees"]
    headers: list[str] = Field(min_length=2, max_length=20)
    field: str = Field(min_length=1, max_length=100)


@router.post("/{wizard_id}/columns/joins")
def post_join(wizard_id: WizardId, body: JoinBody, ctx: Writer) -> dict[str, Any]:
    """Join columns into one field; returns the Questions step (``joined`` says how the
    product reads them together)."""
    return plain(wizard.join_columns(ctx, wizard_id, body.side, body.headers, body.field))


# ------------------------------------------------------------------ year 2 and history

cycle_router = APIRouter(prefix="/api/v1/programs/{program_id}", tags=["year 2 and history"])


@cycle_router.post("/cycles/preview")
async def post_cycle_preview(program_id: ProgramId, ctx: Writer,
                             feedback: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Upload the month-12 feedback sheet: the plan of the year-2 rematch of the published
    run (pairs kept, ended or undecided with reasons; mentees held or flagged), nothing
    started. ``feedback`` in the answer is the stored sheet to give ``POST cycles``."""
    return plain(wizard_cycle.upload_feedback(ctx, program_id,
                                              await read_upload(feedback, "feedback")))


class CycleBody(BaseModel):
    """Start the rematch: the stored feedback sheet and the run it continues."""

    feedback: str = Field(min_length=1, max_length=100)
    previous_run: str = Field(min_length=1, max_length=40)


@cycle_router.post("/cycles", status_code=202)
def post_cycle(program_id: ProgramId, body: CycleBody, ctx: Writer) -> dict[str, Any]:
    """Run the year-2 rematch as a job; its draft is reviewed and published like any."""
    return plain(wizard_cycle.start_cycle(ctx, program_id, body.feedback, body.previous_run))


@cycle_router.get("/history")
def get_history(program_id: ProgramId, ctx: Reader) -> list[dict[str, Any]]:
    """Every run of the program, oldest first: kind, who made and published it, the
    config version it used and the run to compare it with."""
    return plain(wizard_cycle.history(ctx, program_id))
