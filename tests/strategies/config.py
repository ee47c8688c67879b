"""Hypothesis strategies for program configs: random values of random types under known keys.

:func:`config_tables` draws a few (section, key) pairs from the schema and puts a value of
any TOML-ish type under each (numbers with NaN and infinity, text, dates, lists, tables),
so a test can check that loading gives a config or a ConfigError and nothing else.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from scoring.config.schema import SECTIONS, known_keys

#: Every (section, key) a config may hold.
KNOWN_KEYS: list[tuple[str, str]] = [(section, key) for section in SECTIONS
                                     for key in known_keys(section)]

#: A value of any type TOML can hold (and NaN / infinity, which TOML can also write).
toml_values = st.recursive(
    st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=12) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                   max_size=3),
    max_leaves=6)


@st.composite
def config_tables(draw: st.DrawFn, max_keys: int = 4) -> dict[str, dict[str, Any]]:
    """A config dict with up to ``max_keys`` known keys set to random values."""
    data: dict[str, dict[str, Any]] = {}
    for (section, key), value in draw(st.lists(st.tuples(st.sampled_from(KNOWN_KEYS),
                                                         toml_values), max_size=max_keys)):
        data.setdefault(section, {})[key] = value
    return data
