"""Write the corpus of real-shaped form exports: one folder per program under tests/programs.

Each program is a :class:`Program`: its form's questions as its own form tool exports
them (Google Forms, Microsoft Forms, Qualtrics, SurveyMonkey: their extra columns,
separators and header styles), the answers people give with the quirks they type
(trailing spaces, mixed case, "Other:" answers, capacities in words, names instead of
e-mails), and what the program MEANS. From one seed the generator writes
``mentors.csv``, ``mentees.csv`` (and, for Microsoft Forms, the ``.xlsx`` workbooks it
exports) and ``expected.toml``: the config a coordinator who knows
the program would write by hand (every column's field, every answer's meaning, stages in
seniority order, the program's rules). ``tests/test_programs.py`` runs ``init`` on the two
files and checks that its config, unedited, matches like ``expected.toml``.

    python tests/programs/write_corpus.py          # rewrites every program folder
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

HERE = Path(__file__).parent
SEED = 12

FIRST = ["Ana", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jia",
         "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sanjay", "Tomás",
         "Uma", "Víctor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bilal", "Chiara", "Diego",
         "Elif", "Femi", "Greta", "Hugo", "Isha", "Jonas", "Kemal", "Lucía", "Mira", "Noah"]
LAST = ["Lopez", "Okafor", "Wang", "Haddad", "Nwosu", "Rahman", "Petrović", "Sato", "Ivanov",
        "Li", "Mensah", "Berg", "Silva", "Karim", "Farouk", "Nair", "Murphy", "Díaz", "Gupta",
        "Ferreira", "Patel", "Moreau", "Zhou", "Castro", "Demir", "Adams", "Tanaka", "Qureshi",
        "Rossi", "Ortega", "Yilmaz", "Balogun", "Fischer", "Laurent", "Iyer", "Novak", "Aydın",
        "Romero", "Kaur", "Schmidt"]


@dataclass(frozen=True)
class Choice:
    """An answer option: the form's label and what it means (a canonical value)."""

    label: str
    value: str


@dataclass(frozen=True)
class Question:
    """One question of the form: header per side (None: not asked on that side), the
    config target it means, and how an answer is drawn. A checkbox question lists its
    ``options`` (a form tool exporting one column per option needs them) and may have an
    ``other`` box for typed answers; ``metadata`` marks the form tool's own columns."""

    mentor: str | None
    mentee: str | None
    target: str
    draw: Callable[[random.Random, dict[str, Any]], str]
    options: tuple[str, ...] = ()
    other: bool = False
    metadata: bool = False


@dataclass
class Program:
    """One program's form and meaning."""

    name: str
    tool: str
    questions: list[Question]
    stages: list[Choice]  # most junior first
    mentor_stages: Sequence[int]  # indices into stages mentors are drawn from
    mentee_stages: Sequence[int]
    vocabularies: dict[str, list[Choice]] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    mentors: int = 30
    mentees: int = 45
    separator: str = ", "
    defaults: dict[str, Any] = field(default_factory=dict)
    # "one row" or the tool's own multi-row header: "surveymonkey", "qualtrics"
    header_rows: str = "one row"
    match_on: dict[str, Any] = field(default_factory=dict)
    sensitive: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ answer drawers

def fixed(text: str) -> Callable[[random.Random, dict[str, Any]], str]:
    return lambda _rng, _person: text


def person_key(key: str) -> Callable[[random.Random, dict[str, Any]], str]:
    return lambda _rng, person: str(person[key])


def one_of(choices: Sequence[str], quirks: bool = True
           ) -> Callable[[random.Random, dict[str, Any]], str]:
    def draw(rng: random.Random, person: dict[str, Any]) -> str:
        label = rng.choice(list(choices))
        if quirks and rng.random() < 0.08:  # people type in odd case and add spaces
            label = rng.choice([label.lower(), label + " ", label.upper()])
        return label
    return draw


def some_of(choices: Sequence[str], low: int = 1, high: int = 3, blank: float = 0.0
            ) -> Callable[[random.Random, dict[str, Any]], str]:
    def draw(rng: random.Random, person: dict[str, Any]) -> str:
        if rng.random() < blank:
            return ""
        picked = rng.sample(list(choices), rng.randint(low, min(high, len(choices))))
        return person["separator"].join(sorted(picked, key=list(choices).index))
    return draw


def yes_no(share_yes: float, yes: str = "Yes", no: str = "No"
           ) -> Callable[[random.Random, dict[str, Any]], str]:
    return lambda rng, _person: yes if rng.random() < share_yes else no


