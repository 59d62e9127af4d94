"""Find the verb a wh-question asks about, without a tagger.

"What did Qin Gang call the top priority?" asks about calling; "What did US trade
officials discuss?" about discussing ("trade" is a noun there). Lexicon readings stand in
for a part-of-speech tagger (no model runs offline here that is worth its load time).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.retrieve import lexicon

AUXILIARIES = {"did", "does", "do", "will", "would", "could", "can", "should", "might", "may", "must", "has", "have",
               "had"}
PASSIVE_AUXILIARIES = {"was", "were", "is", "are", "been", "be", "being"}
PRONOUNS = {"i", "you", "he", "she", "it", "we", "they", "one"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their", "our", "both",
               "two", "three", "each", "all", "some", "any", "other", "another"}
WH_WORDS = {"what", "which", "where", "when", "who", "whom", "how", "why"}


def _is_name_or_modifier(word: str) -> bool:
    return word[:1].isupper() or word.lower() in DETERMINERS | PRONOUNS \
        or word.lower().endswith(("'s", "\u2019s"))


def _noun_only(word: str | None) -> bool:
    readings = lexicon.readings(word) if word else {}
    return "NOUN" in readings and "VERB" not in readings


def _verb_after_subject(word: str, previous: str | None, following: str | None) -> bool:
    """Is this the base-form verb that ends "did <subject> …"? Lexicon readings stand in for a
    tagger: "Qin Gang call the…" is a verb, "US trade officials", "the two sides" are nouns."""
    readings = lexicon.readings(word)
    if _is_name_or_modifier(word) or "VERB" not in readings or {"AUX", "ADV", "ADP"} & readings.keys():
        return False
    if _noun_only(following):
        return False  # a modifier: "trade officials", "top diplomat"
    noun_like = bool({"NOUN", "ADJ"} & readings.keys()) or word.endswith("ed")
    return not (noun_like and previous is not None and _modifies(previous))  # "the two sides", "foreign minister"


def _modifies(previous: str) -> bool:
    """Does this word start or extend a noun phrase ("the", "foreign"), rather than end a subject
    ("Raimondo", "he") after which a verb follows?"""
    if previous[:1].isupper() or previous.lower() in PRONOUNS:
        return False
    return previous.lower() in DETERMINERS or "VERB" not in lexicon.readings(previous)


def _is_participle(word: str) -> bool:
    lemma = lexicon.verb_lemma(word)
    readings = lexicon.readings(word)
    plural_noun = any(l != word.lower() for l in readings.get("NOUN", ()))
    return bool(lemma) and lemma != word.lower() and not word[:1].isupper() and not word.endswith("ing") \
        and not plural_noun and not {"AUX", "ADV", "ADP"} & readings.keys()


@dataclass(frozen=True)
class Predicate:
    lemma: str
    word: str  # as written in the question ("accompanied")
    shape: str  # "active" | "passive" | "subject"


@lru_cache(maxsize=256)  # asked once for the paraphrase probe and once for the checks
def asked_predicate(question: str) -> Predicate | None:
    """The verb of the event a wh-question asks about, in one of three shapes:

    - "active":  "<wh…> did|will <subject> VERB …"      (What did Qin and Burns agree on?)
    - "passive": "<wh…> was|were [<subject>] VERB-ed …"  (Where was the balloon shot down?)
    - "subject": "Who|Which <noun…> VERB-ed …"           (Which senator accompanied Raimondo?)
    """
    words = lexicon.words(question)
    lowered = [w.lower() for w in words]
    if not any(w in WH_WORDS for w in lowered[:4]):
        return None
    for i, w in enumerate(lowered):
        if w in AUXILIARIES or w in PASSIVE_AUXILIARIES:
            shape = "passive" if w in PASSIVE_AUXILIARIES else "active"
            return _predicate(_first_verb(words[i + 1 :], participle=shape == "passive"), shape)
        if lowered[0] in ("who", "which", "what") and i > 0 and _is_participle(words[i]):
            return _predicate(words[i], "subject")
    return None


def _predicate(word: str | None, shape: str) -> Predicate | None:
    lemma = lexicon.verb_lemma(word) if word else None
    return Predicate(lemma, word, shape) if lemma and word else None


def _first_verb(words: list[str], participle: bool) -> str | None:
    for k, word in enumerate(words):
        previous = words[k - 1] if k else None
        following = words[k + 1] if k + 1 < len(words) else None
        if participle and word.lower().endswith("ing") and lexicon.verb_lemma(word):
            return None  # progressive ("was hinting"), not passive
        if participle and _is_participle(word):
            return word
        if not participle and _verb_after_subject(word, previous, following):
            return word
    return None
