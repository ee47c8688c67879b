"""Make the month-12 sample for `mentormatch rematch` from a real `match` run of the sample.

Writes, into ``--out`` (default: this folder):

* ``feedback_month12.csv``: one row per pair of the run; the continue? answer is drawn
  from a hash of the pair's ids (about 70 % yes, 18 % no, 12 % unsure), so the same run
  always gives the same sheet; ratings 1-5, a few fictional notes, and two mentees with
  new goals (one of them also asking for a new network member in an area they lack);
* ``mentors.csv``: the sample mentors minus one who left the program (the first mentor,
  by id, who has two or more mentees in the run);
* ``mentees.csv``: the sample mentees plus three newcomers from the sample generator
  (seed 2028).

Usage, from the repository root::

    mentormatch match sample_data/mentors.csv sample_data/mentees.csv --out runs/sample
    python sample_data/rematch/make_feedback.py --run runs/sample
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent
sys.path.insert(0, str(SAMPLE.parent))

from sample_data.generate import EMAIL, EXCLUDE, generate  # noqa: E402
from scoring.config import load_config  # noqa: E402
from scoring.intake.cohort import read_cohort  # noqa: E402
from scoring.intake.normalise import normalise_email  # noqa: E402

HEADERS = ("Mentee ID", "Mentor ID", "Continue?", "Mentee rating", "Mentor rating", "Notes",
           "New goals", "Wants a new network member in area")
NEWCOMER_SEED = 2028
NOTES = ("Meets regularly; both happy with the pace.", "Schedules clashed most of the spring.",
         "Mentee moved to a new institution in June.", "")
NEW_GOALS = ("Prepare a first R01-style grant submission and build a small research team.",
             "Take on a residency program leadership role and learn to run a clinic.")


def _draw(*parts: str) -> int:
    """A stable number 0-99 for the given ids (same run → same sheet)."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) % 100


def _decision(mentee: str, mentor: str) -> str:
    draw = _draw(mentee, mentor, "continue")
    return "Yes" if draw < 70 else "No" if draw < 88 else "Unsure"


def _read_pairs(run: Path) -> list[dict[str, str]]:
    with (run / "pairings.csv").open(encoding="utf-8-sig", newline="") as handle:
        return sorted(csv.DictReader(handle), key=lambda r: (r["mentee_id"], r["mentor_id"]))


def make(run: Path, out: Path) -> list[Path]:
    """Write the three files into ``out`` and return their paths."""
    pairs = _read_pairs(run)
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    needs = {m.id: m.need_areas for m in cohort.mentees}
    loads = Counter(p["mentor_id"] for p in pairs)
    departed = min(mentor for mentor, n in loads.items() if n >= 2)
    chosen = [mentee for mentee in dict.fromkeys(p["mentee_id"] for p in pairs)
              if all(_decision(mentee, q["mentor_id"]) == "Yes" and q["mentor_id"] != departed
                     for q in pairs if q["mentee_id"] == mentee)][:2]
    missing_area = next(a for a in config.vocabulary("areas").values
                        if a not in needs[chosen[1]])
    area_label = config.vocabulary_tables()["areas"][missing_area][0]
    rows = []
    for pair in pairs:
        mentee, mentor = pair["mentee_id"], pair["mentor_id"]
        goals = area = ""
        if mentee in chosen and pair["role"] == "primary":
            goals = NEW_GOALS[chosen.index(mentee)]
            area = area_label if mentee == chosen[1] else ""
        rows.append((mentee, mentor, _decision(mentee, mentor),
                     1 + _draw(mentee, mentor, "mentee") % 5,
                     1 + _draw(mentee, mentor, "mentor") % 5,
                     NOTES[_draw(mentee, mentor, "notes") % len(NOTES)], goals, area))
    out.mkdir(parents=True, exist_ok=True)
    feedback = out / "feedback_month12.csv"
    with feedback.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)

    def sheet(name: str) -> pd.DataFrame:
        return pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)

    mentors = sheet("mentors.csv")
    mentors = mentors[mentors[EMAIL].map(normalise_email) != departed]
    mentees = sheet("mentees.csv")
    newcomers = generate(3, 3, NEWCOMER_SEED)[1].astype(str)
    newcomers[EXCLUDE] = ""  # they name people of their own generated cohort, not ours
    taken = set(mentees[EMAIL].map(normalise_email)) | set(mentors[EMAIL].map(normalise_email))
    if taken & set(newcomers[EMAIL].map(normalise_email)):
        raise SystemExit("A newcomer's e-mail is already in the sample; change NEWCOMER_SEED.")
    mentees = pd.concat([mentees, newcomers[mentees.columns]], ignore_index=True)
    paths = [feedback, out / "mentors.csv", out / "mentees.csv"]
    for frame, path in zip((mentors, mentees), paths[1:], strict=True):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, type=Path, help="run folder of the sample match")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: here)")
    args = parser.parse_args(argv)
    for path in make(args.run, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
