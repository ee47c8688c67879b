"""The typed program config: every unknown name and bad value is an error at load time.

Each mistake is a :class:`ConfigError` (exit status 2 from the CLI) whose one-paragraph
message names the file, the key and the fix; unknown sections and keys name the closest
known one. A small Hypothesis fuzzer writes random values of random types under the known
keys and checks that loading gives a config or a ConfigError, never another exception.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from strategies.config import config_tables

from cli.main import cli
from matcher.solver.dispatch import OBJECTIVES as SOLVER_OBJECTIVES
from scoring.config import (
    DEFAULTS,
    OBJECTIVES,
    ConfigError,
    ProgramConfig,
    config_from_dict,
    load_config,
)
from scoring.config.schema import OPTIONAL, SECTIONS, known_keys

ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent / "corpus"
SAMPLE_CONFIG = ROOT / "sample_data" / "program.toml"


def error_of(data: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data)
    return str(caught.value)


# --- unknown names -----------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"wieghts": {}}, "`[wieghts]` is not a section; did you mean `[weights]`?"),
    ({"sovler": {}}, "`[sovler]` is not a section; did you mean `[solver]`?"),
    ({"rules": {"mentor_more_senoir": False}},
     "`[rules] mentor_more_senoir` is not a key; did you mean `mentor_more_senior`?"),
    ({"sensitive": {"feilds": []}}, "`[sensitive] feilds` is not a key; did you mean `fields`?"),
    ({"weights": {"need_coverge": 1.0}},
     "`[weights] need_coverge` is not a key; did you mean `need_coverage`?"),
    ({"solver": {"time_limit": 5}},
     "`[solver] time_limit` is not a key; did you mean `time_limit_seconds`?"),
    ({"program": {"start": "2025-09-01"}},
     "`[program] start` is not a key; did you mean `start_date`?"),
    ({"report": {"min_group": 5}}, "`[report] min_group` is not a key; did you mean "
                                   "`min_group_size`?"),
    ({"vocabularies": {"area": {}}},
     "`[vocabularies] area` is not a key; did you mean `areas`?"),
    ({"columns": {"mentor": {}}}, "`[columns] mentor` is not a key; did you mean `mentors`?"),
])
def test_unknown_names_are_errors_naming_the_closest_known_one(data, message):
    assert error_of(data) == f"the config: {message}"


def test_an_unknown_name_with_nothing_close_lists_the_known_ones():
    text = error_of({"zzz": {}})
    assert "`[zzz]` is not a section; the sections here are [program]" in text
    assert "[report]" in text


def test_unknown_keys_in_meetings_and_custom_rules_are_errors():
    meetings = [{"month": 1, "title": "Kick-off", "agendas": []}]
    assert "did you mean `agenda`?" in error_of({"schedule": {"meetings": meetings}})
    rule = {"name": "r", "side": "mentor", "field": "capacity", "operator": ">=", "valeu": 1}
    assert "did you mean `value`?" in error_of({"rules": {"custom": [rule]}})


def test_every_known_key_is_accepted_with_its_default():
    data = {section: {key: value for key, value in {**DEFAULTS.get(section, {}),
                                                     **OPTIONAL.get(section, {})}.items()}
            for section in SECTIONS}
    config = config_from_dict(data)
    assert config.report.min_group_size == OPTIONAL["report"]["min_group_size"]
    assert set(known_keys("program")) >= {"name", "start_date", "id_field", "templates_dir"}


# --- types, ranges and orders ------------------------------------------------------------

@pytest.mark.parametrize("data, words", [
    ({"weights": {"goal_text": -1.0}}, "[weights] goal_text is -1.0; write a finite number 0"),
    ({"weights": {"goal_text": math.nan}}, "[weights] goal_text is nan"),
    ({"weights": {"goal_text": math.inf}}, "[weights] goal_text is inf"),
    ({"weights": {"goal_text": "high"}}, "[weights] goal_text is 'high'"),
    ({"weights": dict.fromkeys(DEFAULTS["weights"], 0.0)}, "at least one positive weight"),
    ({"scoring": {"preferred_stage_gap": [3, 1]}}, "low <= high"),
    ({"scoring": {"preferred_stage_gap": [1]}}, "[scoring] preferred_stage_gap"),
    ({"scoring": {"preferred_stage_gap": [1, math.nan]}}, "[scoring] preferred_stage_gap"),
    ({"scoring": {"time_zone_limit_hours": -2}}, "[scoring] time_zone_limit_hours"),
    ({"scoring": {"goal_text_full_at": 0}}, "greater than 0"),
    ({"scoring": {"goal_text_full_at": 1.5}}, "[scoring] goal_text_full_at"),
    ({"defaults": {"capacity": -1}}, "[defaults] capacity is -1; write a whole number 0"),
    ({"defaults": {"capacity": 2.5}}, "[defaults] capacity is 2.5"),
    ({"defaults": {"capacity": 6}}, "[defaults] max_capacity is 5, below the default capacity"),
    ({"defaults": {"network_size": 4}}, "[defaults] max_network_size is 3"),
    ({"defaults": {"languages": "english"}}, "[defaults] languages is 'english'; write a list"),
    ({"program": {"start_date": "next autumn"}}, "YYYY-MM-DD"),
    ({"program": {"start_date": "2025-02-30"}}, "is not a date"),
    ({"program": {"start_date": dt.date(9500, 1, 1)}}, "outside the years"),
    ({"program": {"start_date": 20250901}}, "is not a date"),
    ({"program": {"id_field": "name"}}, '[program] id_field is \'name\'; use "id" or "email"'),
    ({"program": {"name": 3}}, "[program] name is 3; write text"),
    ({"sensitive": {"fields": "gender"}}, "[sensitive] fields is 'gender'; write a list"),
    ({"sensitive": {"fields": ["gender", 3]}}, "[sensitive] fields"),
    ({"report": {"min_group_size": 2}}, "[report] min_group_size is 2; write a whole number 3"),
    ({"report": {"audit_fields": ["colour"]}}, "[report] audit_fields names ['colour']"),
    ({"solver": {"time_limit_seconds": 0}}, "[solver] time_limit_seconds is 0"),
    ({"solver": {"time_limit_seconds": math.inf}}, "[solver] time_limit_seconds is inf"),
    ({"solver": {"objective": "fastest"}}, '[solver] objective is \'fastest\'; use "total"'),
    ({"solver": {"seed": "x"}}, "[solver] seed"),
    ({"solver": {"minimum_load": -1}}, "[solver] minimum_load"),
    ({"intake": {"separators": [";", ""]}}, "[intake] separators has an empty entry"),
    ({"intake": {"separators": ";"}}, "[intake] separators is ';'; write a list"),
    ({"rules": {"mentor_more_senior": "yes"}}, "write true or false"),
    ({"rules": {"max_time_zone_gap_hours": math.nan}}, "[rules] max_time_zone_gap_hours"),
    ({"rules": {"custom": {"name": "r"}}}, "[rules] custom must be a list"),
    ({"rematch": {"unsure_policy": "drop"}}, "[rematch] unsure_policy is 'drop'"),
    ({"rematch": {"jumper_cycles": 0}}, "[rematch] jumper_cycles is 0"),
    ({"rematch": {"disruption_penalty": -1}}, "[rematch] disruption_penalty"),
    ({"rematch": {"rating_scale": [5, 1]}}, "[rematch] rating_scale"),
    ({"schedule": {"working_hours": [17, 9]}}, "[schedule] working_hours must be two hours"),
    ({"schedule": {"check_ins": ["x"]}}, "[schedule] check_ins"),
    ({"schedule": {"meetings": [{"month": 1, "title": "a", "agenda": "talk"}]}},
     "agenda must be a list"),
    ({"vocabularies": {"areas": {"research": "Research"}}}, "[vocabularies.areas] must map"),
    ({"vocabularies": {"areas": ["research"]}}, "[vocabularies.areas] must be a table"),
    ({"columns": {"mentors": {"Email": "e-mail"}}}, "which is not a mentor field"),
    ({"program": "x"}, "`program` must be a table"),
])
def test_bad_values_are_errors_with_the_fix(data, words):
    assert words in error_of(data)


def test_start_date_is_parsed_once_into_a_date():
    assert config_from_dict({}).program.start_date is None
    assert config_from_dict({"program": {"start_date": " 2025-09-01 "}}).program.start_date \
        == dt.date(2025, 9, 1)
    moment = dt.datetime(2025, 9, 1, 9, 30)
    assert config_from_dict({"program": {"start_date": moment}}).program.start_date \
        == dt.date(2025, 9, 1)


def test_the_record_is_the_merged_tables_as_written():
    data = {"solver": {"time_limit_seconds": 30}, "program": {"start_date": "2025-09-01"}}
    record = config_from_dict(data).record()
    assert record["solver"] == {**DEFAULTS["solver"], "time_limit_seconds": 30}
    assert record["program"]["start_date"] == "2025-09-01"  # as written, not a date
    assert "report" not in record  # optional sections appear only when a program sets them
    assert config_from_dict({"report": {"min_group_size": 4}}).record()["report"] == {
        "min_group_size": 4}


def test_numbers_keep_the_type_the_program_wrote():
    config = config_from_dict({"solver": {"time_limit_seconds": 30}})
    assert config.solver.time_limit_seconds == 30 and isinstance(
        config.solver.time_limit_seconds, int)


def test_the_objective_names_are_the_solvers():
    assert OBJECTIVES == SOLVER_OBJECTIVES


@pytest.mark.parametrize("path", [SAMPLE_CONFIG, CORPUS / "corpus.toml",
                                  CORPUS / "program_ids.toml"])
def test_shipped_configs_load(path):
    assert isinstance(load_config(path), ProgramConfig)


# --- the CLI: exit 2, one paragraph, no traceback ------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("[wieghts]\ngoal_text = 1\n", "did you mean `[weights]`?"),
    ("[rules]\nmentor_more_senoir = false\n", "did you mean `mentor_more_senior`?"),
    ('[sensitive]\nfields = "gender"\n', "[sensitive] fields is 'gender'"),
    ("[solver]\ntime_limit_seconds = nan\n", "[solver] time_limit_seconds is nan"),
    ("[program]\nstart_date = 9999-12-01\n", "outside the years"),
    ("[weights\n", "not valid TOML"),
])
def test_cli_exits_2_with_one_paragraph_naming_the_file(tmp_path, text, words):
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(CORPUS / "good_mentors.csv"),
                                      str(CORPUS / "good_mentees.csv"), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert str(config) in result.stderr and words in result.stderr
    assert "Traceback" not in result.output


# --- fuzzing: a config or a ConfigError, never another exception ---------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config_tables())
def test_random_values_give_a_config_or_a_config_error(data):
    try:
        config = config_from_dict(data)
    except ConfigError as error:
        assert str(error).startswith("the config: ") and "\n" not in str(error)
        return
    assert isinstance(config, ProgramConfig)
    assert config.weights.as_dict() and all(w >= 0 for w in config.weights.as_dict().values())


def test_a_written_config_round_trips_through_toml(tmp_path):
    path = tmp_path / "program.toml"
    path.write_text('[solver]\nobjective = "fair"\n[program]\nstart_date = 2025-09-01\n')
    config = load_config(path)
    assert (config.solver.objective, config.program.start_date) == ("fair", dt.date(2025, 9, 1))
    assert tomllib.loads(path.read_text())["solver"] == {"objective": "fair"}
