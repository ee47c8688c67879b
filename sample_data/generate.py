"""Synthetic sign-up sheets for mentormatch: a seeded, vectorised cohort generator.

It plays the part of the Google Form a radiation-oncology society sends out (the made-up
Meridian Radiation Oncology Society, read by ``sample_data/program.toml``) and writes the
two response sheets, Mentors and Mentees, with the form's question texts as headers and
its option labels as answers. The same seed gives byte-identical files.

The cohort is structured so that matching is not trivial:

* people cluster by institution (each with its region, time zone and names/languages
  of its staff), by career track (physician-scientist, clinician-educator, community,
  technology, global health, procedural) which drives areas and disease sites;
* demand and supply differ: grant writing, AI & data science, work-life balance and
  proton therapy are asked for far more often than mentors offer them;
* mentors are more senior than mentees on average, but not always; some mentees ask
  for networks of two or three with coach/advisor roles; a few people sign up on both
  sheets; a few name people from the other sheet they must not be matched with;
* goals and bios are composed from varied sentence templates and area-specific phrases,
  so text similarity carries real signal.

The shipped sample (``sample_data/mentors.csv``, ``mentees.csv``, ``cohort.xlsx``) is::

    python sample_data/generate.py --mentees 150 --mentors 60 --seed 2027 --quirks --xlsx \\
        --out sample_data

``--quirks`` plants the documented real-world mistakes listed in :data:`QUIRKS` (spaces,
case, "N/A", capacities in words, an upper-case e-mail, time-zone names, "Español"...);
each keeps the answer's meaning, so intake normalises them with warnings at most.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_SEED = 2027
SAMPLE_MENTEES = 150
SAMPLE_MENTORS = 60

# --- The form: question texts (headers), in the order the sheets show them -------------
TIMESTAMP = "Timestamp"
EMAIL = "Email Address"
NAME = "Full name"
STAGE = "What is your current career stage?"
SITE = "Primary disease-site focus"
INSTITUTION = "Institution or practice"
TIME_ZONE = "Your time zone"
MODES = "Preferred ways to meet"
FREQUENCY = "How often would you like to meet?"
EXCLUDE = "Is there anyone you should NOT be matched with? (emails)"
EXPERTISE = "Areas of expertise (select all that apply)"
BIO = "Short bio / what you can help with"
ROLES = "Roles you can offer"
CAPACITY = "How many mentees can you take on this year?"
MENTOR_LANGUAGES = "Languages you are comfortable mentoring in"
MENTOR_GENDER = "Gender (optional, used only when a mentee asks for a same-gender mentor)"
MENTOR_BACKGROUND = "Background (optional, used only when a mentee asks for a shared background)"
NEEDS = "Which areas would you like guidance in? (select all that apply)"
GOALS = "In a few sentences, what are your goals for this mentoring year?"
HELP_WANTED = "What kind of support are you looking for?"
NETWORK_SIZE = "How many mentors would you like in your network?"
MENTEE_LANGUAGES = "Languages you are comfortable meeting in"
PREFERENCES = "Optional: preferences for your mentor"
MENTEE_GENDER = "Gender (optional, used only if you ask for a same-gender mentor)"
MENTEE_BACKGROUND = "Background (optional, used only if you ask for a mentor who shares it)"

MENTOR_HEADERS: tuple[str, ...] = (
    TIMESTAMP, EMAIL, NAME, STAGE, SITE, INSTITUTION, EXPERTISE, BIO, ROLES, CAPACITY, MODES,
    FREQUENCY, TIME_ZONE, MENTOR_LANGUAGES, EXCLUDE, MENTOR_GENDER, MENTOR_BACKGROUND,
)
MENTEE_HEADERS: tuple[str, ...] = (
    TIMESTAMP, EMAIL, NAME, STAGE, SITE, INSTITUTION, NEEDS, GOALS, HELP_WANTED, NETWORK_SIZE,
    MODES, FREQUENCY, TIME_ZONE, MENTEE_LANGUAGES, PREFERENCES, EXCLUDE, MENTEE_GENDER,
    MENTEE_BACKGROUND,
)

# --- Option labels as printed on the form ----------------------------------------------
STAGE_LABELS = (
    "Medical student", "Resident (PGY-2 to PGY-5)", "Fellow",
    "Early-career attending (0-5 years)", "Mid-career attending (6-15 years)",
    "Senior attending (more than 15 years)",
)
MENTEE_STAGE_P = np.array([0.15, 0.36, 0.11, 0.25, 0.12, 0.01])
MENTOR_STAGE_P = np.array([0.0, 0.03, 0.05, 0.17, 0.35, 0.40])
STAGE_NOUNS = ("a medical student", "a PGY-5 resident", "a clinical fellow",
               "an assistant professor", "an associate professor",
               "a professor and former residency program director")

ROLE_LABELS = ("Mentor (long-term career guidance)", "Coach (a specific skill or challenge)",
               "Advisor (expert recommendations as needed)")
MODE_LABELS = ("In person", "Video call (Zoom/Teams)", "Phone", "Email/Slack")
MODE_P = np.array([0.30, 0.85, 0.20, 0.30])
FREQUENCY_LABELS = ("Weekly", "Every two weeks", "Monthly", "Quarterly")
MENTEE_FREQUENCY_P = np.array([0.10, 0.25, 0.50, 0.15])
MENTOR_FREQUENCY_P = np.array([0.03, 0.17, 0.55, 0.25])
PREFERENCE_LABELS = (
    "Prefer a mentor of the same gender", "Prefer a mentor who shares my background",
    "Someone in my disease-site focus", "Someone outside my disease-site focus",
    "Someone at my institution", "Someone outside my institution",
)
GENDERS = ("Woman", "Man", "Non-binary")
BACKGROUNDS = ("First-generation college graduate", "International medical graduate",
               "Underrepresented in medicine", "LGBTQ+", "Rural upbringing", "Military veteran")


@dataclass(frozen=True)
class Area:
    """One guidance area: its key in program.toml, its form label, how people write about it."""

    key: str
    label: str
    topic: str                      # a short noun for terse answers ("Help with grants.")
    wants: tuple[str, ...]          # mentee goal phrases (fit "I want to focus on ...")
    offers: tuple[str, ...]         # mentor bio phrases (fit "I can help with ...")


AREAS: tuple[Area, ...] = (
    Area("research", "Research/Scholarship", "research", (
        "getting my first retrospective study off the ground",
        "designing a prospective clinical trial",
        "turning a clinical question into a research project",
        "learning how to run a multi-institutional outcomes study",
        "building a research portfolio before fellowship applications"), (
        "designing retrospective and prospective studies",
        "running clinical trials as a principal investigator",
        "turning clinical questions into research projects",
        "outcomes research with large national databases",
        "building a research program from scratch")),
    Area("grant_writing", "Grant writing & funding", "grants", (
        "writing my first career development grant",
        "putting together a K award application",
        "finding seed funding for a pilot study",
        "understanding how study sections review grant proposals",
        "resubmitting a grant that was not funded"), (
        "writing NIH K and R grant applications",
        "serving on grant study sections",
        "finding foundation and seed funding for pilot studies",
        "revising and resubmitting unfunded grant proposals",
        "budgeting and planning a funded project")),
    Area("clinical_skills", "Clinical skills & contouring", "contouring", (
        "improving my contouring for head and neck cases",
        "getting more confident reviewing treatment plans",
        "managing toxicities during radiotherapy",
        "running an efficient on-treatment clinic",
        "learning stereotactic radiosurgery workflows"), (
        "contouring and treatment plan review",
        "managing acute and late radiotherapy toxicities",
        "stereotactic radiosurgery and SBRT",
        "running an efficient on-treatment clinic",
        "peer review of plans at chart rounds")),
    Area("brachytherapy", "Brachytherapy", "brachytherapy", (
        "getting more hands-on brachytherapy experience",
        "learning HDR gynecologic brachytherapy",
        "becoming comfortable with prostate seed implants",
        "building my brachytherapy skills",
        "starting a brachytherapy service at my hospital"), (
        "HDR and LDR brachytherapy",
        "gynecologic brachytherapy with interstitial needles",
        "prostate seed implants",
        "teaching brachytherapy procedures to trainees",
        "building a brachytherapy program")),
    Area("proton_therapy", "Proton & particle therapy", "proton therapy", (
        "understanding when proton therapy is the better option",
        "learning proton treatment planning and range uncertainty",
        "preparing to work at a proton center",
        "getting involved in proton therapy research",
        "navigating insurance approval for proton therapy"), (
        "proton therapy planning and delivery",
        "pediatric and CNS proton treatment",
        "range uncertainty and robust proton planning",
        "proton therapy clinical trials",
        "insurance appeals for proton therapy")),
    Area("leadership", "Leadership & administration", "leadership", (
        "stepping into my first leadership role",
        "learning how to run a department meeting well",
        "becoming a residency program director",
        "leading a quality improvement project",
        "managing conflict within a clinical team"), (
        "department leadership and administration",
        "serving as a residency program director",
        "leading quality improvement and patient safety work",
        "managing teams and resolving conflict",
        "committee work and national society leadership")),
    Area("career_planning", "Career planning & job search", "career advice", (
        "figuring out whether academic or community practice is right for me",
        "preparing for the job search in radiation oncology",
        "negotiating my first contract",
        "planning the next five years of my career",
        "preparing strong applications and interviews"), (
        "the academic versus community practice decision",
        "job searches and interviews in radiation oncology",
        "contract negotiation for new attendings",
        "long-term career planning and promotion",
        "residency applications and the match")),
    Area("work_life_balance", "Work-life balance & wellness", "work-life balance", (
        "finding a sustainable work-life balance",
        "avoiding burnout during a demanding year",
        "balancing a young family with clinical work",
        "setting boundaries around email and after-hours work",
        "protecting time for my own wellbeing"), (
        "work-life balance and burnout prevention",
        "balancing family life with a clinical career",
        "setting boundaries and protecting personal time",
        "physician wellness and resilience",
        "part-time and flexible career paths")),
    Area("teaching", "Teaching & medical education", "teaching", (
        "becoming a better teacher for residents and students",
        "designing a contouring curriculum",
        "getting involved in medical education research",
        "giving better feedback to trainees",
        "building a clinician-educator portfolio"), (
        "medical education and curriculum design",
        "teaching residents and medical students",
        "education research and clinician-educator promotion",
        "giving effective feedback to trainees",
        "developing hands-on contouring workshops")),
    Area("health_equity", "Health equity & global oncology", "health equity", (
        "improving access to radiotherapy for underserved patients",
        "getting involved in global oncology partnerships",
        "studying disparities in cancer outcomes",
        "building a community outreach program",
        "advancing diversity and inclusion in our field"), (
        "health equity and disparities research",
        "global oncology partnerships and capacity building",
        "community outreach for underserved patients",
        "diversity and inclusion initiatives",
        "access to radiotherapy in low-resource settings")),
    Area("private_practice", "Community/private practice", "private practice", (
        "understanding how community and private practice works",
        "learning the business side of a radiation oncology practice",
        "preparing for a partnership track",
        "building referral relationships with medical oncologists",
        "deciding whether to join a private practice group"), (
        "community and private practice",
        "the business side of radiation oncology",
        "partnership tracks and practice ownership",
        "building referral networks with medical oncologists",
        "working in a multi-site practice group")),
    Area("publishing", "Writing & publishing", "publishing", (
        "writing and publishing my first manuscript",
        "responding to tough peer reviewer comments",
        "learning to write a strong abstract",
        "getting better at scientific writing",
        "choosing the right journal for my work"), (
        "scientific writing and publishing",
        "handling peer review and manuscript revisions",
        "abstracts and conference presentations",
        "serving as a journal editor and reviewer",
        "writing review articles and book chapters")),
    Area("ai_data_science", "AI & data science", "AI", (
        "learning how machine learning is used in radiation oncology",
        "building auto-contouring tools",
        "getting started with Python and data analysis",
        "working with large imaging datasets",
        "understanding radiomics and outcome modeling"), (
        "machine learning and artificial intelligence in radiation oncology",
        "auto-contouring and treatment planning automation",
        "data science with Python",
        "radiomics and outcome modeling",
        "informatics and large clinical imaging datasets")),
)
N_AREAS = len(AREAS)
# How strongly each career stage asks for each area (rows: STAGE_LABELS; columns: AREAS).
# Grant writing, work-life balance and AI are in high demand ...
STAGE_DEMAND = np.array([
    # res  grant clin brachy proton lead career wlb teach equity priv pub  ai
    [3.0, 0.2, 1.0, 0.5, 0.5, 0.3, 4.0, 2.0, 0.5, 1.0, 0.5, 1.5, 1.2],   # medical student
    [3.0, 1.0, 2.5, 1.2, 1.0, 0.5, 3.0, 2.5, 1.0, 1.0, 1.0, 2.0, 1.5],   # resident
    [2.5, 1.8, 2.0, 1.5, 1.5, 0.5, 3.0, 2.0, 1.0, 0.8, 1.0, 1.5, 1.5],   # fellow
    [2.0, 3.0, 1.0, 0.8, 0.8, 1.5, 2.0, 3.0, 1.5, 1.0, 1.0, 1.2, 1.5],   # early career
    [1.0, 2.0, 0.5, 0.5, 0.5, 3.0, 1.5, 2.0, 1.5, 1.2, 1.0, 0.8, 1.5],   # mid career
    [0.5, 1.0, 0.3, 0.3, 0.3, 3.0, 1.0, 1.5, 1.0, 1.0, 0.5, 0.5, 1.2],   # senior
])
# ... and scarce among mentors' expertise (scarcity is what makes the matching hard).
MENTOR_SUPPLY = np.array([2.5, 0.5, 3.0, 0.8, 0.4, 2.0, 2.5, 0.6, 2.0, 0.8, 1.0, 1.5, 0.3])

SITES = (  # (form answer, how people write about it)
    ("Breast", "breast cancer"), ("Central nervous system", "brain and spine tumors"),
    ("Gastrointestinal", "GI cancers"), ("Genitourinary", "prostate and bladder cancer"),
    ("Gynecologic", "gynecologic cancers"), ("Head and neck", "head and neck cancer"),
    ("Thoracic", "lung cancer"), ("Lymphoma and hematologic", "lymphoma"),
    ("Pediatric", "pediatric cancers"), ("Sarcoma", "sarcoma"), ("Skin", "skin cancers"),
    ("Palliative", "palliative radiotherapy"),
    ("General practice (no single site)", "a broad mix of disease sites"),
)
SITE_P = np.array([1.6, 1.0, 1.2, 1.5, 0.8, 1.3, 1.2, 0.6, 0.4, 0.3, 0.3, 0.6, 1.0])
UNDECIDED_SITE = "Undecided"

# Career tracks: latent clusters that tie areas, disease sites and institution kind together.
TRACKS = ("physician_scientist", "clinician_educator", "community", "technology",
          "global_equity", "procedural")
TRACK_P_BY_KIND = {  # P(track | institution kind)
    "academic": np.array([0.28, 0.22, 0.06, 0.16, 0.12, 0.16]),
    "community": np.array([0.05, 0.10, 0.60, 0.05, 0.10, 0.10]),
}


def _boost(names: tuple[str, ...], factors: Mapping[str, float]) -> np.ndarray:
    """Weights of 1 for every name except the boosted ones."""
    return np.array([factors.get(name, 1.0) for name in names])


_AREA_KEYS = tuple(a.key for a in AREAS)
TRACK_AREA_BOOST = np.stack([_boost(_AREA_KEYS, factors) for factors in (
    {"research": 3, "grant_writing": 3, "publishing": 2, "ai_data_science": 1.5},
    {"teaching": 3, "clinical_skills": 2, "leadership": 1.5},
    {"private_practice": 4, "clinical_skills": 1.5, "career_planning": 1.5,
     "work_life_balance": 1.5},
    {"proton_therapy": 4, "ai_data_science": 3, "brachytherapy": 1.5, "research": 1.5},
    {"health_equity": 4, "teaching": 1.5, "leadership": 1.5},
    {"brachytherapy": 4, "clinical_skills": 2},
)])
_SITE_NAMES = tuple(label for label, _ in SITES)
TRACK_SITE_BOOST = np.stack([_boost(_SITE_NAMES, factors) for factors in (
    {},
    {},
    {"General practice (no single site)": 4, "Palliative": 2, "Breast": 1.5},
    {"Central nervous system": 2.5, "Pediatric": 4, "Head and neck": 1.5},
    {"Gynecologic": 2, "Palliative": 2},
    {"Gynecologic": 3, "Genitourinary": 2, "Breast": 1.5},
)])

# --- Who is where: regions and institutions ---------------------------------------------
# Name/language groups; each speaks its group language (None = English only).
GROUPS = ("general", "hispanic", "francophone", "chinese", "south_asian", "arabic",
          "lusophone", "german", "korean")
GROUP_LANGUAGE = (None, "Spanish", "French", "Mandarin", "Hindi", "Arabic", "Portuguese",
                  "German", "Korean")
LANGUAGE_LABELS = ("English", "Spanish", "French", "Mandarin", "Hindi", "Arabic",
                   "Portuguese", "German", "Korean")


@dataclass(frozen=True)
class Region:
    """Where an institution is: who works there and which language they share."""

    group_p: tuple[float, ...]      # P(name/language group), in GROUPS order
    language: str                   # the local language ("English", "Spanish" ...)
    english_p: float                # P(a person there is comfortable in English)


REGIONS = {
    "us": Region((.60, .12, .01, .07, .10, .04, .01, .02, .03), "English", 1.0),
    "canada_en": Region((.60, .03, .10, .10, .10, .04, .01, .01, .01), "English", 1.0),
    "canada_fr": Region((.20, .03, .70, .03, .02, .02, 0, 0, 0), "French", 0.95),
    "latam": Region((.05, .93, 0, 0, 0, 0, .02, 0, 0), "Spanish", 0.8),
    "brazil": Region((.05, .05, 0, 0, 0, 0, .90, 0, 0), "Portuguese", 0.8),
    "uk": Region((.75, .02, .02, .05, .12, .04, 0, 0, 0), "English", 1.0),
    "france": Region((.10, .03, .80, .02, 0, .05, 0, 0, 0), "French", 0.85),
    "germany": Region((.10, .02, .02, .02, .02, .02, 0, .80, 0), "German", 0.95),
    "china": Region((.03, 0, 0, .97, 0, 0, 0, 0, 0), "Mandarin", 0.8),
    "singapore": Region((.10, 0, 0, .60, .25, .05, 0, 0, 0), "English", 1.0),
}
REGION_NAMES = tuple(REGIONS)


@dataclass(frozen=True)
class Institution:
    """A place people work; abbreviations are listed in program.toml's institutions."""

    name: str
    abbreviation: str
    domain: str                     # reserved example domains: no real mailbox
    region: str
    kind: str                       # "academic" or "community"
    time_zone: str
    weight: float                   # relative number of sign-ups


