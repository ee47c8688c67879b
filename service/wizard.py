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

from service import actions, db, operations, wizard_product
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

def _uploaded_config(config: UploadedFile) -> dict[str, Any]:
    """An uploaded program.toml as tables, checked as the CLI checks it (422 naming the
    key at fault), with the tables the wizard reads filled in."""
    try:
        text = config.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(422, f"{config.filename} is not a text file (UTF-8): upload the "
                                "program.toml itself.", "config") from None
    tables, problem = wizard_product.config_problem(text)
    if tables is None:
        raise ServiceError(422, f"{config.filename}: {problem}", "config")
    tables.setdefault("intake", {})
    columns = tables.setdefault("columns", {})
    for side in SIDES:
        columns.setdefault(side, {})
    return tables


def start(ctx: Context, name: str, mentors: UploadedFile, mentees: UploadedFile | None,
          config: UploadedFile | None = None) -> Wizard:
    """Keep the sheets (one workbook: ``mentors`` alone) and read them with init, or with
    ``config`` (an existing program's program.toml: a new cycle with this year's form)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ServiceError(422, "Give the program a name (1-200 characters).", "name")
    tables = _uploaded_config(config) if config is not None else None
    wizard_id = secrets.token_hex(8)
    folder = ctx.workspace.inside(_root(ctx) / wizard_id)
    folder.mkdir(parents=True)
    mentors_name = mentees_name = ""
    try:
        mentors_name = _keep(folder, "mentors", mentors)
        mentees_name = _keep(folder, "mentees", mentees) if mentees else mentors_name
        if tables is None:
            actions.write_starter_config(folder / mentors_name, folder / mentees_name,
                                         folder / "init.toml")
        else:
            (folder / "init.toml").write_text(tomli_w.dumps(tables), encoding="utf-8")
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
        "config": config.filename if config else None, "mapping": None,
        "stage_order": None, "vocabularies": {}, "ordered": [], "settings": {},
        "program_id": None})
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
    joined: tuple[str, ...] = ()  # columns read together as one field


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
                         one_sided(mapping), wizard.state["program_id"],
                         tuple(joined(mapping)))


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


#: How the product reads several columns holding one field (scoring.intake.cohort).
JOINED_HOW = {"name": "joined with a space, in column order (first + last name)",
              "goals": "joined as one text, a line per column",
              "bio": "joined as one text, a line per column"}


def joined(mapping: dict[str, dict[str, str]]) -> list[str]:
    """A sentence for each field that several columns of one sheet hold together."""
    notes = []
    for side in SIDES:
        by_field: dict[str, list[str]] = {}
        for header, name in mapping[side].items():
            if name != "ignore":
                by_field.setdefault(name, []).append(header)
        for name, headers in by_field.items():
            if len(headers) < 2:
                continue
            how = JOINED_HOW.get(name) or (
                "merged: every answer of each column counts"
                if name in actions.multi_value_fields()
                else "read together: the first answered column of each row counts")
            columns = " + ".join(repr(h) for h in headers)
            notes.append(f"{side.capitalize()}: {columns} hold {field_words(name)}, {how}.")
    return notes


def join_columns(ctx: Context, wizard_id: str, side: str, headers: list[str], field_name: str
                 ) -> QuestionsView:
    """Read the columns ``headers`` of ``side`` together as one field (first + last name,
    two goals questions); each is mapped to ``field_name``."""
    if len(set(headers)) < 2:
        raise ServiceError(422, "Choose at least two different columns to join.", "headers")
    for header in headers:
        map_column(ctx, wizard_id, side, header, field_name)
    return questions(ctx, wizard_id)


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


# ----------------------------------------------------------------------------- answers

#: The vocabularies the Answers step shows, in the coordinator's words.
VOCABULARY_WORDS: dict[str, str] = {
    "career_stage": "Career stages, most junior first",
    "frequency": "How often they want to meet, most often first",
    "areas": "Areas: what mentees want help with and what mentors can help with",
    "roles": "Kinds of support: mentor, coach or advisor",
    "modes": "Ways to meet",
    "languages": "Languages",
    "preferences": "Matching preferences",
    "institutions": "Institutions",
}


@dataclass(frozen=True)
class Rung:
    """One value of a vocabulary (a rung of a ladder): its spellings and who gave it."""

    key: str
    answers: tuple[str, ...]
    mentors: int
    mentees: int
    built_in: bool = False  # a value the product itself knows (it cannot be renamed)


@dataclass(frozen=True)
class AnswerRow:
    """One distinct answer found in the sheets, its counts and the value it means."""

    answer: str
    mentors: int
    mentees: int
    key: str | None  # None: not recognised (validate reports it as an error)


@dataclass(frozen=True)
class VocabularyView:
    """One vocabulary on the Answers step: its values (a ladder when ordered) and every
    distinct answer of the columns read against it."""

    name: str
    words: str
    ordered: bool
    closed: bool  # only the product's own values are allowed (no new value)
    fields: tuple[str, ...]  # "mentors: what the mentor can help with", ...
    rungs: list[Rung]
    answers: list[AnswerRow]
    guessed: bool  # (ordered) part of the order was guessed and nobody has set it yet

    @property
    def unknown(self) -> int:
        return sum(1 for a in self.answers if a.key is None)


@dataclass(frozen=True)
class AnswersView:
    """The Answers step: every mapped vocabulary of the form."""

    wizard_id: str
    name: str
    vocabularies: list[VocabularyView]


@dataclass(frozen=True)
class LadderView:
    """The career-stage ladder alone (the first API of the Answers step)."""

    wizard_id: str
    name: str
    rungs: list[Rung]
    guessed: bool


def _stage_headers(mapping: dict[str, dict[str, str]]) -> dict[str, str | None]:
    return {side: next((h for h, f in mapping[side].items() if f == "career_stage"), None)
            for side in SIDES}


def _base_scale(wizard: Wizard, name: str) -> tuple[dict[str, list[str]], bool]:
    """A vocabulary before the coordinator's edits and whether its order was guessed:
    init's; for career stages mapped anew, ordered again as init orders them."""
    init = wizard.init_tables
    guessed = name in init["intake"].get("guessed_order", [])
    table: dict[str, list[str]] | None = init.get("vocabularies", {}).get(name)
    if name == "career_stage":
        headers = _stage_headers(wizard.state["mapping"])
        if headers != _stage_headers(init["columns"]):
            found = actions.stage_ladder(wizard.mentors, wizard.mentees, headers)
            table, guessed = (found.table, bool(found.guessed)) if found else ({}, False)
        return dict(table or {}), guessed
    return (dict(table) if table is not None else wizard_product.built_in(name)), guessed


