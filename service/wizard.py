"""The setup wizard: a new program's config from its sign-up sheets, without TOML.

A wizard is a folder ``wizards/<id>/`` of the workspace holding the uploaded sheets, the
config ``mentormatch init`` wrote for them (``init.toml``) and the coordinator's choices
(``state.json``): which field each column holds and the order of the career-stage ladder.
The steps (pages and API call the same functions):

1. :func:`start` keeps the files and runs init on them;
2. :func:`questions` shows every column with real answers, the field init guessed (in
   plain words) and how sure it is; :func:`map_column` confirms, changes or ignores one;
   fields mapped on one side only are pointed out;
3. :func:`ladder` shows the career-stage ladder, each rung with how many mentors and
   mentees gave it; :func:`move_stage` moves a rung up or down;
4. :func:`save` writes an ordinary ``program.toml`` (:mod:`tomli_w`), creates the program
   with it and the sheets (:func:`service.operations.create_program` /
   :func:`~service.operations.upload_cohort`), and returns ``validate``'s diagnostics.

The product is reached only through :mod:`service.actions`.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from service import actions, db, operations
from service.operations import Context, ServiceError, UploadedFile

#: What each field holds, in the coordinator's words (the Questions step's choices).
FIELD_WORDS: dict[str, str] = {
    "id": "a participant id",
    "name": "the person's name",
    "email": "the person's e-mail address",
    "career_stage": "career stage (seniority)",
    "specialty": "specialty or department",
    "institution": "institution or employer",
    "need_areas": "what the mentee wants help with",
    "expertise_areas": "what the mentor can help with",
    "goals": "the mentee's goals (free text)",
    "bio": "the mentor's background (free text)",
    "help_wanted": "the kind of support the mentee wants (mentor, coach ...)",
    "roles": "the kinds of support the mentor offers (mentor, coach ...)",
    "capacity": "how many mentees the mentor can take",
    "network_size": "how many mentors the mentee wants",
    "modes": "how they like to meet (video, in person ...)",
    "frequency": "how often they want to meet",
    "time_zone": "time zone",
    "languages": "languages spoken",
    "preferences": "matching preferences",
    "exclude": "people not to be matched with",
    "gender": "gender (sensitive: used only by rules you switch on)",
    "background": "background or identity (sensitive)",
    "ignore": "not used for matching",
}
#: Prefixed targets init writes for special questions, in plain words.
PREFIX_WORDS = {"pref:": "a yes/no preference: {}", "count:": "how many {} mentors wanted",
                "attr:": "a program field: {}"}
#: Fields that answer the same question on the two sides (mentee side → mentor side).
COUNTERPARTS: dict[str, tuple[str, str]] = {
    "need_areas": ("expertise_areas", "what mentees want help with, but not what mentors "
                                      "can help with"),
    "help_wanted": ("roles", "the support mentees want, but not the support mentors offer"),
    "career_stage": ("career_stage", "the mentees' career stage, but not the mentors'"),
    "time_zone": ("time_zone", "the mentees' time zone, but not the mentors'"),
    "languages": ("languages", "the mentees' languages, but not the mentors'"),
    "modes": ("modes", "how mentees like to meet, but not how mentors do"),
    "frequency": ("frequency", "how often mentees want to meet, but not mentors"),
}
SIDES = ("mentors", "mentees")
_ID = re.compile(r"^[0-9a-f]{16}$")


def field_words(field: str) -> str:
    """A field (or a special target like ``pref:same_gender``) in plain words."""
    for prefix, words in PREFIX_WORDS.items():
        if field.startswith(prefix):
            return words.format(field[len(prefix):].replace("_", " "))
    return FIELD_WORDS.get(field, field.replace("_", " "))


# ----------------------------------------------------------------------------- storage

@dataclass
class Wizard:
    """One wizard's folder and state."""

    id: str
    folder: Path
    state: dict[str, Any]

    @property
    def mentors(self) -> Path:
        return self.folder / self.state["mentors"]

    @property
    def mentees(self) -> Path:
        return self.folder / self.state["mentees"]

    @property
    def init_tables(self) -> dict[str, Any]:
        with (self.folder / "init.toml").open("rb") as handle:
            return tomllib.load(handle)

    def save_state(self) -> None:
        partial = self.folder / ".state.json.partial"
        partial.write_text(json.dumps(self.state, indent=1), encoding="utf-8")
        partial.replace(self.folder / "state.json")


def _root(ctx: Context) -> Path:
    return ctx.workspace.root / "wizards"