INSTITUTIONS: tuple[Institution, ...] = (
    Institution("Lakeshore University Medical Center", "LUMC", "lakeshore-med.example.org",
                "us", "academic", "UTC-6", 8),
    Institution("Bayview University Hospital", "BUH", "bayview.example.edu", "us", "academic",
                "UTC-5", 8),
    Institution("Empire State Cancer Center", "ESCC", "escc.example.org", "us", "academic",
                "UTC-5", 7),
    Institution("Gulf Coast Comprehensive Cancer Center", "Gulf Coast Cancer Center",
                "gulfcoastcancer.example.org", "us", "academic", "UTC-6", 7),
    Institution("Cascadia Cancer Institute", "CCI", "cascadia.example.org", "us", "academic",
                "UTC-8", 6),
    Institution("Rocky Mountain University Hospital", "RMUH", "rmuh.example.edu", "us",
                "academic", "UTC-7", 4),
    Institution("Piedmont Health Sciences University", "PHSU", "phsu.example.edu", "us",
                "academic", "UTC-5", 5),
    Institution("Blue Ridge Regional Oncology", "BRRO", "blueridge-onc.example.com", "us",
                "community", "UTC-5", 4),
    Institution("Prairie Health Cancer Network", "Prairie Health", "prairiehealth.example.org",
                "us", "community", "UTC-6", 4),
    Institution("Desert Sun Radiation Oncology", "DSRO", "desertsun.example.com", "us",
                "community", "UTC-7", 3),
    Institution("Sierra Valley Medical Group", "SVMG", "sierravalley.example.com", "us",
                "community", "UTC-8", 4),
    Institution("Peachtree Cancer Specialists", "Peachtree Cancer", "peachtree.example.com",
                "us", "community", "UTC-5", 3),
    Institution("Great Lakes Cancer Centre", "GLCC", "glcc.example.ca", "canada_en",
                "academic", "UTC-5", 3),
    Institution("Université du Saint-Laurent", "USL", "usl.example.ca", "canada_fr",
                "academic", "UTC-5", 3),
    Institution("Hospital Universitario San Rafael", "HUSR", "husr.example.mx", "latam",
                "academic", "UTC-6", 2),
    Institution("Instituto de Oncología del Pacífico", "IOP", "iop.example.pe", "latam",
                "academic", "UTC-5", 1.5),
    Institution("Instituto Costa Verde de Oncologia", "ICVO", "costaverde.example.br",
                "brazil", "academic", "UTC-3", 1.5),
    Institution("Thames Valley Cancer Centre", "TVCC", "tvcc.example.uk", "uk", "academic",
                "UTC+0", 2),
    Institution("Institut Lumière de Cancérologie", "ILC", "lumiere.example.fr", "france",
                "academic", "UTC+1", 1.5),
    Institution("Rheinland University Clinic", "RUC", "rheinland.example.de", "germany",
                "academic", "UTC+1", 1.5),
    Institution("Pudong Eastern Cancer Hospital", "PECH", "pudong.example.cn", "china",
                "academic", "UTC+8", 2),
    Institution("Straits Oncology Centre", "SOC", "straits.example.sg", "singapore",
                "academic", "UTC+8", 1.5),
)
PERSONAL_DOMAIN = "mail.example.com"
# People who work remotely or moved: their time zone is not their institution's.
ELSEWHERE_TIME_ZONES = ("UTC-5", "UTC-6", "UTC-7", "UTC-8", "UTC-4", "UTC-10")