def _scale(wizard: Wizard, name: str) -> tuple[dict[str, list[str]], bool]:
    """The vocabulary as the coordinator left it (key → spellings, in scale order) and
    whether part of its order is still a guess."""
    table, guessed = _base_scale(wizard, name)
    edited = wizard.state.get("vocabularies", {}).get(name)
    if edited is not None:
        table = {key: list(spellings) for key, spellings in edited.items()}
    order = wizard.state.get("stage_order") if name == "career_stage" else None
    if order:  # a setup saved before vocabularies could be edited
        table = {key: table[key] for key in [*order, *table] if key in table}
    checked = name in wizard.state.get("ordered", []) or bool(order)
    return table, guessed and not checked


def _stage_table(wizard: Wizard) -> dict[str, list[str]]:
    return _scale(wizard, "career_stage")[0]


def _columns_of(wizard: Wizard, name: str,
                found: dict[str, list[actions.FormColumn]] | None = None
                ) -> list[tuple[str, str, tuple[str, ...]]]:
    """(side, field, filled cells) of every column read against vocabulary ``name``
    (``found``: the sheets' columns when already read)."""
    found = found or actions.form_columns(wizard.mentors, wizard.mentees)
    out = []
    for side in SIDES:
        for column in found[side]:
            field = wizard.state["mapping"][side].get(column.header, "ignore")
            if wizard_product.ANSWER_VOCABULARY.get(field) == name:
                out.append((side, field, column.filled))
    return out


def _separators(wizard: Wizard) -> list[str]:
    return list(wizard.init_tables["intake"].get("separators", [";", ","]))


def _vocabulary_view(wizard: Wizard, name: str,
                     found: dict[str, list[actions.FormColumn]] | None = None
                     ) -> VocabularyView | None:
    columns = _columns_of(wizard, name, found)
    if not columns:
        return None
    table, guessed = _scale(wizard, name)
    hidden = set(wizard.init_tables.get("sensitive", {}).get("fields", ()))
    counted = wizard_product.count_answers(columns, name, table, _separators(wizard))
    if any(field in hidden for _, field, _ in columns):
        counted = []  # a sensitive field's answers are never shown
    per_key: dict[str, list[int]] = {key: [0, 0] for key in table}
    for row in counted:
        if row.key is not None:
            per_key[row.key][0] += row.mentors
            per_key[row.key][1] += row.mentees
    built = wizard_product.built_in(name)
    rungs = [Rung(key, tuple(spellings), per_key[key][0], per_key[key][1], key in built)
             for key, spellings in table.items()]
    fields = tuple(dict.fromkeys(f"{side}: {field_words(field)}" for side, field, _ in columns))
    ordered = name in wizard_product.ORDERED_VOCABULARIES
    return VocabularyView(name, VOCABULARY_WORDS.get(name, name.replace("_", " ")), ordered,
                          wizard_product.is_closed(name), fields, rungs,
                          [AnswerRow(r.answer, r.mentors, r.mentees, r.key) for r in counted],
                          ordered and guessed)


