"""Messages for names a config does not know, with the closest known name as the fix."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def closest(name: str, known: Sequence[str]) -> str | None:
    """The known name most like ``name`` (difflib's ratio of at least 0.6), or None."""
    matches = difflib.get_close_matches(name, list(known), n=1)
    return matches[0] if matches else None


def unknown_key_message(key: object, known: Sequence[str], kind: str,
                        section: str | None = None) -> str:
    """"`[rules] mentor_more_senoir` is not a key; did you mean `mentor_more_senior`?"

    ``kind`` is "section" (then ``key`` is shown as a table, ``[key]``) or "key" (then
    ``section``, when given, prefixes it).
    """
    shown = (lambda name: f"[{name}]") if kind == "section" else (lambda name: name)
    where = f"[{section}] " if section and kind != "section" else ""
    text = f"`{where}{shown(str(key))}` is not a {kind}"
    guess = closest(str(key), known)
    if guess is not None:
        return f"{text}; did you mean `{shown(guess)}`?"
    listed = ", ".join(shown(k) for k in known) or "none"
    return f"{text}; the {kind}s here are {listed}."
