"""The setup wizard's JSON API under ``/api/v1/wizards`` (see :mod:`service.wizard`).

Same rules as :mod:`service.api`: the session cookie, the CSRF header on every
state-changing call, errors as ``{"detail", "field"}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from service import wizard
from service.api import plain, read_upload
from service.deps import Reader, Writer

router = APIRouter(prefix="/api/v1/wizards", tags=["setup wizard"])

WizardId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


@router.post("", status_code=201)
async def post_wizard(ctx: Writer, name: Annotated[str, Form(min_length=1, max_length=200)],
                      mentors: Annotated[UploadFile, File()],
                      mentees: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    """Start setting up a program: upload the mentors and mentees sheets (or one workbook
    as ``mentors``); returns the Questions step."""
    started = wizard.start(ctx, name, await read_upload(mentors, "mentors"),
                           await read_upload(mentees, "mentees") if mentees else None)
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