def answers(ctx: Context, wizard_id: str) -> AnswersView:
    """Every vocabulary a mapped column is read against: its values and distinct answers."""
    wizard = _open(ctx, wizard_id)
    found = actions.form_columns(wizard.mentors, wizard.mentees)  # the sheets, read once
    views = [_vocabulary_view(wizard, name, found) for name in VOCABULARY_WORDS]
    return AnswersView(wizard.id, wizard.state["name"], [v for v in views if v is not None])


def vocabulary(ctx: Context, wizard_id: str, name: str) -> VocabularyView:
    """One vocabulary of the Answers step; 404 when no mapped column is read against it."""
    wizard = _open(ctx, wizard_id)
    if name not in VOCABULARY_WORDS:
        raise ServiceError(404, f"No list of answers called {name!r}; the lists are: "
                                f"{', '.join(VOCABULARY_WORDS)}.", "vocabulary")
    view = _vocabulary_view(wizard, name)
    if view is None:
        raise ServiceError(404, f"No column you mapped is read against {name!r}.",
                           "vocabulary")
    return view


def _edit(wizard: Wizard, name: str, table: dict[str, list[str]]) -> None:
    wizard.state.setdefault("vocabularies", {})[name] = table
    if name == "career_stage" and wizard.state.get("stage_order"):
        wizard.state["stage_order"] = None  # now part of the edited table
        wizard.state.setdefault("ordered", []).append(name)
    wizard.save_state()


def _editable(ctx: Context, wizard_id: str, name: str
              ) -> tuple[Wizard, dict[str, list[str]]]:
    vocabulary(ctx, wizard_id, name)  # 404 for a list that is not on the Answers step
    wizard = _open(ctx, wizard_id)
    return wizard, _scale(wizard, name)[0]


def assign_answer(ctx: Context, wizard_id: str, name: str, answer: str, key: str
                  ) -> VocabularyView:
    """Make ``answer`` mean value ``key`` (merging it with that value's other answers);
    ``key`` ``"new"`` makes it a value of its own. A value left with no answer and not
    known to the product is dropped."""
    wizard, table = _editable(ctx, wizard_id, name)
    given = _vocabulary_view(wizard, name)
    if given is None or not any(wizard_product.same_answer(row.answer, answer)
                                for row in given.answers):
        raise ServiceError(422, f"No one gave the answer {answer!r} in the columns of the "
                                f"{name} list.", "answer")
    if key == "new":
        if wizard_product.is_closed(name):
            raise ServiceError(422, f"The {name} list takes only the product's own values "
                                    f"({', '.join(table)}): choose one of them.", "key")
        key = wizard_product.new_key(answer, list(table))
        table[key] = []
    if key not in table:
        raise ServiceError(422, f"The {name} list has no value {key!r}; choose one of: "
                                f"{', '.join(table)}.", "key")
    current = wizard_product.key_of(name, table, answer)
    if current == key:
        return vocabulary(ctx, wizard_id, name)
    if current is not None and wizard_product.same_answer(answer, current.replace("_", " ")):
        if wizard_product.is_closed(name):
            raise ServiceError(422, f"{answer!r} is the name of the product's own value "
                                    f"{current!r}, which the scoring relies on: it always "
                                    "means that value.", "answer")
        # The answer is the value's own name: merge the whole value into ``key``.
        table[key] += [current.replace("_", " "), *table.pop(current)]
    else:
        if current is not None:
            table[current] = [s for s in table[current]
                              if not wizard_product.same_answer(s, answer)]
        table[key].append(answer)
    built = wizard_product.built_in(name)
    in_use = {row.key for row in wizard_product.count_answers(
        _columns_of(wizard, name), name, table, _separators(wizard))}
    table = {k: v for k, v in table.items() if k in built or k in in_use or v}
    _edit(wizard, name, table)
    return vocabulary(ctx, wizard_id, name)