FIRST_NAMES = {  # group -> (women's names, men's names)
    "general": (
        ("Emily", "Sarah", "Jessica", "Rachel", "Lauren", "Megan", "Katherine", "Hannah",
         "Olivia", "Abigail", "Rebecca", "Allison", "Natalie", "Caroline", "Grace"),
        ("Michael", "David", "James", "Andrew", "Matthew", "Daniel", "Ryan", "Benjamin",
         "Jonathan", "Thomas", "Nathan", "Christopher", "Samuel", "Patrick", "William")),
    "hispanic": (
        ("María", "Sofía", "Camila", "Valentina", "Lucía", "Gabriela", "Daniela", "Isabel",
         "Ana", "Carolina", "Mariana", "Elena"),
        ("José", "Carlos", "Luis", "Alejandro", "Diego", "Javier", "Andrés", "Miguel",
         "Rafael", "Santiago", "Mateo", "Fernando")),
    "francophone": (
        ("Camille", "Chloé", "Manon", "Léa", "Émilie", "Julie", "Sophie", "Mélanie",
         "Isabelle", "Geneviève", "Claire", "Amélie"),
        ("Louis", "Mathieu", "Julien", "Antoine", "Nicolas", "Olivier", "Philippe",
         "François", "Étienne", "Guillaume", "Maxime", "Pierre")),
    "chinese": (
        ("Mei", "Xiaoling", "Yan", "Jing", "Hui", "Lina", "Wen", "Ying", "Qian", "Xin", "Fang",
         "Lan"),
        ("Wei", "Jun", "Hao", "Lei", "Ming", "Jian", "Tao", "Yong", "Bo", "Feng", "Peng",
         "Zhen")),
    "south_asian": (
        ("Priya", "Ananya", "Deepa", "Kavya", "Neha", "Sunita", "Anjali", "Pooja", "Shreya",
         "Meera", "Aditi", "Lakshmi"),
        ("Arjun", "Rahul", "Vikram", "Sanjay", "Rohan", "Amit", "Nikhil", "Karthik", "Ravi",
         "Suresh", "Aditya", "Vivek")),
    "arabic": (
        ("Layla", "Fatima", "Amira", "Noor", "Yasmin", "Hana", "Mariam", "Salma", "Rania",
         "Leila"),
        ("Omar", "Ahmed", "Khalid", "Yusuf", "Karim", "Tariq", "Samir", "Hassan", "Ziad",
         "Rami")),
    "lusophone": (
        ("Beatriz", "Juliana", "Larissa", "Fernanda", "Letícia", "Renata", "Tatiana", "Bruna",
         "Patrícia", "Ana Clara"),
        ("João", "Pedro", "Gustavo", "Rafael", "Thiago", "Lucas", "Felipe", "Bruno",
         "Rodrigo", "Eduardo")),
    "german": (
        ("Anna", "Katharina", "Lena", "Julia", "Sabine", "Miriam", "Franziska", "Johanna",
         "Laura", "Stefanie"),
        ("Lukas", "Jonas", "Felix", "Tobias", "Stefan", "Markus", "Florian", "Matthias",
         "Sebastian", "Andreas")),
    "korean": (
        ("Jiwoo", "Seoyeon", "Minji", "Eunji", "Hyejin", "Yuna", "Sora", "Jisoo"),
        ("Minjun", "Jihoon", "Hyun", "Sungmin", "Dongwoo", "Jaehyun", "Taeyang", "Junho")),
}
LAST_NAMES = {
    "general": ("Smith", "Johnson", "Miller", "Anderson", "Thompson", "Walker", "Brooks",
                "Bennett", "Collins", "Hughes", "Foster", "Reed", "Sullivan", "Murphy",
                "Carter", "Hayes", "Coleman", "Novak", "Kowalski", "O'Brien", "Jenkins",
                "Price", "Morgan", "Ellis"),
    "hispanic": ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
                 "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Morales", "Ortiz",
                 "Castillo", "Vargas"),
    "francophone": ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin",
                    "Lavoie", "Fortin", "Dubois", "Lefebvre", "Moreau", "Girard", "Bernard",
                    "Lambert"),
    "chinese": ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                "Xu", "Sun", "Lin", "Zhu"),
    "south_asian": ("Patel", "Sharma", "Gupta", "Reddy", "Iyer", "Nair", "Shah", "Rao",
                    "Mehta", "Kapoor", "Desai", "Menon", "Raman", "Joshi"),
    "arabic": ("Haddad", "Khalil", "Nasser", "Saleh", "Mansour", "Farah", "Aziz", "Hamdan",
               "Karam", "Abboud"),
    "lusophone": ("Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida",
                  "Ferreira", "Carvalho", "Ribeiro", "Barbosa"),
    "german": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
               "Becker", "Hoffmann", "Krause", "Neumann"),
    "korean": ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Han", "Shin"),
}

