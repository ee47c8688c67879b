"""Every malformed file in tests/corpus/ gets a clear message and the right exit status.

The cases live in tests/corpus/cases.toml (one table row per file); this module only runs
them, so growing the corpus means adding files and rows, not tests.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

CORPUS = Path(__file__).parent / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]


def _arguments(case: dict) -> list[str]:
    if "args" in case:
        return list(case["args"])
    return ["validate", case.get("mentors", "good_mentors.csv"),
            case.get("mentees", "good_mentees.csv"), "--config",
            case.get("config", "corpus.toml")]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case(case: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    arguments = _arguments(case)
    result = CliRunner().invoke(cli, arguments)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code == case["exit"], result.output
    for fragment in case["expect"]:
        assert fragment in result.output, f"{fragment!r} not in:\n{result.output}"
    if "errors" in case or "warnings" in case:
        report = json.loads(CliRunner().invoke(cli, [*arguments, "--json"]).stdout)
        if "errors" in case:
            assert len(report["errors"]) == case["errors"], report
        if "warnings" in case:
            assert len(report["warnings"]) == case["warnings"], report


def test_corpus_is_large_enough_and_every_file_is_used() -> None:
    """Files in the corpus folder that no case mentions are dead weight (or a forgotten
    case); the build script and configs are exempt."""
    mentioned = {value for case in CASES for key, value in case.items()
                 if key in {"mentors", "mentees", "config"}}
    mentioned |= {arg for case in CASES for arg in case.get("args", [])}
    support = {"cases.toml", "build_binary.py", "corpus.toml", "good_mentors.csv",
               "good_mentees.csv"}
    unused = {p.name for p in CORPUS.iterdir() if p.is_file()} - mentioned - support
    assert len(CASES) >= 20
    assert not unused, f"corpus files no case uses: {sorted(unused)}"