def rename_value(ctx: Context, wizard_id: str, name: str, key: str, label: str
                 ) -> VocabularyView:
    """Give value ``key`` a new name (its answers keep meaning it)."""
    wizard, table = _editable(ctx, wizard_id, name)
    if key not in table:
        raise ServiceError(422, f"The {name} list has no value {key!r}.", "key")
    if key in wizard_product.built_in(name) and name != "career_stage":
        raise ServiceError(422, f"{key!r} is one of the product's own {name} values, which "
                                "the scoring relies on: it cannot be renamed. Merge answers "
                                "into it instead.", "key")
    if not 1 <= len(label.strip()) <= 100:
        raise ServiceError(422, "Give the new name (1-100 characters).", "label")
    renamed = wizard_product.new_key(label, [k for k in table if k != key])
    spellings = [key.replace("_", " "), *table[key]]
    table = {(renamed if k == key else k): (spellings if k == key else v)
             for k, v in table.items()}
    _edit(wizard, name, table)
    return vocabulary(ctx, wizard_id, name)


def order_values(ctx: Context, wizard_id: str, name: str, keys: list[str]) -> VocabularyView:
    """Put an ordered vocabulary's values in the order ``keys`` (every value once)."""
    wizard, table = _editable(ctx, wizard_id, name)
    if name not in wizard_product.ORDERED_VOCABULARIES:
        raise ServiceError(422, f"The {name} list has no order to set.", "vocabulary")
    if sorted(keys) != sorted(table):
        raise ServiceError(422, f"Give every value of the {name} list once: "
                                f"{', '.join(table)}.", "keys")
    wizard.state.setdefault("ordered", [])
    if name not in wizard.state["ordered"]:
        wizard.state["ordered"].append(name)
    _edit(wizard, name, {key: table[key] for key in keys})
    return vocabulary(ctx, wizard_id, name)


def move_value(ctx: Context, wizard_id: str, name: str, key: str, direction: str
               ) -> VocabularyView:
    """Move value ``key`` one step earlier ("up": more junior, more often) or later."""
    order = list(_editable(ctx, wizard_id, name)[1])
    if key not in order:
        raise ServiceError(422, f"The {name} list has no value {key!r}.", "key")
    if direction not in ("up", "down"):
        raise ServiceError(422, "The direction is up or down.", "direction")
    at = order.index(key)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    return order_values(ctx, wizard_id, name, order)


def ladder(ctx: Context, wizard_id: str) -> LadderView:
    """The career-stage ladder, most junior first (empty without a stage on a sheet)."""
    wizard = _open(ctx, wizard_id)
    view = _vocabulary_view(wizard, "career_stage")
    if view is None:
        return LadderView(wizard.id, wizard.state["name"], [], False)
    return LadderView(wizard.id, wizard.state["name"], view.rungs, view.guessed)


def move_stage(ctx: Context, wizard_id: str, key: str, direction: str) -> LadderView:
    """Move career stage ``key`` one step more junior ("up") or more senior ("down")."""
    if not ladder(ctx, wizard_id).rungs:
        raise ServiceError(422, f"The ladder has no stage {key!r}.", "key")
    move_value(ctx, wizard_id, "career_stage", key, direction)
    return ladder(ctx, wizard_id)


# ------------------------------------------------------------------ rules and weights

#: Each score component's weight, in the coordinator's words.
WEIGHT_WORDS: dict[str, str] = {
    "need_coverage": "the mentor can help with what the mentee wants help with",
    "goal_text": "the mentee's goals read like the mentor's background",
    "role_fit": "the mentor offers the kind of support the mentee wants (mentor, coach ...)",
    "stage_gap": "the mentor is a comfortable number of career stages ahead",
    "communication": "they like to meet the same way and as often",
    "time_zone": "their time zones are close",
    "preferences": "the mentee's own preferences are met (same specialty, other place ...)",
}
#: Each rule the wizard switches, in the coordinator's words.
RULE_WORDS: dict[str, str] = {
    "mentor_more_senior": "A mentor is at a more senior career stage than the mentee",
    "shared_language": "Mentor and mentee share a language",
    "not_excluded": "Nobody is matched with a person they asked not to be matched with",
    "not_same_person": "Nobody is matched with themselves (a person on both sheets)",
    "cross_institution": "Mentor and mentee are at different institutions",
    "max_time_zone_gap_hours": "At most this many hours between their time zones (0: any)",
}


@dataclass(frozen=True)
class SettingsView:
    """The Rules and weights step: the values now, in words, and their live preview."""

    wizard_id: str
    name: str
    weights: dict[str, float]
    rules: dict[str, Any]
    weight_words: dict[str, str]
    rule_words: dict[str, str]
    preview: wizard_product.Preview | None
    error: str  # the config the settings make is not valid: why ("" when it is)


