"""The setup wizard's pages (:mod:`service.wizard`): upload, Questions, Answers, save.

Forms post with the session's CSRF token and redirect (POST, then GET); the ladder's
up/down buttons also work without script, and ``/static/wizard.js`` moves rungs in place
with ``fetch`` against the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service import wizard
from service.api import read_upload
from service.deps import Reader, Writer
from service.pages import render
from service.wizard_api import WizardId

router = APIRouter(include_in_schema=False)


@router.get("/wizard")
def start_page(request: Request, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_start.html", ctx)


@router.post("/wizard")
async def start(ctx: Writer, name: Annotated[str, Form(max_length=200)],
                mentors: Annotated[UploadFile, File()],
                mentees: Annotated[UploadFile | None, File()] = None) -> Response:
    mentees_file = await read_upload(mentees, "mentees") \
        if mentees is not None and mentees.filename else None
    started = wizard.start(ctx, name, await read_upload(mentors, "mentors"), mentees_file)
    return RedirectResponse(f"/wizard/{started.id}", status_code=303)


@router.get("/wizard/{wizard_id}")
def questions_page(request: Request, wizard_id: WizardId, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_questions.html", ctx,
                  view=wizard.questions(ctx, wizard_id))


@router.post("/wizard/{wizard_id}/columns")
async def columns(request: Request, wizard_id: WizardId, ctx: Writer) -> Response:
    """Every select of the Questions form: ``<side>|<header>`` → field."""
    form = await request.form()
    view = wizard.questions(ctx, wizard_id)
    for question in view.questions:
        chosen = form.get(f"{question.side}|{question.header}")
        if isinstance(chosen, str) and chosen != question.field:
            wizard.map_column(ctx, wizard_id, question.side, question.header, chosen)
    return RedirectResponse(f"/wizard/{wizard_id}/answers", status_code=303)


@router.get("/wizard/{wizard_id}/answers")
def answers_page(request: Request, wizard_id: WizardId, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_answers.html", ctx, view=wizard.ladder(ctx, wizard_id))


@router.post("/wizard/{wizard_id}/ladder")
def move(wizard_id: WizardId, ctx: Writer, key: Annotated[str, Form(max_length=200)],
         direction: Annotated[str, Form(max_length=10)]) -> Response:
    wizard.move_stage(ctx, wizard_id, key, direction)
    return RedirectResponse(f"/wizard/{wizard_id}/answers#ladder", status_code=303)


@router.get("/wizard/{wizard_id}/config")
def config(wizard_id: WizardId, ctx: Reader) -> Response:
    return Response(wizard.config_text(ctx, wizard_id), media_type="application/toml",
                    headers={"Content-Disposition": 'attachment; filename="program.toml"'})


@router.post("/wizard/{wizard_id}/save")
def save(request: Request, wizard_id: WizardId, ctx: Writer) -> HTMLResponse:
    result = wizard.save(ctx, wizard_id)
    return render(request, "wizard_saved.html", ctx, result=result, wizard_id=wizard_id)
