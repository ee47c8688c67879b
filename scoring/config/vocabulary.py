"""A controlled list of canonical values with their synonyms (``[vocabularies.X]``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from scoring.text import fold


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list of canonical values with their synonyms, in scale order."""

    name: str
    values: tuple[str, ...]
    synonyms: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_table(cls, name: str, table: dict[str, list[str]]) -> Vocabulary:
        """Build from a ``canonical = [synonyms]`` table; canonical names match themselves."""
        synonyms: dict[str, str] = {}
        for canonical, alternatives in table.items():
            for spelling in [canonical, canonical.replace("_", " "), *alternatives]:
                synonyms.setdefault(fold(spelling), canonical)
        return cls(name=name, values=tuple(table), synonyms=synonyms)

    @classmethod
    def empty(cls, name: str) -> Vocabulary:
        """A vocabulary the config does not define: no values, every lookup misses."""
        return cls(name=name, values=())

    def lookup(self, text: str) -> str | None:
        """Return the canonical value for ``text``, or None when no synonym matches."""
        return self.synonyms.get(fold(text))

    def canonical(self, text: str) -> str:
        """The canonical value for ``text``, else ``text`` folded (free-text names)."""
        return self.lookup(text) or fold(text)

    @cached_property
    def longest_spelling(self) -> int:
        """Words in the longest folded synonym: the most pieces of a multi-select cell one
        known value can span (worked out once: every cell of a sheet asks)."""
        return max((len(spelling.split()) for spelling in self.synonyms), default=1)

    def rank(self, value: str) -> int:
        """Position of a canonical value on the scale (0 = first key in the config)."""
        return self.values.index(value)