def _open(ctx: Context, wizard_id: str) -> Wizard:
    """The user's wizard ``wizard_id``; 404 for a bad id or another user's wizard."""
    if not _ID.fullmatch(wizard_id):
        raise ServiceError(404, "No such setup.", "wizard_id")
    folder = ctx.workspace.inside(_root(ctx) / wizard_id)
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServiceError(404, "No such setup.", "wizard_id") from None
    if state["owner"] != ctx.user.username and not ctx.user.is_admin:
        raise ServiceError(404, "No such setup.", "wizard_id")
    return Wizard(wizard_id, folder, state)


def _keep(folder: Path, side: str, upload: UploadedFile) -> str:
    name = f"{side}{operations.sheet_extension(side, upload)}"
    (folder / name).write_bytes(upload.data)
    return name


# ------------------------------------------------------------------------------- steps

def start(ctx: Context, name: str, mentors: UploadedFile, mentees: UploadedFile | None
          ) -> Wizard:
    """Keep the sheets (one workbook: ``mentors`` alone) and read them with init."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ServiceError(422, "Give the program a name (1-200 characters).", "name")
    wizard_id = secrets.token_hex(8)
    folder = ctx.workspace.inside(_root(ctx) / wizard_id)
    folder.mkdir(parents=True)
    mentors_name = mentees_name = ""
    try:
        mentors_name = _keep(folder, "mentors", mentors)
        mentees_name = _keep(folder, "mentees", mentees) if mentees else mentors_name
        actions.write_starter_config(folder / mentors_name, folder / mentees_name,
                                     folder / "init.toml")
    except actions.InputError as error:
        shutil.rmtree(folder)
        text = str(error).replace(str(folder) + "/", "")
        # The product names the file at fault: say which upload that is, by its own name.
        side = "mentees" if mentees and mentees_name != mentors_name \
            and mentees_name in text else "mentors"
        text = text.replace(mentors_name, mentors.filename)
        if mentees:
            text = text.replace(mentees_name, mentees.filename)
        raise ServiceError(422, text, side) from None
    except ServiceError:
        shutil.rmtree(folder)
        raise
    wizard = Wizard(wizard_id, folder, {
        "owner": ctx.user.username, "name": name, "mentors": mentors_name,
        "mentees": mentees_name, "files": [mentors.filename,
                                           mentees.filename if mentees else None],
        "mapping": None, "stage_order": None, "program_id": None})
    wizard.state["mapping"] = wizard.init_tables["columns"]
    wizard.save_state()
    with db.opened(ctx.workspace.db_path) as connection, db.transaction(connection):
        db.log(connection, ctx.user.username, "wizard.start", None,
               f"{name}: {mentors.filename}" + (f", {mentees.filename}" if mentees else ""))
    return wizard


@dataclass(frozen=True)
class Question:
    """One column of a sheet on the Questions step."""

    side: str
    header: str
    examples: tuple[str, ...]
    answered: int
    field: str
    words: str
    certainty: str  # "sure", "likely", "guess"; "" when the column is not used
    guessed_by_init: str
    hidden: bool = False  # a sensitive field: its answers are never shown


@dataclass(frozen=True)
class QuestionsView:
    """The Questions step: every column, the field choices, and what is one-sided."""

    wizard_id: str
    name: str
    questions: list[Question]
    choices: dict[str, list[tuple[str, str]]]  # side -> (field, words)
    one_sided: list[str]
    program_id: str | None


def questions(ctx: Context, wizard_id: str) -> QuestionsView:
    wizard = _open(ctx, wizard_id)
    init_mapping = wizard.init_tables["columns"]
    mapping = wizard.state["mapping"]
    found = actions.form_columns(wizard.mentors, wizard.mentees)
    hidden = set(wizard.init_tables.get("sensitive", {}).get("fields", ())) \
        | actions.sensitive_fields()
    rows = []
    for side in SIDES:
        for column in found[side]:
            field = mapping[side].get(column.header, "ignore")
            guess = init_mapping[side].get(column.header, "ignore")
            if field == "ignore":
                certainty = ""
            elif ":" in field:  # a special question init recognised by its wording
                certainty = "likely" if field == guess else "guess"
            else:
                certainty = actions.field_certainty(wizard.mentors, wizard.mentees, side,
                                                    column.header, field)
            # A checkbox question's labels, not whole cells ("A, B" is two answers).
            examples = column.labels if field in actions.multi_value_fields() else column.examples
            if field in hidden:  # never rendered, as everywhere in the service
                examples = ()
            rows.append(Question(side, column.header, examples, column.answered,
                                 field, field_words(field), certainty,
                                 guess, field in hidden))
    return QuestionsView(wizard.id, wizard.state["name"], rows, _choices(mapping),
                         one_sided(mapping), wizard.state["program_id"])


def _choices(mapping: dict[str, dict[str, str]]) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for side in SIDES:
        names = [*actions.side_fields(side),
                 *sorted({f for f in mapping[side].values() if ":" in f}), "ignore"]
        out[side] = [(name, field_words(name)) for name in names]
    return out


def one_sided(mapping: dict[str, dict[str, str]]) -> list[str]:
    """Sentences for each field mapped on one side but not its counterpart on the other."""
    mentee_fields = set(mapping["mentees"].values())
    mentor_fields = set(mapping["mentors"].values())
    notes = []
    for mentee_field, (mentor_field, words) in COUNTERPARTS.items():
        if mentee_field in mentee_fields and mentor_field not in mentor_fields:
            notes.append(f"You mapped {words}: that part of the score cannot work.")
        elif mentor_field in mentor_fields and mentee_field not in mentee_fields:
            notes.append(f"You mapped {field_words(mentor_field)} on the mentors' sheet, "
                         f"but no mentee column holds {field_words(mentee_field)}.")
    return notes


def map_column(ctx: Context, wizard_id: str, side: str, header: str, field: str
               ) -> QuestionsView:
    """Set the field column ``header`` of ``side`` holds ("ignore": not used)."""
    wizard = _open(ctx, wizard_id)
    if side not in SIDES:
        raise ServiceError(422, "The side is mentors or mentees.", "side")
    headers = [c.header for c in actions.form_columns(wizard.mentors, wizard.mentees)[side]]
    if header not in headers:
        raise ServiceError(422, f"The {side} sheet has no column {header!r}.", "header")
    allowed = {name for name, _ in _choices(wizard.state["mapping"])[side]}
    if field not in allowed:
        raise ServiceError(422, f"{field!r} is not a field of the {side} sheet; choose one "
                                f"of: {', '.join(sorted(allowed))}.", "field")
    mapping = wizard.state["mapping"][side]
    mapping[header] = field
    wizard.state["mapping"][side] = {h: mapping[h] for h in headers if h in mapping}
    wizard.save_state()
    return questions(ctx, wizard_id)


@dataclass(frozen=True)
class Rung:
    """One step of the career-stage ladder: its answers and who gave them."""

    key: str
    answers: tuple[str, ...]
    mentors: int
    mentees: int


@dataclass(frozen=True)
class LadderView:
    """The Answers step for the ordered field: most junior rung first."""

    wizard_id: str
    name: str
    rungs: list[Rung]
    guessed: bool  # init ordered (part of) it by evidence, and nobody has moved it yet


def _stage_headers(mapping: dict[str, dict[str, str]]) -> dict[str, str | None]:
    return {side: next((h for h, f in mapping[side].items() if f == "career_stage"), None)
            for side in SIDES}


def _stage_scale(wizard: Wizard) -> tuple[dict[str, list[str]], bool]:
    """The ladder (key → spellings, most junior first) and whether part of it is guessed:
    init's, unless the coordinator mapped other stage columns (then ordered again, as init
    orders them), in the coordinator's order once a stage was moved."""
    init = wizard.init_tables
    headers = _stage_headers(wizard.state["mapping"])
    table: dict[str, list[str]]
    if headers == _stage_headers(init["columns"]):
        table = init.get("vocabularies", {}).get("career_stage", {})
        guessed = "career_stage" in init["intake"].get("guessed_order", [])
    else:
        found = actions.stage_ladder(wizard.mentors, wizard.mentees, headers)
        table, guessed = (found.table, bool(found.guessed)) if found else ({}, False)
    order = wizard.state.get("stage_order")
    if order:
        table = {key: table[key] for key in [*order, *table] if key in table}
    return table, guessed and not order


