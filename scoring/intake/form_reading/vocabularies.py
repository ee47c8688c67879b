"""Map a form's answers onto mentormatch's built-in vocabularies.

The scorer understands fixed values: the roles ``mentor`` / ``coach`` / ``advisor``, the
meeting modes, the frequency scale, languages and the opt-in preferences. A form writes
them its own way ("Coach (a specific skill or challenge)", "Zoom/Teams", "Every other
week", "Español", "Someone outside my department"). Each built-in value has word patterns
(on folded text, :func:`scoring.text.fold`); an answer matching exactly one value becomes
that value's synonym, written first as the form's label so plans and e-mails show it.
Answers matching nothing become new values whose key is the whole label made a key
(never cut), with the label as their first synonym.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence

from scoring.config import DEFAULTS, Vocabulary
from scoring.intake.form_reading.areas import AREA_PATTERNS
from scoring.text import fold

#: Built-in value → patterns (regular expressions on folded text) that recognise it.
BUILT_IN_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "roles": {
        "mentor": (r"\bmentor(ship|ing)?\b", r"\bmentor[ae]\b", r"\bmentor\w*\b",
                   r"long term"),
        "coach": (r"\bcoach", r"\bcoaching\b"),
        "advisor": (r"\badvis[eo]r", r"\badvising\b", r"\badvice\b", r"\bconseill",
                    r"\basesor"),
    },
    "modes": {
        "in_person": (r"in person", r"face to face", r"\bcoffee\b", r"on site", r"onsite",
                      r"presencial", r"en personne", r"\boffice\b", r"\bcampus\b"),
        "video": (r"\bvideo", r"\bzoom\b", r"\bteams\b", r"\bwebex\b", r"\bonline\b",
                  r"\bvirtual", r"google meet", r"\bskype\b", r"visio", r"videollamada"),
        "phone": (r"\bphone\b", r"telephone", r"\bcall\b(?!.*video)", r"telefono",
                  r"\btel\b"),
        "message": (r"\be ?mail\b", r"\bslack\b", r"\bchat\b", r"messag", r"\btext",
                    r"whatsapp", r"\bcorreo\b", r"\bcourriel\b", r"\bim\b", r"\bdm\b"),
    },
    "frequency": {
        "weekly": (r"\bweekly\b", r"every week", r"once a week", r"semanal",
                   r"hebdomadaire", r"each week"),
        "biweekly": (r"bi ?weekly", r"every (two|2|other) weeks?", r"fortnight",
                     r"twice a month", r"quincenal", r"toutes les deux semaines",
                     r"every other week"),
        "monthly": (r"\bmonthly\b", r"once a month", r"every month", r"mensual",
                    r"mensuel", r"each month"),
        "quarterly": (r"quarter", r"every (three|3) months", r"few times a year",
                      r"trimestral", r"trimestriel", r"every few months"),
    },
    "languages": {
        "english": (r"^english\b", r"^ingles\b", r"^anglais\b", r"^englisch\b", r"^en$"),
        "spanish": (r"^spanish\b", r"^espanol\b", r"^castellano\b", r"^espagnol\b", r"^es$"),
        "french": (r"^french\b", r"^francais\b", r"^frances\b", r"^franzosisch\b", r"^fr$"),
        "portuguese": (r"^portugu", r"^pt$"),
        "mandarin": (r"^mandarin\b", r"^chinese\b", r"^putonghua\b", r"^zh$", r"^chino\b",
                     "^\u4e2d\u6587$", "^\u666e\u901a\u8bdd$"),
        "cantonese": (r"^cantonese\b",),
        "hindi": (r"^hindi\b",),
        "arabic": (r"^arabic\b", r"^arabe\b", r"^ar$"),
        "german": (r"^german\b", r"^deutsch\b", r"^aleman\b", r"^allemand\b", r"^de$"),
        "korean": (r"^korean\b", r"^ko$"),
        "japanese": (r"^japanese\b", r"^ja$"),
        "italian": (r"^italian\b", r"^italiano\b", r"^it$"),
        "russian": (r"^russian\b", r"^ru$"),
        "urdu": (r"^urdu\b",), "bengali": (r"^bengali\b", r"^bangla\b"),
        "tagalog": (r"^tagalog\b", r"^filipino\b"), "vietnamese": (r"^vietnamese\b",),
        "swahili": (r"^swahili\b",), "dutch": (r"^dutch\b", r"^nederlands\b"),
        "polish": (r"^polish\b",), "turkish": (r"^turkish\b",), "persian": (r"^(persian|farsi)\b",),
    },
    "areas": AREA_PATTERNS,
    "preferences": {
        "same_gender": (r"same gender", r"same sex", r"gender",),
        "shared_background": (r"(share|same|similar) (my )?(background|identity|heritage"
                              r"|ethnicity|culture|lived experience)", r"background",
                              r"identity", r"lived experience", r"ethnic", r"cultur"),
        "different_specialty": (r"(outside|different|other than|not in|another) (\w+ ){0,3}"
                                r"(specialty|field|department|discipline|focus|site"
                                r"|area|major|team|profession|function|unit)",),
        "same_specialty": (r"(same|my|in my|within my) (\w+ ){0,3}(specialty|field|department"
                           r"|discipline|focus|area|major|team|profession"
                           r"|function|site|unit)",),
        "other_institution": (r"(outside|different|another|other|not at) (\w+ ){0,2}"
                              r"(institution|organi[sz]ation|university|hospital|company"
                              r"|employer|school|agency|campus)",),
        "same_institution": (r"(same|my|at my|in my|within my) (\w+ ){0,2}(institution"
                             r"|organi[sz]ation|university|hospital|company|employer"
                             r"|school|agency|campus)",),
    },
}


def built_in_value(vocabulary: str, answer: str) -> str | None:
    """The built-in value of ``vocabulary`` that ``answer`` names, or None.

    For preferences the most specific matching value wins, since "outside my department"
    also contains "my department"; elsewhere the value named first in the answer."""
    patterns = BUILT_IN_PATTERNS.get(vocabulary)
    if not patterns:
        return None
    folded = fold(answer)
    found = [value for value, pats in patterns.items()
             if any(re.search(p, folded) for p in pats)]
    if vocabulary == "preferences":
        ordered = ("different_specialty", "other_institution", "same_specialty",
                   "same_institution", "same_gender", "shared_background")
        return next((v for v in ordered if v in found), None)
    if len(found) > 1:  # "Video call (Zoom)", "Mentor (advice on ...)": the first named
        return min(found, key=lambda v: _first_position(folded, patterns[v]))
    return found[0] if found else None


def _first_position(folded: str, patterns: Sequence[str]) -> int:
    hits = [m.start() for p in patterns if (m := re.search(p, folded))]
    return min(hits) if hits else len(folded)


def share_recognised(vocabulary: str, answers: Sequence[str]) -> float:
    """Share of ``answers`` that name a built-in value of ``vocabulary``."""
    if not answers:
        return 0.0
    return sum(built_in_value(vocabulary, a) is not None for a in answers) / len(answers)


#: Vocabularies whose values are fixed by the scorer: a new value would be an error.
CLOSED_VOCABULARIES = frozenset({"preferences", "roles"})
#: Vocabularies whose every label is its own value: a form listing "Research" and
#: "Research ethics" means two areas, so a built-in key goes to one label only (the one
#: naming it earliest, then the shortest) and the others keep keys of their own.
ONE_LABEL_PER_KEY = frozenset({"areas"})


def unknown_answers(name: str, answers: Sequence[str]) -> list[str]:
    """Answers of a closed vocabulary that name none of its values."""
    if name not in CLOSED_VOCABULARIES:
        return []
    table = DEFAULTS["vocabularies"].get(name, {})
    known = Vocabulary.from_table(name, table)
    return [a for a in dict.fromkeys(answers)
            if built_in_value(name, a) is None and known.lookup(a) is None]


def _key_claims(name: str, answers: Sequence[str]) -> dict[str, str | None]:
    """Folded answer → the built-in key it gets, for a :data:`ONE_LABEL_PER_KEY`
    vocabulary: of the labels naming one key, the one naming it earliest in its text
    (then the shortest) keeps it; the others get None (a key of their own)."""
    if name not in ONE_LABEL_PER_KEY:
        return {}
    patterns = BUILT_IN_PATTERNS[name]
    by_key: dict[str, list[str]] = {}
    for folded in dict.fromkeys(fold(a) for a in answers):
        key = built_in_value(name, folded)
        if key is not None:
            by_key.setdefault(key, []).append(folded)
    claims: dict[str, str | None] = {}
    for key, labels in by_key.items():
        winner = min(labels, key=lambda f: (_first_position(f, patterns[key]), len(f)))
        claims.update({label: key if label == winner else None for label in labels})
    return claims


def value_key(label: str) -> str:
    """A canonical key for a label no built-in value names: the whole label, folded, with
    underscores (never cut, so two long labels cannot collide and no key reads half)."""
    return fold(label).replace(" ", "_") or "value"


def seed_vocabulary(name: str, answers: Sequence[str],
                    base: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The vocabulary ``name`` for a form: built-in values (or ``base``) with the form's
    answers as synonyms, label first; new answers as new values, after the built-in ones
    (the built-in order is the scale's, and the order explanations list areas in)."""
    table = copy.deepcopy(dict(base if base is not None
                               else DEFAULTS["vocabularies"].get(name, {})))
    form_labels: dict[str, list[str]] = {}
    claims = _key_claims(name, answers)
    claimed = set(claims.values())  # built-in keys come first, in the catalogue's order
    table.update({key: [] for key in BUILT_IN_PATTERNS.get(name, {})
                  if key in claimed and key not in table})
    for answer in answers:
        key = claims.get(fold(answer), built_in_value(name, answer))
        if key is None:
            key = Vocabulary.from_table(name, table).lookup(answer)
        if key is None and name in CLOSED_VOCABULARIES:
            continue  # the scorer knows no such value: see unknown_answers
        key = key or value_key(answer)
        table.setdefault(key, [])
        labels = form_labels.setdefault(key, [])
        if fold(answer) not in {fold(label) for label in labels}:
            labels.append(answer)
    for key, labels in form_labels.items():  # the form's own labels first: they are shown
        rest = [s for s in table[key] if s not in labels]
        table[key] = [*labels, *rest]
    return table
