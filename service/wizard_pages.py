"""The setup wizard's pages (:mod:`service.wizard`): upload, Questions, Answers, Rules and
weights, save.

Forms post with the session's CSRF token and redirect (POST, then GET), so every step
works without script; ``/static/wizard.js`` adds moving rungs in place (buttons and drag
and drop), applying an answer's meaning as soon as it is chosen, and the live preview of
rules and weights, all with ``fetch`` against the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service import operations, wizard, wizard_cycle
from service.api import ProgramId, read_form_upload, read_upload
from service.deps import Reader, Writer
from service.operations import ServiceError
from service.pages import render
from service.wizard_api import VocabularyName, WizardId

router = APIRouter(include_in_schema=False)


@router.get("/wizard")
def start_page(request: Request, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_start.html", ctx)


@router.post("/wizard")
async def start(ctx: Writer, name: Annotated[str, Form(max_length=200)],
                mentors: Annotated[UploadFile, File()],
                mentees: Annotated[UploadFile | None, File()] = None,
                config: Annotated[UploadFile | None, File()] = None) -> Response:
    mentees_file = await read_form_upload(mentees, "mentees")
    config_file = await read_form_upload(config, "config")
    started = wizard.start(ctx, name, await read_upload(mentors, "mentors"), mentees_file,
                           config_file)
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
    return render(request, "wizard_answers.html", ctx, view=wizard.answers(ctx, wizard_id))


def _back_to(wizard_id: str, name: str) -> RedirectResponse:
    return RedirectResponse(f"/wizard/{wizard_id}/answers#list-{name}", status_code=303)


@router.post("/wizard/{wizard_id}/ladder")
def move(wizard_id: WizardId, ctx: Writer, key: Annotated[str, Form(max_length=200)],
         direction: Annotated[str, Form(max_length=10)]) -> Response:
    wizard.move_stage(ctx, wizard_id, key, direction)
    return _back_to(wizard_id, "career_stage")


@router.post("/wizard/{wizard_id}/answers/{name}/move")
def move_value(wizard_id: WizardId, name: VocabularyName, ctx: Writer,
               key: Annotated[str, Form(max_length=200)],
               direction: Annotated[str, Form(max_length=10)]) -> Response:
    wizard.move_value(ctx, wizard_id, name, key, direction)
    return _back_to(wizard_id, name)


@router.post("/wizard/{wizard_id}/answers/{name}/assign")
def assign(wizard_id: WizardId, name: VocabularyName, ctx: Writer,
           answer: Annotated[str, Form(max_length=500)],
           key: Annotated[str, Form(max_length=200)]) -> Response:
    wizard.assign_answer(ctx, wizard_id, name, answer, key)
    return _back_to(wizard_id, name)


@router.post("/wizard/{wizard_id}/answers/{name}/rename")
def rename(wizard_id: WizardId, name: VocabularyName, ctx: Writer,
           key: Annotated[str, Form(max_length=200)],
           label: Annotated[str, Form(max_length=100)]) -> Response:
    wizard.rename_value(ctx, wizard_id, name, key, label)
    return _back_to(wizard_id, name)


@router.get("/wizard/{wizard_id}/settings")
def settings_page(request: Request, wizard_id: WizardId, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_settings.html", ctx, view=wizard.settings(ctx, wizard_id))


async def _settings_form(request: Request) -> tuple[dict[str, float], dict[str, bool | float]]:
    """The Rules and weights form: a number per weight, a checkbox per rule (an unticked
    box is not sent: the rule is off)."""
    form = await request.form()
    weights = {key: _number(form.get(f"weight-{key}"), f"weights.{key}")
               for key in wizard.WEIGHT_WORDS if form.get(f"weight-{key}") is not None}
    rules: dict[str, bool | float] = {key: form.get(f"rule-{key}") == "on"
                                      for key in wizard.RULE_WORDS
                                      if key != "max_time_zone_gap_hours"}
    gap = form.get("rule-max_time_zone_gap_hours")
    if gap is not None:
        rules["max_time_zone_gap_hours"] = _number(gap, "rules.max_time_zone_gap_hours")
    return weights, rules


@router.post("/wizard/{wizard_id}/settings")
async def keep_settings(request: Request, wizard_id: WizardId, ctx: Writer) -> Response:
    wizard.save_settings(ctx, wizard_id, *await _settings_form(request))
    return RedirectResponse(f"/wizard/{wizard_id}/settings#preview", status_code=303)


@router.post("/wizard/{wizard_id}/preview")
async def preview(request: Request, wizard_id: WizardId, ctx: Writer) -> HTMLResponse:
    """The preview part of the page for the form as it stands (nothing kept): what
    ``/static/wizard.js`` puts in place while a slider moves."""
    view = wizard.settings(ctx, wizard_id, *await _settings_form(request))
    return render(request, "_wizard_preview.html", ctx, view=view)


def _number(value: object, field: str) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise ServiceError(422, f"{value!r} is not a number.", field) from None


@router.get("/wizard/{wizard_id}/config")
def config(wizard_id: WizardId, ctx: Reader) -> Response:
    return Response(wizard.config_text(ctx, wizard_id), media_type="application/toml",
                    headers={"Content-Disposition": 'attachment; filename="program.toml"'})


@router.post("/wizard/{wizard_id}/save")
def save(request: Request, wizard_id: WizardId, ctx: Writer) -> HTMLResponse:
    result = wizard.save(ctx, wizard_id)
    return render(request, "wizard_saved.html", ctx, result=result, wizard_id=wizard_id)


# ------------------------------------------------------------------ year 2 and history

@router.get("/programs/{program_id}/next-cycle")
def cycle_page(request: Request, program_id: ProgramId, ctx: Reader) -> HTMLResponse:
    return render(request, "wizard_cycle.html", ctx,
                  view=wizard_cycle.cycle_start(ctx, program_id))


@router.post("/programs/{program_id}/next-cycle")
async def cycle_feedback(request: Request, program_id: ProgramId, ctx: Writer,
                         feedback: Annotated[UploadFile, File()]) -> HTMLResponse:
    view = wizard_cycle.upload_feedback(ctx, program_id,
                                        await read_upload(feedback, "feedback"))
    return render(request, "wizard_cycle.html", ctx, view=view)


@router.post("/programs/{program_id}/next-cycle/run")
def cycle_run(program_id: ProgramId, ctx: Writer,
              feedback: Annotated[str, Form(max_length=100)],
              previous_run: Annotated[str, Form(max_length=40)]) -> Response:
    job = wizard_cycle.start_cycle(ctx, program_id, feedback, previous_run)
    return RedirectResponse(f"/programs/{program_id}/jobs/{job.id}", status_code=303)


@router.get("/programs/{program_id}/history")
def history_page(request: Request, program_id: ProgramId, ctx: Reader,
                 before: Annotated[str, Query(max_length=40)] = "",
                 after: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    """Every run in order; with ``before`` and ``after``, what changed between the two."""
    entries = wizard_cycle.history(ctx, program_id)
    diff = operations.diff_view(ctx, program_id, before, after) if before and after else None
    return render(request, "wizard_history.html", ctx, program_id=program_id,
                  entries=entries, diff=diff, before=before, after=after)


@router.get("/programs/{program_id}/configs/{version}")
def config_version(program_id: ProgramId, version: str, ctx: Reader) -> Response:
    path = wizard_cycle.config_version(ctx, program_id, version)
    return Response(path.read_bytes(), media_type="application/toml",
                    headers={"Content-Disposition":
                             f'attachment; filename="program-{version}.toml"'})
