"""Typed reads of one config table: each returns the value or raises the fix.

A :class:`TableReader` wraps one merged table (``[solver]``, ``[defaults]`` ...) and reads
its keys as numbers, whole numbers, booleans, text, lists of text or ordered pairs; a
wrong type, a value out of range or NaN/infinity is a :class:`ConfigError` naming the
file, the key and what to write instead. Values are returned as written (an integer stays
an integer) so the run record and the pages that show them do not change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scoring.config.errors import ConfigError


def is_number(value: object) -> bool:
    """An int or float that is not a bool (TOML's true is not 1)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class TableReader:
    """Reads the keys of ``[section]`` from its merged table ``table``."""

    where: str
    section: str
    table: dict[str, Any]

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: [{self.section}] {key} {problem}")

    def number(self, key: str, minimum: float = 0.0, *, above: bool = False,
               maximum: float = math.inf) -> float:
        """A finite number >= ``minimum`` (> when ``above``) and <= ``maximum``."""
        value = self.table[key]
        bound = f"greater than {minimum:g}" if above else f"{minimum:g} or more"
        if maximum < math.inf:
            bound += f" and at most {maximum:g}"
        if not is_number(value) or not math.isfinite(value) or value < minimum or (
                above and value == minimum) or value > maximum:
            raise self.error(key, f"is {value!r}; write a finite number {bound}, e.g. "
                                  f"{key} = {max(minimum + 1, 1):g}.")
        return value

    def integer(self, key: str, minimum: int = 0) -> int:
        """A whole number >= ``minimum``."""
        value = self.table[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(key, f"is {value!r}; write a whole number {minimum} or more, "
                                  f"e.g. {key} = {max(minimum, 1)}.")
        return value

    def boolean(self, key: str) -> bool:
        value = self.table[key]
        if not isinstance(value, bool):
            raise self.error(key, f"is {value!r}; write true or false (no quotes).")
        return value

    def text(self, key: str, choices: Sequence[str] = ()) -> str:
        """Text; one of ``choices`` when they are given."""
        value = self.table[key]
        if choices and value not in choices:
            options = " or ".join(f'"{c}"' for c in choices)
            raise self.error(key, f"is {value!r}; use {options}.")
        if not isinstance(value, str):
            raise self.error(key, f'is {value!r}; write text in quotes, e.g. {key} = "...".')
        return value

    def text_list(self, key: str, *, non_empty_items: bool = False,
                  allowed: Sequence[str] = ()) -> tuple[str, ...]:
        """A list of text (a single string is an error: TOML lists use brackets)."""
        value = self.table[key]
        example = f'{key} = ["{allowed[0] if allowed else "..."}"]'
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"is {value!r}; write a list of text in brackets, e.g. "
                                  f"{example}.")
        if non_empty_items and any(not v for v in value):
            raise self.error(key, f"has an empty entry; every entry needs text, e.g. {example}.")
        unknown = [v for v in value if allowed and v not in allowed]
        if unknown:
            raise self.error(key, f"names {unknown}, which are not known here; use some of: "
                                  f"{', '.join(allowed)}.")
        return tuple(value)

    def ordered_pair(self, key: str, example: str, minimum: float = -math.inf,
                     maximum: float = math.inf) -> tuple[Any, Any]:
        """Two finite numbers ``[low, high]`` with minimum <= low <= high <= maximum."""
        value = self.table[key]
        ok = (isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value)
              and all(math.isfinite(v) for v in value)
              and minimum <= value[0] <= value[1] <= maximum)
        if not ok:
            raise self.error(key, f"is {value!r}; write two numbers [low, high] with low <= "
                                  f"high, e.g. {key} = {example}.")
        return value[0], value[1]
