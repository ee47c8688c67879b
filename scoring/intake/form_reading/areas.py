"""The built-in catalogue of mentoring areas: the keys ``init`` gives a form's area labels.

The areas vocabulary is open (every program lists its own topics), but most programs ask
about the same few: research, grant writing, publishing, career planning, leadership,
teaching, work-life balance ... An area's key is more than a name: the goal-text
component reads it (a mentor's expertise text is their bio plus their areas' keys as
words, :func:`scoring.features.expertise_text`), so "Research/Scholarship" keyed
``research`` scores like the shipped sample config, and two programs that ask the same
thing get the same keys. Each built-in key has word patterns on folded text
(:func:`scoring.text.fold`); a label matching none keeps a key made of its whole text.
The catalogue's first keys are the shipped sample's, in its order.
"""

from __future__ import annotations

#: Built-in area key → patterns (regular expressions on folded text) that recognise it.
AREA_PATTERNS: dict[str, tuple[str, ...]] = {
    "research": (r"\bresearch\b", r"\bscholarship\b", r"\binvestigacion\b",
                 r"\brecherche\b", r"\bpesquisa\b"),
    "grant_writing": (r"\bgrants?\b", r"\bfunding\b", r"\bpropuestas?\b"),
    "clinical_skills": (r"\bclinical skills?\b", r"\bcontouring\b", r"\btreatment planning\b",
                        r"\bprocedural skills?\b"),
    "brachytherapy": (r"\bbrachy",),
    "proton_therapy": (r"\bproton", r"\bparticle therap"),
    "leadership": (r"\bleadership\b", r"\bleading (people|teams?|others)\b",
                   r"\badministration\b", r"\bmanaging (people|teams?|staff)\b",
                   r"\bpeople management\b", r"\bliderazgo\b"),
    "career_planning": (r"\bcareers? (planning|development|paths?|progression|advice"
                        r"|transitions?|options|choices)\b",
                        r"\bjob (search|hunt\w*|market|applications?)\b",
                        r"\btrayectorias?\b", r"\bcarriere\b"),
    "work_life_balance": (r"\bwork ?life\b", r"\bwellness\b", r"\bwell ?being\b",
                          r"\bburn ?out\b", r"\bself care\b"),
    "teaching": (r"\bteaching\b", r"\bmedical education\b", r"\bpedagog", r"\bcurriculum\b",
                 r"\bdocencia\b", r"\benseignement\b"),
    "health_equity": (r"\bhealth equity\b", r"\bglobal (health|oncology)\b",
                      r"\bdiversity\b", r"\bequity\b", r"\binclusion\b", r"\bdei\b"),
    "private_practice": (r"\bprivate practice\b", r"\bcommunity practice\b"),
    "publishing": (r"\bpublish", r"\bpublication", r"\bmanuscripts?\b",
                   r"\b(scientific|academic) writing\b", r"^writing\b"),
    "ai_data_science": (r"\bai\b", r"\bartificial intelligence\b", r"\bmachine learning\b",
                        r"\bdata science\b", r"\binformatics\b"),
    "data_analysis": (r"\bdata analysis\b", r"\bstatistic", r"\banalytics\b",
                      r"\bestadistica\b"),
    "promotion": (r"\bpromotion\b", r"\btenure\b", r"\bpromocion\b"),
    "networking": (r"\bnetworking\b", r"\b(building|grow\w*) (a |your |my )?network\b"),
    "public_speaking": (r"\bpublic speaking\b", r"\bpresentation skills?\b",
                        r"\bpresenting\b"),
    "negotiation": (r"\bnegotiat",),
    "supervision": (r"\bsupervis",),
    "project_management": (r"\bproject (management|delivery|planning)\b",),
    "entrepreneurship": (r"\bentrepreneur", r"\bstart ?ups?\b"),
    "industry_careers": (r"\bindustry careers?\b", r"\bcareers? in industry\b"),
}