def _stage_table(wizard: Wizard) -> dict[str, list[str]]:
    return _stage_scale(wizard)[0]


def ladder(ctx: Context, wizard_id: str) -> LadderView:
    fold = actions.same_answer_key
    wizard = _open(ctx, wizard_id)
    table = _stage_table(wizard)
    found = actions.form_columns(wizard.mentors, wizard.mentees)
    counts: dict[str, dict[str, int]] = {side: {} for side in SIDES}
    key_of = {fold(spelling): key for key, spellings in table.items() for spelling in
              (key, *spellings)}
    for side in SIDES:
        for column in found[side]:
            if wizard.state["mapping"][side].get(column.header) != "career_stage":
                continue
            for cell in column.filled:
                key = key_of.get(fold(cell))
                if key is not None:
                    counts[side][key] = counts[side].get(key, 0) + 1
    rungs = [Rung(key, tuple(spellings), counts["mentors"].get(key, 0),
                  counts["mentees"].get(key, 0)) for key, spellings in table.items()]
    guessed = _stage_scale(wizard)[1]
    return LadderView(wizard.id, wizard.state["name"], rungs, guessed)


def move_stage(ctx: Context, wizard_id: str, key: str, direction: str) -> LadderView:
    """Move rung ``key`` one step more junior ("up") or more senior ("down")."""
    wizard = _open(ctx, wizard_id)
    order = list(_stage_table(wizard))
    if key not in order:
        raise ServiceError(422, f"The ladder has no stage {key!r}.", "key")
    if direction not in ("up", "down"):
        raise ServiceError(422, "The direction is up or down.", "direction")
    at = order.index(key)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    wizard.state["stage_order"] = order
    wizard.save_state()
    return ladder(ctx, wizard_id)