# --- Sentence templates: (text before the phrase, text after) ----------------------------
MENTEE_OPENERS = (
    ("I'm a fourth-year medical student applying to radiation oncology this cycle.",
     "I'm a medical student who recently discovered radiation oncology.",
     "As a third-year medical student, I'm still deciding whether radiation oncology is the "
     "right fit for me."),
    ("I'm a PGY-3 radiation oncology resident.",
     "I'm a second-year resident and starting to think about life after residency.",
     "I'm in my final year of residency."),
    ("I'm currently a clinical fellow.",
     "I'm a fellow finishing training next summer.",
     "I'm a research fellow with a clinical background."),
    ("I joined the faculty two years ago.",
     "I'm an early-career attending, about three years out of training.",
     "I recently started my first attending job."),
    ("I'm a mid-career radiation oncologist.",
     "I've been in practice for about ten years.",
     "I'm an associate professor looking for my next step."),
    ("I'm a senior physician taking on new responsibilities.",
     "After more than twenty years in practice, I'd like a fresh perspective.",
     "I'm a senior attending preparing for a change in role."),
)
GOAL_FIRST = (("This year I want to focus on ", "."), ("My main goal is ", "."),
              ("I'm hoping to get guidance on ", "."), ("I would really value help with ", "."),
              ("By the end of the year I'd like to have made real progress on ", "."))
