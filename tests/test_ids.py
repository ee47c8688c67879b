"""Ids as people type them (:mod:`scoring.intake.ids`): the one resolver behind explain,
the locks and forbids sheets and the feedback sheet."""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import UnknownIdError
from scoring.intake.ids import IdResolver

PEOPLE = [SimpleNamespace(id="ana.ortiz@uni.edu", name="Ana Ortiz"),
          SimpleNamespace(id="M-01", name="José Núñez"),
          SimpleNamespace(id="m-02", name="Bo Li"),
          SimpleNamespace(id="bo.li@x.org", name="Bo Li"),
          SimpleNamespace(id="Zoë-7", name="")]
RESOLVER = IdResolver.of(PEOPLE, "mentor")


@pytest.mark.parametrize(("typed", "meant"), [
    ("ana.ortiz@uni.edu", "ana.ortiz@uni.edu"),
    ("Ana.Ortiz@UNI.edu", "ana.ortiz@uni.edu"),  # e-mails: any capitals
    (" mailto:ana.ortiz@uni.edu ", "ana.ortiz@uni.edu"),
    ("m-01", "M-01"),  # other ids: other capitals when only one id matches
    ("ana ortiz", "ana.ortiz@uni.edu"),  # a name only one person has
    ("Jose Nunez", "M-01"),
    (unicodedata.normalize("NFD", "Zoë-7"), "Zoë-7"),  # decomposed accents (NFC)
])
def test_ids_are_found_as_people_type_them(typed: str, meant: str) -> None:
    assert RESOLVER.require(typed) == meant


def test_a_name_two_people_share_is_refused_naming_both_ids() -> None:
    with pytest.raises(UnknownIdError, match=r"any of 2 mentors \(m-02, bo.li@x.org\)"):
        RESOLVER.require("Bo Li")


def test_suggestions_are_spelled_as_the_cohort_spells_them() -> None:
    with pytest.raises(UnknownIdError) as error:
        RESOLVER.require("m-0l")
    message = str(error.value)
    assert "Closest ids: " in message and "M-01" in message
    suggested = message.split("Closest ids: ")[1].split(".")[0].split(", ")[0]
    assert RESOLVER.require(suggested) == suggested  # a suggestion pasted back works


@given(st.sampled_from([p.id for p in PEOPLE]), st.sampled_from(["upper", "lower", "same"]))
def test_every_id_in_any_capitals_resolves_to_itself(ident: str, case: str) -> None:
    typed = {"upper": ident.upper(), "lower": ident.lower(), "same": ident}[case]
    found = RESOLVER.find(typed)
    assert ident in found and (len(found) == 1 or typed not in {p.id for p in PEOPLE})
