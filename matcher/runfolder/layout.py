"""The run folder's layout: every file name, folder name and column, in one place.

The writer (:mod:`.writer`), the tables it fills (:mod:`matcher.outputs.tables`), the
rematch's extra files (:mod:`matcher.rematch`) and the reader (:mod:`.reader`) all take the
names from here, so what one writes the others find. A leaf: imports nothing of the project.

Layout (README: "The run folder")::

    pairings.csv          a row per pair (mentee, mentor, role, covers, score, top reasons)
    pairings.xlsx         sheets Pairings, Networks, Explanations, Unplaced, Mentor load,
                          Intake problems (in the largest runs, Explanations is a note)
    explanations.csv      a row per pair and score component (points, value, weight, evidence)
    introductions.csv     mail-merge file: to, cc, subject, body, attachment (plan; calendar)
    closures.csv          (a rematch only) thank-you notes of ended pairs, one row per side
    plans/                <mentee>__<mentor>.md and .html per pair, all_plans.html
    calendar/             <mentee>__<mentor>.ics per pair (only with [program] start_date)
    report.html           the coordinator's report (self-contained)
    audit/cohort.json     the cohort as matched, sensitive fields pseudonymised (for audits)
    run.json              inputs' sha256, config, versions, seed, solver statistics, counts
    rematch.json          (a rematch only) previous run, ended pairs, held mentees, keep bonus
    rematch_flags.csv     (a rematch only) the mentees flagged for the coordinator
"""

from __future__ import annotations

from pathlib import Path

# ---------------------------------------------------------------- files and folders
RUN_RECORD = "run.json"
PAIRINGS = "pairings.csv"
WORKBOOK = "pairings.xlsx"
EXPLANATIONS = "explanations.csv"
INTRODUCTIONS = "introductions.csv"
#: A rematch's thank-you and closure notes (same columns as introductions.csv).
CLOSURES = "closures.csv"
#: Between the files of introductions.csv's attachment column (plan, then calendar).
ATTACHMENT_SEPARATOR = ";"
REPORT = "report.html"
#: The frozen cohort of the run (:mod:`.snapshot`).
SNAPSHOT_PATH = Path("audit") / "cohort.json"
PLANS_FOLDER = "plans"
#: Every plan in one page, inside :data:`PLANS_FOLDER`.
ALL_PLANS = "all_plans.html"
CALENDAR_FOLDER = "calendar"
#: Written by a rematch beside the run's own files.
REMATCH_RECORD = "rematch.json"
FLAGS_FILE = "rematch_flags.csv"

#: Files and folders every run folder writes itself (extra files may not replace them).
RUN_FILES: tuple[str, ...] = (PAIRINGS, WORKBOOK, EXPLANATIONS, INTRODUCTIONS, REPORT,
                              RUN_RECORD, SNAPSHOT_PATH.as_posix())
RUN_FOLDERS: tuple[str, ...] = (PLANS_FOLDER, CALENDAR_FOLDER)

# ---------------------------------------------------------------- record formats
RUN_FORMAT = "mentormatch-run/1"
REMATCH_FORMAT = "mentormatch-rematch/1"
SNAPSHOT_FORMAT = "mentormatch-cohort/1"
#: Top-level fields of run.json, in the order they are written.
RUN_RECORD_KEYS = ("format", "created_at", "inputs", "config", "versions", "seed", "objective",
                   "solve", "solver", "counts", "unplaced", "notes", "previous_run", "snapshot",
                   "files")

# ---------------------------------------------------------------- columns
#: Reasons listed per pair in pairings.csv (and in each plan, which shows the same ones).
REASONS_SHOWN = 3
#: The pairings.csv columns the reader reads back.
MENTEE_ID, MENTOR_ID, ROLE, COVERS, SCORE, LOCKED = (
    "mentee_id", "mentor_id", "role", "covers", "score", "locked")
MENTEE_NAME, MENTOR_NAME = "mentee_name", "mentor_name"
PAIRINGS_COLUMNS = (MENTEE_ID, MENTEE_NAME, MENTOR_ID, MENTOR_NAME, ROLE, COVERS, SCORE,
                    LOCKED, *(f"reason_{i}" for i in range(1, REASONS_SHOWN + 1)))
NETWORKS_COLUMNS = ("mentee_id", "mentee_name", "status", "primary_id", "primary_name",
                    "primary_score", "specialists", "requested", "got", "note")
EXPLANATIONS_COLUMNS = ("mentee_id", "mentor_id", "role", "component", "points", "value",
                        "weight", "evidence")
UNPLACED_COLUMNS = ("mentee_id", "mentee_name", "outcome", "reason")
MENTOR_LOAD_COLUMNS = ("mentor_id", "mentor_name", "roles", "capacity", "assigned", "free",
                       "mentees")
PROBLEMS_COLUMNS = ("severity", "file", "row", "column", "value", "message", "fix")
INTRODUCTIONS_COLUMNS = ("to", "cc", "subject", "body", "attachment")
FLAGS_COLUMNS = ("mentee_id", "flag", "message")
#: The value of pairings.csv's ``locked`` column for a locked pair (else empty).
LOCKED_YES = "yes"
