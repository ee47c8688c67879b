"""Strategies for free text: the goals and bios a TF-IDF model reads.

Corpora mix words that repeat (so terms recur within and across documents, and bigrams
form), English stop words (so neighbours across a removed word pair up), arbitrary
Unicode (accents, scripts without case, marks, digits, punctuation, controls), blank and
white-space-only documents, and long documents whose rows hold many terms.
"""

from __future__ import annotations

from hypothesis import strategies as st

#: A few words that repeat, stop words among them, some with accents or another script.
WORDS = ("research", "grant", "writing", "grant", "the", "and", "of", "leadership",
         "Clinical", "TRIALS", "médecine", "équipe", "研究", "λόγος", "ok", "a", "x1", "__",
         "naïve", "İstanbul", "straße", "ﬁnance", "42", "co-author", "don't")


def word_text() -> st.SearchStrategy[str]:
    """Text built from :data:`WORDS` with random separators: terms repeat, bigrams form."""
    separator = st.sampled_from([" ", "  ", ", ", ". ", "\n", "\t", "/", "-", " — ", ";"])
    return st.lists(st.tuples(st.sampled_from(WORDS), separator), max_size=40).map(
        lambda parts: "".join(word + sep for word, sep in parts))


def documents() -> st.SearchStrategy[list[str]]:
    """A corpus of 1–12 documents: word texts, arbitrary Unicode, blanks."""
    document = st.one_of(word_text(), word_text(), st.text(max_size=60),
                         st.sampled_from(["", " ", "\n", "the and of", "a b c"]))
    return st.lists(document, min_size=1, max_size=12)
