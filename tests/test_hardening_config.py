"""Config values that make no sense stop `match` with exit 2 naming the key, before any
solve; random configs through the whole command line give exit 0 or 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from strategies.config import config_tables

from cli.main import cli

CORPUS = Path(__file__).parent / "corpus"
BASE = (CORPUS / "corpus.toml").read_text(encoding="utf-8")


def _match(config_text: str, tmp_path: Path):
    config = tmp_path / "program.toml"
    config.write_text(config_text, encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["match", str(CORPUS / "good_mentors.csv"),
                                      str(CORPUS / "good_mentees.csv"), "--config",
                                      str(config), "--out", str(out), "--quiet"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result, out


@pytest.mark.parametrize("table, key", [
    ("[weights]\ngoal_text = nan", "goal_text"),
    ("[weights]\ngoal_text = inf", "goal_text"),
    ("[weights]\ngoal_text = 1e308", "goal_text"),
    ("[weights]\nneed_coverage = -30", "need_coverage"),
    ("[weights]\n" + "\n".join(f"{k} = 0" for k in (
        "need_coverage", "goal_text", "role_fit", "stage_gap", "communication", "time_zone",
        "preferences")), "[weights]"),
    ("[solver]\ntime_limit_seconds = -1", "time_limit_seconds"),
    ("[solver]\ntime_limit_seconds = 1e308", "time_limit_seconds"),
    ("[defaults]\ncapacity = -5", "capacity"),
    ('[intake]\nseparators = [""]', "separators"),
    ("[program]\nstart_date = 9999-01-01", "start_date"),
    ('[sensitive]\nfields = "gender"', "[sensitive] fields"),
    ("[report]\nmin_group_size = 0", "min_group_size"),
    ("[report]\nmin_group_size = 2", "min_group_size"),
    ("[limits]\nmax_rows = -1", "max_rows"),
])
def test_nonsense_is_exit_2_naming_the_key_and_writes_nothing(tmp_path, table, key):
    # The cases on a working config: [program] is edited in place (TOML refuses a
    # table defined twice), every other table is appended (the base sets none of them).
    if table.startswith("[program]"):
        text = BASE.replace('start_date = "2026-09-01"', table.split("\n", 1)[1])
    else:
        text = BASE + "\n" + table + "\n"
    result, out = _match(text, tmp_path)
    assert result.exit_code == 2, result.output
    assert key in result.output and "program.toml" in result.output, result.output
    assert not out.exists()


#: Exit codes the CLI fuzzer reached (checked by the test after it).
REACHED: dict[int, int] = {0: 0, 2: 0}


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(config_tables())
def test_random_configs_through_the_cli_exit_0_or_2(tmp_path_factory, tables):
    """Generated configs (the config fuzzer's strategy) through `match`, end to end."""
    # Keep the corpus' columns, vocabularies and program so that some configs can succeed.
    for name in ("columns", "vocabularies", "program"):
        tables.pop(name, None)
    try:
        text = tomli_w.dumps(tables)
    except (TypeError, ValueError):  # not representable in TOML: nothing to test
        return
    result, _out = _match(BASE + "\n" + text, tmp_path_factory.mktemp("fuzz"))
    assert result.exit_code in REACHED, result.output
    REACHED[result.exit_code] += 1


def test_the_cli_fuzzer_reached_both_outcomes():
    """Runs after the fuzzer (file order): a fuzzer that only ever failed, or only ever
    succeeded, would prove little."""
    if not sum(REACHED.values()):
        pytest.skip("run with the fuzzer above")
    assert REACHED[0] >= 1 and REACHED[2] >= 1, REACHED