GOAL_NEXT = (("I'd also like advice on ", "."), ("Another priority for me is ", "."),
             ("Beyond that, I'm interested in ", "."), ("A second goal: ", "."),
             ("I also want to work on ", "."))
MENTEE_SITE = (("Clinically I'm most interested in ", "."),
               ("I'd especially like to connect with someone who treats ", "."))
MENTEE_CLOSERS = (
    "", "", "I'd appreciate someone who is direct and honest with feedback.",
    "I'm flexible on timing and happy to meet early in the morning.",
    "I'm hoping for someone who has been through a similar path.",
    "Any help building a professional network would be great too.",
    "Thank you for organizing this program!",
)
TERSE_GOALS = (("Looking for help with ", "."), ("Guidance on ", " please."),
               ("Mostly ", " advice."))
MENTOR_OPENERS = (("I'm ", " at ", "."), ("I work at ", " as ", "."),
                  ("Currently ", " at ", "."))
OFFER_FIRST = (("I can help with ", "."), ("I have a lot of experience with ", "."),
               ("Much of my work involves ", "."), ("Mentees often come to me for advice on ", "."),
               ("Happy to talk about ", "."))
OFFER_NEXT = (("I'm also glad to discuss ", "."), ("I can also offer guidance on ", "."),
              ("Other interests include ", "."), ("I've also spent years on ", "."))
MENTOR_SITE = (("My clinical practice focuses on ", "."), ("I mostly treat ", "."))
MENTOR_CLOSERS = (
    "", "I enjoy meeting people early in their careers.",
    "My schedule is busy, so I prefer to plan meetings well ahead.",
    "I have mentored more than a dozen residents and students.",
    "Always glad to make introductions to colleagues.",
)


# --- Vectorised helpers --------------------------------------------------------------------
def _obj(values: object) -> np.ndarray:
    """A 1-D object array of Python strings (elementwise ``+`` concatenates)."""
    return np.asarray(values, dtype=object)


def _pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row from a (rows × categories) matrix of unnormalised weights."""
    cumulative = np.cumsum(probs, axis=1)
    draws = rng.random(len(probs)) * cumulative[:, -1]
    return np.minimum((draws[:, None] >= cumulative).sum(axis=1), probs.shape[1] - 1)


def _pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(p), size=n, p=np.asarray(p, dtype=float) / np.sum(p))


def _ranked(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Column indices of each row in a random order biased by ``weights`` (Gumbel top-k)."""
    keys = np.log(weights) + rng.gumbel(size=weights.shape)
    return np.argsort(-keys, axis=1, kind="stable")


def _top_mask(order: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Boolean (rows × columns) mask of each row's first ``counts`` columns of ``order``."""
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(order.shape[1])[None, :], axis=1)
    return ranks < counts[:, None]


def _join(mask: np.ndarray, labels: tuple[str, ...], separators: np.ndarray) -> np.ndarray:
    """Multi-select cells: the ticked labels in form order, joined by each row's separator."""
    out = np.full(len(mask), "", dtype=object)
    for column, label in enumerate(labels):
        glue = np.where(out == "", "", separators)
        out = np.where(mask[:, column], out + glue + label, out)
    return out


def _sentence(rng: np.random.Generator, templates: tuple[tuple[str, str], ...],
              phrases: np.ndarray) -> np.ndarray:
    """``before + phrase + after`` with a template drawn per row."""
    which = rng.integers(0, len(templates), len(phrases))
    before = _obj([t[0] for t in templates])[which]
    after = _obj([t[1] for t in templates])[which]
    return before + phrases + after


def _area_phrases(rng: np.random.Generator, area: np.ndarray, mentor: bool) -> np.ndarray:
    table = _obj([a.offers if mentor else a.wants for a in AREAS])  # (areas × 5) strings
    return table[area, rng.integers(0, table.shape[1], len(area))]


def _concat(*parts: np.ndarray) -> np.ndarray:
    """Join sentence arrays with single spaces, skipping empty sentences."""
    out = parts[0]
    for part in parts[1:]:
        out = np.where(part == "", out, np.where(out == "", part, out + " " + part))
    return out