def _checked_settings(weights: dict[str, float] | None, rules: dict[str, Any] | None
                      ) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {"weights": {}, "rules": {}}
    for key, value in (weights or {}).items():
        if key not in WEIGHT_WORDS:
            raise ServiceError(422, f"No weight called {key!r}; the weights are: "
                                    f"{', '.join(WEIGHT_WORDS)}.", f"weights.{key}")
        if not 0 <= float(value) <= 100:
            raise ServiceError(422, f"The weight {key!r} is between 0 and 100.",
                               f"weights.{key}")
        out["weights"][key] = float(value)
    for key, value in (rules or {}).items():
        if key not in RULE_WORDS:
            raise ServiceError(422, f"No rule called {key!r}; the rules are: "
                                    f"{', '.join(RULE_WORDS)}.", f"rules.{key}")
        if key == "max_time_zone_gap_hours":
            if isinstance(value, bool) or not 0 <= float(value) <= 24:
                raise ServiceError(422, "The time-zone gap is 0 (any) to 24 hours.",
                                   f"rules.{key}")
            out["rules"][key] = float(value)
        elif not isinstance(value, bool):
            raise ServiceError(422, f"The rule {key!r} is on (true) or off (false).",
                               f"rules.{key}")
        else:
            out["rules"][key] = value
    return out


def _with_settings(wizard: Wizard, proposed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tables = config_tables(wizard)
    for section, values in proposed.items():
        tables.setdefault(section, {}).update(values)
    return tables


def settings(ctx: Context, wizard_id: str, weights: dict[str, float] | None = None,
             rules: dict[str, Any] | None = None) -> SettingsView:
    """The step with ``weights`` / ``rules`` tried over the saved ones (nothing saved):
    how many pairs stay eligible, which mentees lose every mentor, the score spread and
    validate's diagnostics, from one scoring pass of this cohort (no match is solved)."""
    wizard = _open(ctx, wizard_id)
    tables = _with_settings(wizard, _checked_settings(weights, rules))
    now = wizard_product.effective_settings(tables)
    try:
        preview: wizard_product.Preview | None = wizard_product.preview(
            wizard.mentors, wizard.mentees, tables)
        error = ""
    except actions.InputError as error_found:
        preview, error = None, str(error_found)
    return SettingsView(wizard.id, wizard.state["name"], now["weights"], now["rules"],
                        WEIGHT_WORDS, RULE_WORDS, preview, error)


def save_settings(ctx: Context, wizard_id: str, weights: dict[str, float] | None,
                  rules: dict[str, Any] | None) -> SettingsView:
    """Keep ``weights`` / ``rules`` for the saved config; the step as they leave it."""
    wizard = _open(ctx, wizard_id)
    checked = _checked_settings(weights, rules)
    kept = wizard.state.setdefault("settings", {})
    for section, values in checked.items():
        kept.setdefault(section, {}).update(values)
    wizard.save_state()
    return settings(ctx, wizard_id)


# -------------------------------------------------------------------------------- save

def config_tables(wizard: Wizard) -> dict[str, Any]:
    """init's tables with the coordinator's columns, answers, ladders, rules and weights."""
    tables = wizard.init_tables
    changed = _stage_headers(wizard.state["mapping"]) != _stage_headers(tables["columns"])
    tables["columns"] = wizard.state["mapping"]
    vocabularies = tables.setdefault("vocabularies", {})
    edited = set(wizard.state.get("vocabularies") or {})
    if changed or wizard.state.get("stage_order"):
        edited.add("career_stage")
    for name in edited:
        table = _scale(wizard, name)[0]
        if table:
            vocabularies[name] = table
        elif name == "career_stage":  # "more senior" needs a stage on both sheets
            vocabularies.pop(name, None)
            tables.setdefault("rules", {})["mentor_more_senior"] = False
    if not vocabularies:
        tables.pop("vocabularies")
    guessed = [name for name in dict.fromkeys(
        [*tables["intake"].get("guessed_order", []), *edited])
        if name in vocabularies and _scale(wizard, name)[1]]
    if guessed:
        tables["intake"]["guessed_order"] = guessed
    else:
        tables["intake"].pop("guessed_order", None)
    settings = wizard.state.get("settings") or {}
    for section in ("weights", "rules"):
        if settings.get(section):
            tables.setdefault(section, {}).update(settings[section])
    return tables


def config_text(ctx: Context, wizard_id: str) -> str:
    """The program.toml the wizard saves, as text."""
    wizard = _open(ctx, wizard_id)
    files = ", ".join(f for f in [*wizard.state["files"], wizard.state.get("config")] if f)
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
