"""Every program of the corpus onboarded through the wizard's API and published, untouched.

The issue's promise for a coordinator who has never seen a config file: each corpus program
(``tests/programs/``, each in its own form tool's shape) goes from upload to a published
match with no edit, and the CLI given the wizard's saved config produces the same pairs as
the service's published run. That init's reading is *right* for each program is
``tests/test_programs.py``'s job (it reaches the hand-written optimum); here the service
must carry that reading through unchanged. Slow (a match job per program): run by .ci/run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_for_job
from fastapi.testclient import TestClient
from test_service_wizard import PROGRAMS, csrf, logged_in, match, pairs_of, start

CORPUS = sorted(p.name for p in PROGRAMS.iterdir() if (p / "expected.toml").is_file())


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    """A logged-in client of an empty workspace."""
    yield from logged_in(tmp_path)


def test_the_corpus_has_its_twelve_programs():
    assert len(CORPUS) >= 12


@pytest.mark.slow
@pytest.mark.parametrize("name", CORPUS)
def test_each_corpus_program_is_onboarded_matched_and_published_untouched(fresh, tmp_path,
                                                                          name):
    program = PROGRAMS / name
    wizard_id = start(fresh, program, name)["wizard_id"]
    saved = fresh.post(f"/api/v1/wizards/{wizard_id}/save", headers=csrf(fresh))
    assert saved.status_code == 201, saved.text
    assert saved.json()["errors"] == 0
    program_id = saved.json()["program_id"]
    started = fresh.post(f"/api/v1/programs/{program_id}/jobs", json={},
                         headers=csrf(fresh))
    assert started.status_code == 202, started.text
    job = wait_for_job(fresh, program_id, started.json()["id"])
    assert job["status"] == "done", job
    published = fresh.post(f"/api/v1/programs/{program_id}/runs/{job['run_id']}/publish",
                           headers=csrf(fresh))
    assert published.status_code == 200, published.text
    assert fresh.get(f"/api/v1/programs/{program_id}").json()["program"][
        "published_run"] == job["run_id"]
    run: Path = fresh.workspace.runs_dir(program_id) / job["run_id"]
    by_service = pairs_of(run)
    assert by_service, "the published run pairs nobody"
    by_cli = match(tmp_path, program, fresh.workspace.config_path(program_id), "cli-run")
    assert by_cli == by_service  # every row: pair, role, covers, score, reasons