def count(words: bool, low: int = 1, high: int = 4
          ) -> Callable[[random.Random, dict[str, Any]], str]:
    spelled = {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

    def draw(rng: random.Random, person: dict[str, Any]) -> str:
        n = rng.randint(low, high)
        if words and rng.random() < 0.5:
            return rng.choice([spelled[n], spelled[n].capitalize(), f"up to {n}"])
        return str(n)
    return draw


def timestamp(style: str) -> Callable[[random.Random, dict[str, Any]], str]:
    def draw(rng: random.Random, person: dict[str, Any]) -> str:
        day, hour, minute = rng.randint(1, 28), rng.randint(7, 22), rng.randint(0, 59)
        if style == "google":
            return f"9/{day}/2026 {hour}:{minute:02d}:{rng.randint(0, 59):02d}"
        return f"2026-09-{day:02d} {hour:02d}:{minute:02d}"
    return draw


def exclusion(by: str, share: float) -> Callable[[random.Random, dict[str, Any]], str]:
    """Someone of the other side to avoid, by name or e-mail, for a ``share`` of people;
    the others leave it blank or write 'no' / 'none' / 'N/A'."""
    def draw(rng: random.Random, person: dict[str, Any]) -> str:
        others = person["others"]
        if others and rng.random() < share:
            other = rng.choice(others)
            return (other["email"] if by == "email"
                    else rng.choice([other["name"], "Dr. " + other["name"],
                                     other["name"].upper()]))
        return rng.choice(["", "", "", "no", "None", "N/A"])
    return draw


def labels(choices: Sequence[Choice]) -> list[str]:
    return [c.label for c in choices]


# ------------------------------------------------------------------ shared answer sets

MODES_GOOGLE = [Choice("In person", "in_person"), Choice("Video call (Zoom/Teams)", "video"),
                Choice("Phone", "phone"), Choice("Chat (e.g., Slack, WhatsApp)", "message")]
FREQUENCY = [Choice("Weekly", "weekly"), Choice("Every two weeks", "biweekly"),
             Choice("Monthly", "monthly"), Choice("Quarterly", "quarterly")]
ROLES = [Choice("Mentor (long-term career guidance)", "mentor"),
         Choice("Coach (a specific skill or challenge)", "coach"),
         Choice("Advisor (expert recommendations as needed)", "advisor")]
ZONES = ["UTC-5", "UTC-6", "UTC-8", "UTC+1", "GMT+5:30", "America/Chicago", "EST", "UTC+0"]


def _areas(*names: str) -> list[Choice]:
    return [Choice(label, "a_" + str(i)) for i, label in enumerate(names)]


def _program_list() -> list[Program]:
    med_areas = _areas("Research/Scholarship", "Clinical skills & contouring",
                       "Career planning & job search", "Work-life balance & wellness",
                       "Grant writing & funding", "Leadership & administration")
    medical = Program(
        name="medical_society", tool="Google Forms",
        stages=[Choice("Medical student", "ms"), Choice("Resident (PGY-2 to PGY-5)", "res"),
                Choice("Fellow", "fel"), Choice("Early-career attending (0-5 years)", "early"),
                Choice("Mid-career attending (6-15 years)", "mid"),
                Choice("Senior attending (more than 15 years)", "senior")],
        mentor_stages=(3, 4, 5, 5), mentee_stages=(0, 1, 1, 2, 3),
        vocabularies={"areas": med_areas, "roles": ROLES, "modes": MODES_GOOGLE,
                      "frequency": FREQUENCY},
        questions=[
            Question("Timestamp", "Timestamp", "ignore", timestamp("google")),
            Question("Email Address", "Email Address", "email", person_key("email")),
            Question("Full name", "Full name", "name", person_key("padded_name")),
            Question("What is your current career stage?",
                     "What is your current career stage?", "career_stage",
                     person_key("stage")),
            Question("Primary disease-site focus", "Primary disease-site focus", "specialty",
                     one_of(["Breast", "Thoracic", "Head and neck", "Gastrointestinal",
                             "Other: Pediatric"])),
            Question("Areas of expertise (select all that apply)",
                     None, "expertise_areas", some_of(labels(med_areas), 2, 4)),
            Question(None, "Which areas would you like guidance in? (select all that apply)",
                     "need_areas", some_of(labels(med_areas), 1, 3)),
            Question("Roles you can offer", "What kind of support are you looking for?",
                     "roles|help_wanted", some_of(labels(ROLES), 1, 2)),
            Question("How many mentees can you take on this year?", None, "capacity",
                     count(words=True, low=2, high=4)),
            Question("Preferred ways to meet", "Preferred ways to meet", "modes",
                     some_of(labels(MODES_GOOGLE), 1, 2)),
            Question("How often would you like to meet?", "How often would you like to meet?",
                     "frequency", one_of(labels(FREQUENCY))),
            Question("Your time zone", "Your time zone", "time_zone", one_of(ZONES, False)),
            Question("Is there anyone you should NOT be matched with? (emails)",
                     "Is there anyone you should NOT be matched with? (emails)", "exclude",
                     exclusion("email", 0.1)),
        ])

    research_areas = _areas("Experimental design / Diseño experimental",
                            "Grant writing / Redacción de propuestas",
                            "Statistics, R and Python / Estadística, R y Python",
                            "Publishing / Publicación", "Career paths / Trayectorias")
    bilingual_modes = [Choice("In person / Presencial", "in_person"),
                       Choice("Online (Zoom, Meet) / En línea", "video"),
                       Choice("Chat (e.g., Slack, WhatsApp)", "message")]
    languages = [Choice("English", "english"), Choice("Español", "spanish"),
                 Choice("Português", "portuguese")]
    multilingual = Program(
        name="multilingual_research", tool="Microsoft Forms", separator=";",
        stages=[Choice("Estudiante de maestría / Master's student", "msc"),
                Choice("PhD student / Estudiante de doctorado", "phd"),
                Choice("Postdoc / Posdoctorado", "postdoc"),
                Choice("Research scientist / Investigador(a)", "scientist"),
                Choice("Faculty / PI (Profesor/a)", "faculty")],
        mentor_stages=(2, 3, 4, 4), mentee_stages=(0, 1, 1, 2),
        vocabularies={"areas": research_areas, "modes": bilingual_modes,
                      "languages": languages},
        questions=[
            Question("ID", "ID", "ignore", person_key("row")),
            Question("Start time", "Start time", "ignore", timestamp("iso")),
            Question("Completion time", "Completion time", "ignore", timestamp("iso")),
            Question("Correo electrónico / Email", "Correo electrónico / Email", "email",
                     person_key("email")),
            Question("Nombre completo / Full name", "Nombre completo / Full name", "name",
                     person_key("name")),
            Question("Etapa profesional / Career stage", "Etapa profesional / Career stage",
                     "career_stage", person_key("stage")),
            Question("Institución / Institution", "Institución / Institution", "institution",
                     one_of(["Universidad de los Andes", "Universidade de São Paulo",
                             "University of Toronto", "UNAM"])),
            Question("Temas en los que puede ayudar / Topics you can help with", None,
                     "expertise_areas", some_of(labels(research_areas), 2, 3)),
            Question(None, "Temas en los que busca apoyo / Topics you want help with",
                     "need_areas", some_of(labels(research_areas), 1, 2)),
            Question("Idiomas / Languages", "Idiomas / Languages", "languages",
                     some_of(labels(languages), 1, 2)),
            Question("Modalidad / How would you like to meet?",
                     "Modalidad / How would you like to meet?", "modes",
                     some_of(labels(bilingual_modes), 1, 2)),
            Question("Zona horaria / Time zone", "Zona horaria / Time zone", "time_zone",
                     one_of(["UTC-5", "UTC-3", "UTC-6", "UTC+1"], False)),
        ])

    majors = ["Computer Science", "Biology", "Economics", "History", "Mechanical Engineering"]
    club_areas = _areas("Choosing courses", "Internships", "Study habits",
                        "Research opportunities", "Clubs and social life")
    student_club = Program(
        name="student_club", tool="Google Forms",
        stages=[Choice("First year", "y1"), Choice("Second year", "y2"),
                Choice("Third year", "y3"), Choice("Fourth year", "y4")],
        mentor_stages=(2, 3, 3), mentee_stages=(0, 0, 1),
        vocabularies={"areas": club_areas},
        defaults={"capacity": 2},
        questions=[
            Question("Timestamp", "Timestamp", "ignore", timestamp("google")),
            Question("Email Address", "Email Address", "email", person_key("email")),
            Question("Your name", "Your name", "name", person_key("padded_name")),
            Question("What year are you in?", "What year are you in?", "career_stage",
                     person_key("stage")),
            Question("Major", "Major", "specialty", one_of(majors)),
            Question("What can you help with?", None, "expertise_areas",
                     some_of(labels(club_areas), 2, 4)),
            Question(None, "What would you like help with?", "need_areas",
                     some_of(labels(club_areas), 1, 2)),
            Question("How many first-years could you take under your wing?", None,
                     "capacity", count(words=True, low=1, high=3)),
            Question("Gender", "Gender", "gender", one_of(["Woman", "Man", "Non-binary"],
                                                          False)),
            Question(None, "Would you prefer a mentor of the same gender?",
                     "pref:same_gender", yes_no(0.3)),
            Question(None, "Would you prefer a mentor in the same major?",
                     "pref:same_specialty", yes_no(0.5)),
        ])

    inst_areas = _areas("Grant writing", "Lab management", "Data analysis",
                        "Scientific writing", "Teaching", "Industry careers")
    institute = Program(
        name="research_institute", tool="Qualtrics", mentees=30,  # networks: a MIP, keep small
        stages=[Choice("Graduate student", "grad"), Choice("Postdoc", "postdoc"),
                Choice("Staff scientist", "staff"), Choice("Group leader", "pi")],
        mentor_stages=(2, 3, 3), mentee_stages=(0, 1, 1),
        vocabularies={"areas": inst_areas, "roles": ROLES},
        questions=[
            Question("StartDate", "StartDate", "ignore", timestamp("iso")),
            Question("EndDate", "EndDate", "ignore", timestamp("iso")),
            Question("Status", "Status", "ignore", fixed("IP Address")),
            Question("Progress", "Progress", "ignore", fixed("100")),
            Question("Finished", "Finished", "ignore", fixed("True")),
            Question("ResponseId", "ResponseId", "ignore", person_key("response_id")),
            Question("Q1_email", "Q1_email", "email", person_key("email")),
            Question("Q2_name", "Q2_name", "name", person_key("name")),
            Question("Q3 - Current position", "Q3 - Current position", "career_stage",
                     person_key("stage")),
            Question("Q4 - Research field", "Q4 - Research field", "specialty",
                     one_of(["Immunology", "Neuroscience", "Genomics", "Structural biology"])),
            Question("Q5 - Areas you can mentor on", None, "expertise_areas",
                     some_of(labels(inst_areas), 2, 4)),
            Question(None, "Q5 - Areas you want to develop", "need_areas",
                     some_of(labels(inst_areas), 1, 3)),
            Question("Q6 - Roles you are willing to take", None, "roles",
                     some_of(labels(ROLES), 1, 3)),
            Question("Q7 - Maximum number of mentees", None, "capacity",
                     count(words=False, low=2, high=4)),
            Question(None, "Q7 - How many mentors would you like?", "count:mentor",
                     count(words=False, low=1, high=1)),
            Question(None, "Q8 - How many coaches would you like?", "count:coach",
                     count(words=False, low=0, high=1)),
            Question(None, "Q9 - How many advisors would you like?", "count:advisor",
                     count(words=False, low=0, high=1)),
            Question("Q10 - Anyone you would rather not be paired with? (name)",
                     "Q10 - Anyone you would rather not be paired with? (name)", "exclude",
                     exclusion("name", 0.15)),
        ])

    grades = [Choice("AO", "ao"), Choice("EO", "eo"), Choice("HEO", "heo"),
              Choice("SEO", "seo"), Choice("Grade 7", "g7"), Choice("Grade 6", "g6")]
    civil_areas = _areas("Policy development", "Leading teams", "Project delivery",
                         "Applying for promotion", "Working with ministers")
    civil = Program(
        name="civil_service", tool="SurveyMonkey",
        stages=grades, mentor_stages=(3, 4, 5), mentee_stages=(0, 1, 2),
        vocabularies={"areas": civil_areas, "frequency": FREQUENCY},
        questions=[
            Question("Respondent ID", "Respondent ID", "ignore", person_key("response_id")),
            Question("Collector ID", "Collector ID", "ignore", fixed("431207755")),
            Question("Start Date", "Start Date", "ignore", timestamp("iso")),
            Question("Job title", "Job title", "ignore", fixed("Civil servant")),
            Question("Work email", "Work email", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("padded_name")),
            Question("Grade", "Grade", "career_stage", person_key("stage")),
            Question("Department", "Department", "specialty",
                     one_of(["HM Treasury", "Home Office", "Department for Education",
                             "Cabinet Office", "Other: Ofsted"])),
            Question("Which areas could you support with?", None, "expertise_areas",
                     some_of(labels(civil_areas), 2, 3)),
            Question(None, "Which areas would you like support with?", "need_areas",
                     some_of(labels(civil_areas), 1, 2)),
            Question("How often can you meet?", "How often would you like to meet?",
                     "frequency", one_of(labels(FREQUENCY))),
            Question("How many mentees could you support?", None, "capacity",
                     count(words=True, low=1, high=3)),
        ])

    ranks = [Choice("Lecturer", "lecturer"), Choice("Assistant Professor", "asst"),
             Choice("Associate Professor", "assoc"), Choice("Professor", "prof"),
             Choice("Distinguished Professor", "dist")]
    faculty_areas = _areas("Tenure and promotion", "Teaching load", "Grant writing",
                           "Graduate supervision", "Work-life balance")
    faculty = Program(
        name="university_faculty", tool="Google Forms",
        stages=ranks, mentor_stages=(2, 3, 3, 4), mentee_stages=(0, 1, 1),
        vocabularies={"areas": faculty_areas, "modes": MODES_GOOGLE},
        questions=[
            Question("Timestamp", "Timestamp", "ignore", timestamp("google")),
            Question("Email Address", "Email Address", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("name")),
            Question("Academic rank", "Academic rank", "career_stage", person_key("stage")),
            Question("Department", "Department", "specialty",
                     one_of(["Chemistry", "Sociology", "Mathematics", "Philosophy"])),
            Question("College", "College", "institution",
                     one_of(["College of Arts and Sciences", "College of Engineering"])),
            Question("Areas of experience", None, "expertise_areas",
                     some_of(labels(faculty_areas), 2, 4)),
            Question(None, "Areas where you want guidance", "need_areas",
                     some_of(labels(faculty_areas), 1, 2)),
            Question("Meeting format", "Meeting format", "modes",
                     some_of(labels(MODES_GOOGLE), 1, 2)),
            Question("How many junior colleagues can you mentor?", None, "capacity",
                     count(words=False, low=1, high=3)),
        ])

    company = [Choice("Associate", "associate"), Choice("Senior Associate", "sr_associate"),
               Choice("Manager", "manager"), Choice("Senior Manager", "sr_manager"),
               Choice("Director", "director"), Choice("Vice President", "vp")]
    erg_areas = _areas("Navigating promotion", "Building a network", "Public speaking",
                       "Negotiation", "Managing people")
    erg = Program(
        name="employee_resource_group", tool="Microsoft Forms", separator=";",
        stages=company, mentor_stages=(2, 3, 4, 5), mentee_stages=(0, 1, 1, 2),
        vocabularies={"areas": erg_areas},
        questions=[
            Question("ID", "ID", "ignore", person_key("row")),
            Question("Start time", "Start time", "ignore", timestamp("iso")),
            Question("Email", "Email", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("name")),
            Question("Job level", "Job level", "career_stage", person_key("stage")),
            Question("Business unit", "Business unit", "specialty",
                     one_of(["Finance", "Engineering", "Sales", "People"])),
            Question("Topics you can mentor on", None, "expertise_areas",
                     some_of(labels(erg_areas), 2, 3)),
            Question(None, "Topics you'd like mentoring on", "need_areas",
                     some_of(labels(erg_areas), 1, 2)),
            Question("Identity (optional)", "Identity (optional)", "background",
                     one_of(["Black", "Latinx", "Asian", "LGBTQ+", ""], False)),
            Question(None, "Would you like a mentor who shares your identity?",
                     "pref:shared_background", yes_no(0.4)),
        ])

    peer_areas = _areas("Exam preparation", "Research projects", "Wellbeing",
                        "Applying for fellowships")
    peer = Program(
        name="peer_program", tool="Google Forms",
        stages=[Choice("PGY-1", "pgy1"), Choice("PGY-2", "pgy2"), Choice("PGY-3", "pgy3")],
        mentor_stages=(0, 1, 1, 2), mentee_stages=(0, 1, 1, 2),
        vocabularies={"areas": peer_areas},
        rules={"mentor_more_senior": False},
        questions=[
            Question("Timestamp", "Timestamp", "ignore", timestamp("google")),
            Question("Email Address", "Email Address", "email", person_key("email")),
            Question("First name", "First name", "name", person_key("first")),
            Question("Last name", "Last name", "name", person_key("last")),
            Question("Training level", "Training level", "career_stage", person_key("stage")),
            Question("What can you share with a peer?", None, "expertise_areas",
                     some_of(labels(peer_areas), 2, 3)),
            Question(None, "What would you like to talk about with a peer?", "need_areas",
                     some_of(labels(peer_areas), 1, 2)),
            Question("How many peers can you meet with?", None, "capacity",
                     count(words=True, low=1, high=3)),
        ])
    # No known ladder holds these roles: init orders them by how many mentors hold each,
    # and says the order was guessed.
    health_areas = _areas("Home visits", "Patient education", "Care coordination",
                          "Working with clinics", "Self-care")
    community = Program(
        name="community_health", tool="Google Forms",
        stages=[Choice("Community health worker", "chw"), Choice("Health educator", "educator"),
                Choice("Care coordinator", "coordinator"),
                Choice("Outreach program lead", "program_lead")],
        mentor_stages=(1, 2, 2, 3, 3), mentee_stages=(0, 0, 0, 1),
        vocabularies={"areas": health_areas},
        questions=[
            Question("Timestamp", "Timestamp", "ignore", timestamp("google")),
            Question("Email Address", "Email Address", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("padded_name")),
            Question("Your role", "Your role", "career_stage", person_key("stage")),
            Question("County", "County", "ignore",
                     one_of(["Alameda", "Fresno", "Kern", "Tulare"])),
            Question("Topics you can help with", None, "expertise_areas",
                     some_of(labels(health_areas), 2, 3)),
            Question(None, "Topics you want help with", "need_areas",
                     some_of(labels(health_areas), 1, 2)),
            Question("How many new staff can you mentor?", None, "capacity",
                     count(words=True, low=1, high=3)),
        ])
    # SurveyMonkey's own export: a question row and an option row (one column per option
    # of a checkbox question, "Other (please specify)" typed), its collector columns
    # first (the e-mail and name collectors left blank by a web-link survey).
    nonprofit_areas = ("Fundraising strategy", "Board relations", "Managing volunteers",
                       "Program evaluation", "Budgeting")
    nonprofit = Program(
        name="nonprofit_network", tool="SurveyMonkey", header_rows="surveymonkey",
        separator="; ",
        stages=[Choice("Coordinator", "coordinator"), Choice("Program Manager", "manager"),
                Choice("Director", "director"), Choice("Executive Director", "executive")],
        mentor_stages=(2, 3, 3), mentee_stages=(0, 0, 1),
        vocabularies={"areas": _areas(*nonprofit_areas), "frequency": FREQUENCY},
        questions=[
            Question("Respondent ID", "Respondent ID", "ignore", person_key("response_id"),
                     metadata=True),
            Question("Collector ID", "Collector ID", "ignore", fixed("431207755"),
                     metadata=True),
            Question("Start Date", "Start Date", "ignore", timestamp("google"), metadata=True),
            Question("End Date", "End Date", "ignore", timestamp("google"), metadata=True),
            Question("IP Address", "IP Address", "ignore",
                     lambda rng, _p: f"203.0.113.{rng.randint(1, 254)}", metadata=True),
            Question("Email Address", "Email Address", "ignore", fixed(""), metadata=True),
            Question("First Name", "First Name", "ignore", fixed(""), metadata=True),
            Question("Last Name", "Last Name", "ignore", fixed(""), metadata=True),
            Question("Custom Data 1", "Custom Data 1", "ignore", fixed(""), metadata=True),
            Question("What is your work email?", "What is your work email?", "email",
                     person_key("email")),
            Question("Your full name", "Your full name", "name", person_key("padded_name")),
            Question("What is your current position?", "What is your current position?",
                     "career_stage", person_key("stage")),
            Question("Which areas could you mentor others in?", None, "expertise_areas",
                     some_of(nonprofit_areas, 2, 3), options=nonprofit_areas, other=True),
            Question(None, "Which areas would you like support with?", "need_areas",
                     some_of(nonprofit_areas, 1, 2), options=nonprofit_areas, other=True),
            Question("How often could you meet?", "How often would you like to meet?",
                     "frequency", one_of(labels(FREQUENCY))),
            Question("How many mentees could you take on?", None, "capacity",
                     count(words=True, low=1, high=3)),
        ])

    # Qualtrics' own export: ids (Q1, Q4_6_TEXT), question texts ("... - Selected
    # Choice"), and the {"ImportId": ...} row; checkbox answers in one comma-joined cell.
    lab_areas = ("Experimental design", "Writing papers", "Grant applications",
                 "Statistics", "Presenting at conferences")
    lab = Program(
        name="lab_network", tool="Qualtrics", header_rows="qualtrics", separator=",",
        stages=[Choice("Graduate student", "grad"), Choice("Postdoc", "postdoc"),
                Choice("Staff scientist", "staff"), Choice("Group leader", "pi")],
        mentor_stages=(2, 3, 3), mentee_stages=(0, 0, 1),
        vocabularies={"areas": _areas(*lab_areas), "modes": MODES_GOOGLE[:3]},
        questions=[
            Question("Start Date", "Start Date", "ignore", timestamp("iso"), metadata=True),
            Question("End Date", "End Date", "ignore", timestamp("iso"), metadata=True),
            Question("Response Type", "Response Type", "ignore", fixed("IP Address"),
                     metadata=True),
            Question("Progress", "Progress", "ignore", fixed("100"), metadata=True),
            Question("Finished", "Finished", "ignore", fixed("True"), metadata=True),
            Question("Response ID", "Response ID", "ignore", person_key("response_id"),
                     metadata=True),
            Question("Email", "Email", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("name")),
            Question("Current position", "Current position", "career_stage",
                     person_key("stage")),
            Question("Which topics can you mentor on?", None, "expertise_areas",
                     some_of(lab_areas, 2, 3), options=lab_areas, other=True),
            Question(None, "Which topics would you like mentoring on?", "need_areas",
                     some_of(lab_areas, 1, 2), options=lab_areas, other=True),
            Question("How would you like to meet?", "How would you like to meet?", "modes",
                     some_of(labels(MODES_GOOGLE[:3]), 1, 2),
                     options=tuple(labels(MODES_GOOGLE[:3]))),
            Question("Time zone", "Time zone", "time_zone", one_of(ZONES[:4], False)),
        ])

    # Rules the form states in its questions' own words: init turns them into
    # [match_on] rules (same department, a different site, two bands senior at least).
    bands = [Choice(f"Band {n}", f"band_{n}") for n in range(3, 9)]
    trust_areas = _areas("Clinical supervision", "Leadership", "Quality improvement",
                         "Career progression", "Research")
    trust = Program(
        name="hospital_trust", tool="Microsoft Forms", separator=";",
        stages=bands, mentor_stages=(3, 4, 5, 5), mentee_stages=(0, 1, 2),
        vocabularies={"areas": trust_areas}, mentors=36,
        match_on={
            "same_department": {"field": "specialty", "kind": "require_same"},
            "different_site": {"field": "institution", "kind": "require_different"},
            "band_gap": {"field": "career_stage", "kind": "require_gap", "gap": [2, 5]},
        },
        questions=[
            Question("ID", "ID", "ignore", person_key("row")),
            Question("Start time", "Start time", "ignore", timestamp("iso")),
            Question("Email", "Email", "email", person_key("email")),
            Question("Name", "Name", "name", person_key("name")),
            Question("Agenda for Change band (mentors are at least two bands above their "
                     "mentees)", "Agenda for Change band (mentors are at least two bands "
                     "above their mentees)", "career_stage", person_key("stage")),
            Question("Department (you will be matched within your own department)",
                     "Department (you will be matched within your own department)",
                     "specialty", one_of(["Nursing", "Pharmacy", "Physiotherapy"], False)),
            Question("Site (mentors and mentees are paired across different sites)",
                     "Site (mentors and mentees are paired across different sites)",
                     "institution", one_of(["North Hospital", "South Hospital",
                                            "Community Clinic"], False)),
            Question("Topics you can mentor on", None, "expertise_areas",
                     some_of(labels(trust_areas), 2, 3)),
            Question(None, "Topics you'd like mentoring on", "need_areas",
                     some_of(labels(trust_areas), 1, 2)),
            Question("How many mentees can you support?", None, "capacity",
                     count(words=False, low=1, high=3)),
        ])
    return [medical, multilingual, student_club, institute, civil, faculty, erg, peer,
            community, nonprofit, lab, trust]


PROGRAMS: list[Program] = _program_list()


# ------------------------------------------------------------------ writing

def _people(program: Program, side: str, rng: random.Random, taken: set[str]
            ) -> list[dict[str, Any]]:
    stages = program.mentor_stages if side == "mentors" else program.mentee_stages
    size = program.mentors if side == "mentors" else program.mentees
    people: list[dict[str, Any]] = []
    while len(people) < size:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if f"{first} {last}" in taken:
            continue
        taken.add(f"{first} {last}")
        slug = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
        people.append({
            "first": first, "last": last, "name": f"{first} {last}",
            "padded_name": f"{first} {last}" + (" " if rng.random() < 0.1 else ""),
            "email": f"{slug}.{len(taken)}@{program.name.replace('_', '-')}.example.org",
            "stage": program.stages[rng.choice(list(stages))].label,
            "row": str(len(people) + 1), "response_id": f"R_{rng.getrandbits(40):010x}",
            "separator": program.separator,
        })
    return people


def _rows(program: Program, side: str, people: list[dict[str, Any]],
          others: list[dict[str, Any]], rng: random.Random
          ) -> tuple[list[Question], list[str], list[list[str]]]:
    questions = [q for q in program.questions if getattr(q, side[:-1]) is not None]
    headers = [str(getattr(q, side[:-1])) for q in questions]
    rows = []
    for person in people:
        person["others"] = others
        rows.append([q.draw(rng, person) for q in questions])
    return questions, headers, rows


# ------------------------------------------------------------ the form tools' header rows

#: What a typed "Other" answer says, when someone gives one.
OTHER_ANSWERS = ("Mentoring volunteers", "Board governance", "Fundraising events")
#: SurveyMonkey's row-2 word under a question answered by typing.
TYPED = frozenset({"email", "name", "goals", "bio", "exclude"})


def other_header(program: Program, header: str) -> str:
    """The header the intake reads for a checkbox question's typed "Other" answers."""
    if program.header_rows == "qualtrics":
        return f"{header} - Other - Text"
    return f"{header} - Other (please specify)"


def _typed_other(rng: random.Random) -> str:
    return rng.choice(OTHER_ANSWERS) if rng.random() < 0.1 else ""


def _surveymonkey(program: Program, questions: list[Question], headers: list[str],
                  rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Question row, option row ("Response" / option labels), one column per option."""
    top: list[str] = []
    second: list[str] = []
    for question, header in zip(questions, headers, strict=True):
        if question.options:
            columns = [*question.options, *(["Other (please specify)"] if question.other
                                            else [])]
            top += [header] + [""] * (len(columns) - 1)
            second += columns
        else:
            top.append(header)
            second.append("" if question.metadata else "Open-Ended Response"
                          if question.target in TYPED else "Response")
    grid = [top, second]
    for row in rows:
        cells: list[str] = []
        for question, cell in zip(questions, row, strict=True):
            if not question.options:
                cells.append(cell)
                continue
            ticked = set(cell.split(program.separator)) if cell else set()
            cells += [option if option in ticked else "" for option in question.options]
            if question.other:
                cells.append(_typed_other(rng))
        grid.append(cells)
    return grid


def _qualtrics(program: Program, questions: list[Question], headers: list[str],
               rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Ids row, question-text row, ImportId row; a checkbox answer is one comma-joined cell."""
    ids: list[str] = []
    texts: list[str] = []
    imports: list[str] = []
    number = 0
    for question, header in zip(questions, headers, strict=True):
        if question.metadata:
            ids.append(header.replace(" ", ""))
            texts.append(header)
            zone = ',"timeZone":"America/Denver"' if "Date" in header else ""
            imports.append('{"ImportId":"' + header.replace(" ", "")[:1].lower()
                           + header.replace(" ", "")[1:] + '"' + zone + "}")
            continue
        number += 1
        ids.append(f"Q{number}")
        texts.append(header + (" - Selected Choice" if question.options else ""))
        imports.append('{"ImportId":"QID' + str(number) + '"}')
        if question.other:
            extra = f"Q{number}_{len(question.options) + 1}_TEXT"
            ids.append(extra)
            texts.append(other_header(program, header))
            imports.append('{"ImportId":"QID' + extra[1:] + '"}')
    grid = [ids, texts, imports]
    for row in rows:
        cells: list[str] = []
        for question, cell in zip(questions, row, strict=True):
            cells.append(cell)
            if question.other:
                cells.append(_typed_other(rng))
        grid.append(cells)
    return grid


def export_grid(program: Program, questions: list[Question], headers: list[str],
                rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """The sheet as the program's form tool writes it, header rows included."""
    if program.header_rows == "surveymonkey":
        return _surveymonkey(program, questions, headers, rows, rng)
    if program.header_rows == "qualtrics":
        return _qualtrics(program, questions, headers, rows, rng)
    return [headers, *rows]


def _target(question: Question, side: str) -> str:
    if "|" in question.target:  # one question, a different field on each side
        mentor_field, mentee_field = question.target.split("|")
        return mentor_field if side == "mentors" else mentee_field
    return question.target


def expected_config(program: Program) -> dict[str, Any]:
    """The config a coordinator who knows the program writes by hand."""
    columns: dict[str, dict[str, str]] = {"mentors": {}, "mentees": {}}
    for question in program.questions:
        for side in ("mentors", "mentees"):
            header = getattr(question, side[:-1])
            if header is not None:
                columns[side][header] = _target(question, side)
                if question.other:
                    columns[side][other_header(program, header)] = "ignore"
    vocabularies: dict[str, dict[str, list[str]]] = {
        "career_stage": {c.value: [c.label] for c in program.stages}}
    for name, choices in program.vocabularies.items():
        table: dict[str, list[str]] = {}
        for choice in choices:
            table.setdefault(choice.value, []).append(choice.label)
        vocabularies[name] = table
    config: dict[str, Any] = {
        "program": {"name": program.name.replace("_", " ").title(), "id_field": "email"},
        "intake": {"separators": [program.separator.strip()]},
        "columns": columns, "vocabularies": vocabularies,
    }
    if program.defaults:
        config["defaults"] = program.defaults
    if program.rules:
        config["rules"] = program.rules
    if program.match_on:
        config["match_on"] = program.match_on
    if program.sensitive:
        config["sensitive"] = {"fields": program.sensitive}
    return config


def _write_xlsx(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    """A one-sheet workbook as Microsoft Forms exports it (ids as numbers, fixed dates)."""
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(headers)
    for row in rows:
        sheet.append([int(c) if c.isdigit() else c for c in row])
    book.properties.created = book.properties.modified = dt.datetime(2026, 9, 1)
    book.save(path)


def write_program(program: Program, root: Path = HERE) -> Path:
    """Write one program's folder (mentors.csv, mentees.csv, expected.toml)."""
    rng = random.Random(f"{SEED}-{program.name}")
    taken: set[str] = set()
    mentors = _people(program, "mentors", rng, taken)
    mentees = _people(program, "mentees", rng, taken)
    folder = root / program.name
    folder.mkdir(parents=True, exist_ok=True)
    for side, people, others in (("mentors", mentors, mentees), ("mentees", mentees, mentors)):
        questions, headers, rows = _rows(program, side, people, others, rng)
        with (folder / f"{side}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(export_grid(program, questions, headers, rows, rng))
        if program.tool == "Microsoft Forms":  # its own export is a workbook, "Sheet1"
            _write_xlsx(folder / f"{side}.xlsx", headers, rows)
    header = (f"# What the {program.name.replace('_', ' ')} program means, written by hand "
              f"(through tests/programs/write_corpus.py).\n# Form tool: {program.tool}.\n\n")
    (folder / "expected.toml").write_text(header + tomli_w.dumps(expected_config(program)),
                                          encoding="utf-8")
    return folder


if __name__ == "__main__":
    for each in PROGRAMS:
        print(write_program(each))