def _timestamps(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    """Submission times in row order, formatted like a Google Forms export (M/D/YYYY H:MM:SS)."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    seconds = np.sort(rng.integers(0, int((end - start).total_seconds()), n))
    stamps = pd.DatetimeIndex(start + pd.to_timedelta(seconds, unit="s"))
    parts = [stamps.month, stamps.day, stamps.year, stamps.hour]
    month, day, year, hour = (_obj(np.asarray(p).astype(str)) for p in parts)
    minute, second = (_obj(pd.Index(p).astype(str).str.zfill(2))
                      for p in (stamps.minute, stamps.second))
    return month + "/" + day + "/" + year + " " + hour + ":" + minute + ":" + second


# --- People ----------------------------------------------------------------------------------
@dataclass
class People:
    """Identity and context of one sheet's respondents (parallel arrays, one row each)."""

    stage: np.ndarray
    institution: np.ndarray         # index into INSTITUTIONS
    institution_text: np.ndarray    # as typed (full name, abbreviation or lower case)
    track: np.ndarray
    site: np.ndarray                # index into SITES, -1 = undecided
    name: np.ndarray
    email: np.ndarray
    time_zone: np.ndarray
    languages: np.ndarray           # (rows × LANGUAGE_LABELS) bool
    gender: np.ndarray              # index into GENDERS
    gender_reported: np.ndarray     # bool
    background: np.ndarray          # index into BACKGROUNDS
    background_reported: np.ndarray

    def take(self, rows: np.ndarray, into: People, at: np.ndarray) -> None:
        """Copy people ``rows`` of self over rows ``at`` of ``into`` (one person, two sheets)."""
        for name in self.__dataclass_fields__:
            getattr(into, name)[at] = getattr(self, name)[rows]


def _people(rng: np.random.Generator, n: int, stage_p: np.ndarray) -> People:
    stage = _pick(rng, stage_p, n)
    institution = _pick(rng, np.array([i.weight for i in INSTITUTIONS]), n)
    inst_region = np.array([REGION_NAMES.index(i.region) for i in INSTITUTIONS])[institution]
    kinds = tuple(TRACK_P_BY_KIND)
    inst_kind = np.array([kinds.index(i.kind) for i in INSTITUTIONS])[institution]
    track = _pick_rows(rng, np.stack(list(TRACK_P_BY_KIND.values()))[inst_kind])
    site = _pick_rows(rng, SITE_P[None, :] * TRACK_SITE_BOOST[track])
    undecided = (stage == 0) & (rng.random(n) < 0.8)
    site = np.where(undecided, -1, site)

    spelling = rng.random(n)
    full = _obj([i.name for i in INSTITUTIONS])[institution]
    abbreviation = _obj([i.abbreviation for i in INSTITUTIONS])[institution]
    lower = _obj([i.name.lower() for i in INSTITUTIONS])[institution]
    institution_text = np.where(spelling < 0.78, full, np.where(spelling < 0.92, abbreviation,
                                                                 lower))

    group_p = np.array([REGIONS[r].group_p for r in REGION_NAMES])
    group = _pick_rows(rng, group_p[inst_region])
    gender = _pick(rng, np.array([0.49, 0.49, 0.02]), n)
    name_gender = np.where(gender == 2, rng.integers(0, 2, n), gender)
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    for g, group_name in enumerate(GROUPS):
        for s in (0, 1):
            rows = np.flatnonzero((group == g) & (name_gender == s))
            names = _obj(FIRST_NAMES[group_name][s])
            first[rows] = names[rng.integers(0, len(names), len(rows))]
        rows = np.flatnonzero(group == g)
        surnames = _obj(LAST_NAMES[group_name])
        last[rows] = surnames[rng.integers(0, len(surnames), len(rows))]
    name = first + " " + last
    local = (pd.Series(first + "." + last).str.normalize("NFKD")
             .str.encode("ascii", "ignore").str.decode("ascii").str.lower()
             .str.replace(r"[^a-z.]", "", regex=True))
    domain = np.where(rng.random(n) < 0.8, _obj([i.domain for i in INSTITUTIONS])[institution],
                      PERSONAL_DOMAIN)
    time_zone = _obj([i.time_zone for i in INSTITUTIONS])[institution]
    elsewhere = rng.random(n) < 0.06
    time_zone = np.where(elsewhere, _obj(ELSEWHERE_TIME_ZONES)[
        rng.integers(0, len(ELSEWHERE_TIME_ZONES), n)], time_zone)

    region_language = np.array([LANGUAGE_LABELS.index(REGIONS[r].language) for r in REGION_NAMES])
    group_language = np.array([LANGUAGE_LABELS.index(lang or "English") for lang in GROUP_LANGUAGE])
    english_p = np.array([REGIONS[r].english_p for r in REGION_NAMES])[inst_region]
    at_home = group_language[group] == region_language[inst_region]
    heritage_p = np.where(group == 0, 0.0, np.where(at_home, 0.97, 0.45))
    languages = np.zeros((n, len(LANGUAGE_LABELS)), dtype=bool)
    languages[:, 0] = rng.random(n) < english_p
    languages[np.arange(n), group_language[group]] |= rng.random(n) < heritage_p
    languages[:, 0] |= ~languages.any(axis=1)

    return People(
        stage=stage, institution=institution, institution_text=institution_text, track=track,
        site=site, name=name, email=_obj(local) + "@" + domain, time_zone=time_zone,
        languages=languages, gender=gender, gender_reported=rng.random(n) < 0.55,
        background=rng.integers(0, len(BACKGROUNDS), n),
        background_reported=rng.random(n) < 0.25,
    )


def _unique_emails(emails: np.ndarray) -> np.ndarray:
    """Make clashing addresses unique the way mail systems do: jane.doe2@..., jane.doe3@..."""
    if len(emails) == 0:
        return emails
    series = pd.Series(emails)
    nth = series.groupby(series).cumcount().to_numpy()
    parts = series.str.split("@", n=1, expand=True)
    suffix = np.where(nth > 0, _obj((nth + 1).astype(str)), "")
    return _obj(parts[0]) + suffix + "@" + _obj(parts[1])


def _same_institution_pick(rng: np.random.Generator, chooser_inst: np.ndarray,
                           pool_inst: np.ndarray) -> np.ndarray:
    """For each chooser, a random pool row at the same institution (any row if none there)."""
    order = np.argsort(pool_inst, kind="stable")
    counts = np.bincount(pool_inst, minlength=len(INSTITUTIONS))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    u = rng.random(len(chooser_inst))
    here = counts[chooser_inst]
    offset = np.minimum((u * here).astype(int), np.maximum(here - 1, 0))
    local = order[np.minimum(starts[chooser_inst] + offset, len(pool_inst) - 1)]
    anywhere = rng.integers(0, len(pool_inst), len(chooser_inst))
    return np.where(here > 0, local, anywhere)


def _site_text(people: People) -> tuple[np.ndarray, np.ndarray]:
    """(form answer, phrase) for each person's disease-site focus."""
    answers = _obj([s[0] for s in SITES] + [UNDECIDED_SITE])
    phrases = _obj([s[1] for s in SITES] + [""])
    return answers[people.site], phrases[people.site]


def _optional(values: np.ndarray, reported: np.ndarray) -> np.ndarray:
    return np.where(reported, values, "")


def _exclusions(rng: np.random.Generator, share: float, choosers: People, pool: People,
                separators: np.ndarray, second_share: float) -> np.ndarray:
    """'Do not match me with' answers: a colleague (same institution when possible)."""
    n = len(choosers.institution)
    out = np.full(n, "", dtype=object)
    if len(pool.institution) == 0:
        return out
    first = pool.email[_same_institution_pick(rng, choosers.institution, pool.institution)]
    second = pool.email[rng.integers(0, len(pool.institution), n)]
    # Someone on both sheets never names their own other sign-up.
    who = (rng.random(n) < share) & (first != choosers.email)
    two = who & (rng.random(n) < second_share) & (second != first) & (second != choosers.email)
    out = np.where(who, first, out)
    return np.where(two, out + separators + second, out)


# --- The two sheets -----------------------------------------------------------------------
def generate(n_mentees: int, n_mentors: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (mentors, mentees) response sheets: form headers, answers as text, seeded."""
    if n_mentees < 0 or n_mentors < 0:
        raise ValueError("n_mentees and n_mentors must be zero or more")
    rng = np.random.default_rng(seed)
    mentors = _people(rng, n_mentors, MENTOR_STAGE_P)
    mentees = _people(rng, n_mentees, MENTEE_STAGE_P)
    emails = _unique_emails(np.concatenate([mentors.email, mentees.email]))
    mentors.email, mentees.email = emails[:n_mentors], emails[n_mentors:]

    # A few mid-career people sign up on both sheets (same e-mail = same person).
    candidates = np.flatnonzero(np.isin(mentors.stage, (2, 3, 4)))
    n_both = min(len(candidates), round(0.02 * n_mentees))
    if n_both:
        mentors.take(rng.choice(candidates, n_both, replace=False), mentees,
                     rng.choice(n_mentees, n_both, replace=False))
    return _mentor_sheet(rng, mentors, mentees), _mentee_sheet(rng, mentees, mentors)


def _mentor_sheet(rng: np.random.Generator, people: People, mentees: People) -> pd.DataFrame:
    n = len(people.stage)
    separators = np.where(rng.random(n) < 0.75, ", ", "; ").astype(object)
    expertise_order = _ranked(rng, MENTOR_SUPPLY[None, :] * TRACK_AREA_BOOST[people.track])
    expertise_count = _pick(rng, np.array([0.15, 0.35, 0.3, 0.2]), n) + 2
    roles = rng.random((n, 3)) < np.array([0.85, 0.40, 0.50])
    roles[:, 0] |= ~roles.any(axis=1)
    site_answer, site_phrase = _site_text(people)

    opener_kind = rng.integers(0, len(MENTOR_OPENERS), n)
    noun = _obj(STAGE_NOUNS)[people.stage]
    inst = people.institution_text
    first_piece = np.where(opener_kind == 1, inst, noun)
    second_piece = np.where(opener_kind == 1, noun, inst)
    opener = (_obj([o[0] for o in MENTOR_OPENERS])[opener_kind] + first_piece
              + _obj([o[1] for o in MENTOR_OPENERS])[opener_kind] + second_piece
              + _obj([o[2] for o in MENTOR_OPENERS])[opener_kind])
    offer_1 = _sentence(rng, OFFER_FIRST, _area_phrases(rng, expertise_order[:, 0], True))
    offer_2 = _sentence(rng, OFFER_NEXT, _area_phrases(rng, expertise_order[:, 1], True))
    offer_3 = np.where(expertise_count >= 3, _sentence(
        rng, OFFER_NEXT, _area_phrases(rng, expertise_order[:, 2], True)), "")
    site_sentence = np.where((people.site >= 0) & (rng.random(n) < 0.6),
                             _sentence(rng, MENTOR_SITE, site_phrase), "")
    closer = _obj(MENTOR_CLOSERS)[rng.integers(0, len(MENTOR_CLOSERS), n)]
    bio = _concat(opener, site_sentence, offer_1, offer_2, offer_3, closer)

    capacity = _pick(rng, np.array([0.2, 0.35, 0.2, 0.12, 0.13]), n) + 1
    columns = {
        TIMESTAMP: _timestamps(rng, n, "2026-10-01 08:00", "2026-11-15 23:00"),
        EMAIL: people.email,
        NAME: people.name,
        STAGE: _obj(STAGE_LABELS)[people.stage],
        SITE: site_answer,
        INSTITUTION: people.institution_text,
        EXPERTISE: _join(_top_mask(expertise_order, expertise_count),
                         tuple(a.label for a in AREAS), separators),
        BIO: bio,
        ROLES: _join(roles, ROLE_LABELS, separators),
        CAPACITY: _obj(capacity.astype(str)),
        MODES: _join(_modes(rng, n), MODE_LABELS, separators),
        FREQUENCY: _obj(FREQUENCY_LABELS)[_pick(rng, MENTOR_FREQUENCY_P, n)],
        TIME_ZONE: people.time_zone,
        MENTOR_LANGUAGES: _join(people.languages, LANGUAGE_LABELS, separators),
        EXCLUDE: _exclusions(rng, 0.04, people, mentees, separators, second_share=0.3),
        MENTOR_GENDER: _optional(_obj(GENDERS)[people.gender], people.gender_reported),
        MENTOR_BACKGROUND: _optional(_obj(BACKGROUNDS)[people.background],
                                     people.background_reported),
    }
    return pd.DataFrame({h: columns[h] for h in MENTOR_HEADERS})


def _modes(rng: np.random.Generator, n: int) -> np.ndarray:
    modes = rng.random((n, len(MODE_LABELS))) < MODE_P
    modes[:, 1] |= ~modes.any(axis=1)
    return modes


def _mentee_sheet(rng: np.random.Generator, people: People, mentors: People) -> pd.DataFrame:
    n = len(people.stage)
    separators = np.where(rng.random(n) < 0.75, ", ", "; ").astype(object)
    network_size = _pick(rng, np.array([0.7, 0.2, 0.1]), n) + 1
    network_size = np.where(people.stage == 0, np.minimum(network_size, 2), network_size)
    need_order = _ranked(rng, STAGE_DEMAND[people.stage] * TRACK_AREA_BOOST[people.track])
    need_count = np.maximum(_pick(rng, np.array([0.2, 0.35, 0.3, 0.15]), n) + 1, network_size)

    # One mentor: usually "a mentor"; a network: a mentor plus a coach and/or an advisor.
    single = _pick(rng, np.array([0.8, 0.1, 0.1]), n)
    help_wanted = np.zeros((n, 3), dtype=bool)
    help_wanted[np.arange(n), single] = True
    extra = rng.random((n, 2)) < 0.6
    extra[np.arange(n), rng.integers(0, 2, n)] |= ~extra.any(axis=1)
    network = network_size > 1
    help_wanted[network, 0] = rng.random(int(network.sum())) < 0.9
    help_wanted[network, 1:] = extra[network]

    preferences = rng.random((n, len(PREFERENCE_LABELS))) < np.array(
        [0.10, 0.06, 0.08, 0.03, 0.04, 0.12])
    preferences[:, 0] &= people.gender != 2
    preferences[:, 2] &= people.site >= 0
    preferences[:, 3] &= ~preferences[:, 2] & (people.site >= 0)
    preferences[:, 4] &= ~preferences[:, 5]
    # Only someone who asks for it shares gender or background, and then always does.
    gender_reported = people.gender_reported | preferences[:, 0]
    background_reported = people.background_reported | preferences[:, 1]

    site_answer, site_phrase = _site_text(people)
    opener_table = _obj(MENTEE_OPENERS)
    opener = opener_table[people.stage, rng.integers(0, opener_table.shape[1], n)]
    goal_1 = _sentence(rng, GOAL_FIRST, _area_phrases(rng, need_order[:, 0], False))
    goal_2 = np.where((need_count >= 2) & (rng.random(n) < 0.8), _sentence(
        rng, GOAL_NEXT, _area_phrases(rng, need_order[:, 1], False)), "")
    site_sentence = np.where((people.site >= 0) & (rng.random(n) < 0.5),
                             _sentence(rng, MENTEE_SITE, site_phrase), "")
    closer = _obj(MENTEE_CLOSERS)[rng.integers(0, len(MENTEE_CLOSERS), n)]
    goals = _concat(opener, goal_1, goal_2, site_sentence, closer)
    terse = _sentence(rng, TERSE_GOALS, _obj([a.topic for a in AREAS])[need_order[:, 0]])
    effort = rng.random(n)
    goals = np.where(effort < 0.02, "", np.where(effort < 0.07, terse, goals))

    columns = {
        TIMESTAMP: _timestamps(rng, n, "2026-10-05 08:00", "2026-11-30 23:00"),
        EMAIL: people.email,
        NAME: people.name,
        STAGE: _obj(STAGE_LABELS)[people.stage],
        SITE: site_answer,
        INSTITUTION: people.institution_text,
        NEEDS: _join(_top_mask(need_order, need_count), tuple(a.label for a in AREAS),
                     separators),
        GOALS: goals,
        HELP_WANTED: _join(help_wanted, ROLE_LABELS, separators),
        NETWORK_SIZE: _obj(network_size.astype(str)),
        MODES: _join(_modes(rng, n), MODE_LABELS, separators),
        FREQUENCY: _obj(FREQUENCY_LABELS)[_pick(rng, MENTEE_FREQUENCY_P, n)],
        TIME_ZONE: people.time_zone,
        MENTEE_LANGUAGES: _join(people.languages, LANGUAGE_LABELS, separators),
        PREFERENCES: _join(preferences, PREFERENCE_LABELS, separators),
        EXCLUDE: _exclusions(rng, 0.03, people, mentors, separators, second_share=0.0),
        MENTEE_GENDER: _optional(_obj(GENDERS)[people.gender], gender_reported),
        MENTEE_BACKGROUND: _optional(_obj(BACKGROUNDS)[people.background],
                                     background_reported),
    }
    return pd.DataFrame({h: columns[h] for h in MENTEE_HEADERS})


# --- Planted quirks (shipped sample only) ------------------------------------------------
@dataclass(frozen=True)
class Quirk:
    """One real-world answer mistake: the first row ``where`` holds gets ``change``d."""

    sheet: str                                  # "mentors" or "mentees"
    column: str
    description: str
    where: Callable[[pd.Series], pd.Series]     # column values -> bool mask of candidates
    change: Callable[[str], str]


def _first_excluded_mentor(mentors: pd.DataFrame, mentees: pd.DataFrame) -> pd.Series:
    excluded = set(mentees[EXCLUDE].str.split(r"[;,]\s*").explode())
    return mentors[EMAIL].isin(excluded)


QUIRKS: tuple[Quirk, ...] = (
    Quirk("mentees", NAME, "trailing spaces after a name",
          lambda s: s != "", lambda v: v + "  "),
    Quirk("mentees", STAGE, "career stage typed in lower case",
          lambda s: s == STAGE_LABELS[1], str.lower),
    Quirk("mentees", NEEDS, "a multi-select answer in upper case",
          lambda s: s.str.contains(", "), str.upper),
    Quirk("mentees", PREFERENCES, '"N/A" in an optional question',
          lambda s: s == "", lambda v: "N/A"),
    Quirk("mentees", TIME_ZONE, 'time zone written "EST"',
          lambda s: s == "UTC-5", lambda v: "EST"),
    Quirk("mentees", TIME_ZONE, 'time zone written "America/Chicago"',
          lambda s: s == "UTC-6", lambda v: "America/Chicago"),
    Quirk("mentees", MENTEE_LANGUAGES, 'Spanish written "Español"',
          lambda s: s.str.contains("Spanish"), lambda v: v.replace("Spanish", "Español")),
    Quirk("mentees", MODES, 'video calls written "zoom"',
          lambda s: s == MODE_LABELS[1], lambda v: "zoom"),
    Quirk("mentors", CAPACITY, 'capacity written "two"',
          lambda s: s == "2", lambda v: "two"),
    Quirk("mentors", CAPACITY, 'capacity written as a range "2-3" (read as 2)',
          lambda s: s == "2", lambda v: "2-3"),
    Quirk("mentors", CAPACITY, 'capacity "as many as needed" (read as max_capacity, 5)',
          lambda s: s == "5", lambda v: "as many as needed"),
    Quirk("mentors", TIME_ZONE, 'time zone written "PST"',
          lambda s: s == "UTC-8", lambda v: "PST"),
    Quirk("mentors", STAGE, 'career stage written as a title ("Associate professor")',
          lambda s: s == STAGE_LABELS[4], lambda v: "Associate professor"),
    Quirk("mentors", MENTOR_BACKGROUND, '"n/a" in an optional question',
          lambda s: s == "", lambda v: "n/a"),
)
#: The e-mail quirk needs both sheets: a mentor some mentee excludes, typed with capitals
#: and spaces, so the exclusion only works once ids are normalised.
EMAIL_QUIRK = "an e-mail address with capitals and surrounding spaces (excluded by a mentee)"


def apply_quirks(mentors: pd.DataFrame, mentees: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Plant :data:`QUIRKS` (each on a different row) and the e-mail quirk; return a log.

    Each quirk keeps the answer's meaning, so the sheets read the same after intake.
    """
    sheets = {"mentors": mentors.copy(), "mentees": mentees.copy()}
    used: dict[str, set[int]] = {"mentors": set(), "mentees": set()}
    log: list[str] = []

    def plant(sheet: str, column: str, description: str, candidates: pd.Series,
              change: Callable[[str], str]) -> None:
        frame = sheets[sheet]
        rows = [r for r in np.flatnonzero(candidates.to_numpy()) if r not in used[sheet]]
        if not rows:
            raise ValueError(f"no {sheet} row to plant {description!r} in; use a larger cohort")
        row = int(rows[0])
        used[sheet].add(row)
        before = frame.at[row, column]
        frame.at[row, column] = change(before)
        log.append(f"{sheet}.csv row {row + 2}, {column!r}: {description} "
                   f"({before!r} -> {frame.at[row, column]!r})")

    excluded = _first_excluded_mentor(mentors, mentees)
    plant("mentors", EMAIL, EMAIL_QUIRK, excluded if excluded.any() else mentors[EMAIL] != "",
          lambda v: " " + v.title() + " ")
    for quirk in QUIRKS:
        frame = sheets[quirk.sheet]
        plant(quirk.sheet, quirk.column, quirk.description, quirk.where(frame[quirk.column]),
              quirk.change)
    return sheets["mentors"], sheets["mentees"], log


# --- Files -------------------------------------------------------------------------------
def _excel_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers as numbers, as a Google Sheets .xlsx export stores them."""
    return frame.apply(lambda column: column.map(lambda v: int(v) if v.isdigit() else v))


def write(out_dir: str | Path, n_mentees: int, n_mentors: int, seed: int, xlsx: bool = False,
          quirks: bool = False) -> list[Path]:
    """Write mentors.csv and mentees.csv (and cohort.xlsx) to ``out_dir``; return the paths."""
    mentors, mentees = generate(n_mentees, n_mentors, seed)
    if quirks:
        mentors, mentees, _ = apply_quirks(mentors, mentees)
    return write_frames(out_dir, mentors, mentees, xlsx=xlsx)


def write_frames(out_dir: str | Path, mentors: pd.DataFrame, mentees: pd.DataFrame,
                 xlsx: bool = False) -> list[Path]:
    """Write two sheets as mentors.csv / mentees.csv (UTF-8, "\\n") and optionally cohort.xlsx."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "mentors.csv", out / "mentees.csv"]
    for frame, path in zip((mentors, mentees), paths, strict=True):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    if xlsx:
        paths.append(out / "cohort.xlsx")
        with pd.ExcelWriter(paths[-1], engine="openpyxl") as book:
            _excel_cells(mentors).to_excel(book, sheet_name="Mentors", index=False)
            _excel_cells(mentees).to_excel(book, sheet_name="Mentees", index=False)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: ``generate.py --mentees N --mentors M --seed S --out DIR [--xlsx]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=SAMPLE_MENTEES)
    parser.add_argument("--mentors", type=int, default=SAMPLE_MENTORS)
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED)
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--xlsx", action="store_true", help="also write cohort.xlsx")
    parser.add_argument("--quirks", action="store_true",
                        help="plant the documented real-world answer mistakes")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        mentors, mentees = generate(args.mentees, args.mentors, args.seed)
        log: list[str] = []
        if args.quirks:
            mentors, mentees, log = apply_quirks(mentors, mentees)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    generated = time.perf_counter() - started
    paths = write_frames(args.out, mentors, mentees, xlsx=args.xlsx)
    print(f"generated {args.mentors} mentors and {args.mentees} mentees in {generated:.2f} s, "
          f"written in {time.perf_counter() - started - generated:.2f} s: "
          f"{', '.join(str(p) for p in paths)}")
    if log:
        print("planted quirks:\n  " + "\n  ".join(log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