# -------------------------------------------------------------------------------- save

def config_tables(wizard: Wizard) -> dict[str, Any]:
    """init's tables with the coordinator's columns and ladder."""
    tables = wizard.init_tables
    changed = _stage_headers(wizard.state["mapping"]) != _stage_headers(tables["columns"])
    tables["columns"] = wizard.state["mapping"]
    if not (changed or wizard.state.get("stage_order")):
        return tables  # init's own config, as init wrote it
    table, guessed = _stage_scale(wizard)
    vocabularies = tables.setdefault("vocabularies", {})
    if table:
        vocabularies["career_stage"] = table
    else:  # "more senior" needs a stage on both sheets
        vocabularies.pop("career_stage", None)
        tables.setdefault("rules", {})["mentor_more_senior"] = False
    others = [f for f in tables["intake"].get("guessed_order", []) if f != "career_stage"]
    marked = others + (["career_stage"] if guessed else [])
    if marked:
        tables["intake"]["guessed_order"] = marked
    else:
        tables["intake"].pop("guessed_order", None)
    return tables


def config_text(ctx: Context, wizard_id: str) -> str:
    """The program.toml the wizard saves, as text."""
    wizard = _open(ctx, wizard_id)
    files = ", ".join(f for f in wizard.state["files"] if f)
    head = [f"# Program config of {wizard.state['name']!r}, written by the mentormatch "
            "setup wizard", f"# from {files}.",
            "# [columns.*]: each header as exported -> the field it holds;",
            "# [vocabularies.career_stage]: stages in seniority order, most junior first.",
            "# Tables not written here use the defaults.", ""]
    return "\n".join(head) + tomli_w.dumps(config_tables(wizard))


@dataclass(frozen=True)
class SaveResult:
    """The program made from the wizard, and what validate says of it."""

    program_id: str
    problems: list[dict[str, Any]]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p["severity"] == "error")


def save(ctx: Context, wizard_id: str) -> SaveResult:
    """Create the program with the wizard's config and sheets; validate's findings."""
    wizard = _open(ctx, wizard_id)
    if wizard.state["program_id"]:
        raise ServiceError(409, "This setup was saved already as program "
                                f"{wizard.state['program_id']}.", "wizard_id")
    config = config_text(ctx, wizard_id).encode("utf-8")
    program = operations.create_program(ctx, wizard.state["name"], config)
    files = wizard.state["files"]
    one_workbook = wizard.state["mentors"] == wizard.state["mentees"]
    operations.upload_cohort(
        ctx, program.id, UploadedFile(files[0], wizard.mentors.read_bytes()),
        None if one_workbook else UploadedFile(files[1], wizard.mentees.read_bytes()))
    wizard.state["program_id"] = program.id
    wizard.save_state()
    return SaveResult(program.id, diagnostics(ctx, program.id, [f for f in files if f]))


def diagnostics(ctx: Context, program_id: str, names: list[str]) -> list[dict[str, Any]]:
    """validate's findings for the program's config and latest sheets; ``names`` are the
    sheets' names as uploaded (mentors, mentees), shown instead of the stored names."""
    view = operations.program_view(ctx, program_id)
    uploads = ctx.workspace.uploads_dir(program_id)
    mentors = ctx.workspace.inside(uploads / str(view.program.mentors_file))
    mentees = ctx.workspace.inside(uploads / str(view.program.mentees_file))
    try:
        found = actions.validate_problems(mentors, mentees,
                                          ctx.workspace.config_path(program_id))
    except actions.InputError as error:
        return [{"severity": "error", "file": "", "row": None, "column": None, "value": None,
                 "message": str(error).replace(str(ctx.workspace.root) + "/", ""),
                 "fix": "", "key": None, "code": None}]
    shown = {str(mentors): names[0], str(mentees): names[-1]}
    for problem in found:
        problem["file"] = shown.get(str(problem["file"]),
                                    str(problem["file"]).replace(str(uploads) + "/", ""))
    return found
