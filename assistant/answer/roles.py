"""What a claim's grammar says that its words alone do not: who does what, whether it states anything, who speaks.

The guard's wording and meaning scores cannot see roles: "Raimondo said he was ready to make
new positive efforts" shares every word with "Li Qiang told Raimondo he was ready to make new
positive efforts", and a 1.5B model writes such reversals (docs/llm.md). spaCy's parse gives
each name its role; a name that is the active subject of a claim's verb, but only ever the
object of one in the evidence (told *Raimondo*, *Raimondo* was told), is a reversed role.
The same parse tells a bare answer ("$50,000", no verb) from a statement, and first- or
second-person words outside quotation marks tell a speaker's words lifted out of their quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.retrieve.terms import fold

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Roles that make a noun the one acted upon (ClearNLP labels, as spaCy's English models use).
ACTED_UPON = frozenset({"dobj", "dative", "iobj", "nsubjpass"})
# Links inside one noun phrase or list: the phrase's role is the role of the word they lead to.
PHRASE_LINKS = frozenset({"compound", "flat", "conj", "appos"})
# First and second person: in an answer about the news they are a speaker's words lifted out of their quote.
SPEAKER_PRONOUNS = frozenset("i me my mine we us our ours you your yours".split())
QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")
# What a verb does to something or says ("told Raimondo", "said he was ready", "was ready to make"): a subject
# with none of these ("came second", "would come to Griffin Park") acts on no one whose role could be reversed.
COMPLEMENTS = frozenset({"dobj", "dative", "iobj", "ccomp", "xcomp", "acomp", "attr", "obj"})
# Verbs whose subject and object can trade places without changing the fact ("He met Raimondo").
SYMMETRIC = frozenset({"meet", "marry", "face", "play", "join", "partner"})


@lru_cache(maxsize=4096)
def _parse(text: str) -> Doc:
    from assistant.retrieve.spacy_pipeline import parse

    return parse(text)


def _key(token: Token) -> str:
    return fold(token.text).lower()


def _phrase_role(token: Token) -> tuple[str, Token]:
    """The dependency label of the phrase the token stands in, and the word it hangs from."""
    while token.dep_ in PHRASE_LINKS and token.head is not token:
        token = token.head
    return token.dep_, token.head


def _acts(verb: Token) -> bool:
    """A verb saying what its subject does or is ready to do ("said", "was ready to make"), not what it is
    called ("is the Commerce Secretary": names and titles are the name checks' job)."""
    if verb.pos_ == "VERB":
        return verb.lemma_ not in SYMMETRIC
    return verb.pos_ == "AUX" and any(c.dep_ == "acomp" for c in verb.children)


def _subject_names(doc: Doc) -> list[Token]:
    """The words of proper names that are the active subject of a verb."""
    out = []
    for token in doc:
        role, verb = _phrase_role(token)
        if token.pos_ == "PROPN" and role == "nsubj" and _acts(verb):
            out.append(token)
    return out


def reversed_roles(claim: str, evidence: Sequence[str]) -> list[str]:
    """Names the claim makes the subject of a verb that the evidence has only as objects."""
    found: dict[str, None] = {}
    docs = [_parse(text) for text in evidence]
    for name in _subject_names(_parse(claim)):
        if not any(c.dep_ in COMPLEMENTS for c in _phrase_role(name)[1].children):
            continue  # "The iPod came second" over "It beats the iPod into second place": nothing done to another
        roles = [_phrase_role(t)[0] for doc in docs for t in doc if _key(t) == _key(name)]
        if roles and all(r in ACTED_UPON for r in roles):
            found[name.text] = None
    return list(found)


# A word and a name this close in a passage sentence may be one person ("Commerce Secretary Gina Raimondo").
LINK_WINDOW = 4


def _linked(word: str, name: str, texts: Sequence[str]) -> bool:
    for text in texts:
        keys = [_key(t) for t in _parse(text)]
        at = [i for i, k in enumerate(keys) if k == word]
        if any(abs(i - j) <= LINK_WINDOW for i in at for j, k in enumerate(keys) if k == name):
            return True
    return False


def swapped_doers(claim: str, evidence: Sequence[str], passages: Sequence[str]) -> list[str]:
    """Doers of the claim that its evidence does not name, where the evidence names another doer and no
    passage puts the two together: "China's foreign minister urged the US envoy to return to a rational
    China policy" over "'We hope the US side will return to a rational … China policy,' Liu said" (Liu is an
    embassy spokesman; seeds q033). A pronoun doer in the evidence ("she defended the curbs") names no one
    else, and "the commerce secretary" over "Raimondo" stands where a passage says "Commerce Secretary Gina
    Raimondo"."""
    def key(token: Token) -> str:
        return _key(token).replace(".", "")  # "U.S." = "US"

    doc = _parse(claim)
    said = {key(t) for t in doc}
    present = {key(t) for text in evidence for t in _parse(text)}
    others = {_key(t) for text in evidence for t in _subject_names(_parse(text)) if key(t) not in said}
    if not others:
        return []
    out = []
    for token in doc:  # the doer of the claim's main verb ("Wang Wenbin said the US could not…": Wang Wenbin)
        if (token.dep_ != "nsubj" or token.head.dep_ != "ROOT" or token.pos_ not in {"NOUN", "PROPN"}
                or not _acts(token.head)):
            continue
        if key(token) in present or any(_linked(_key(token), o, passages) for o in others):
            continue
        out.append(token.text)
    return out


def opens_with_common_word(text: str) -> bool:
    """Is the capitalised first word a verb, adverb, preposition… ("Buying every gadget…"), not a name or noun?"""
    doc = _parse(text)
    return len(doc) > 0 and doc[0].pos_ in {"VERB", "AUX", "ADV", "ADP", "SCONJ", "CCONJ", "DET", "PRON"}


def has_verb(text: str) -> bool:
    """Does the text state something (a verb), or only name something (a bare noun phrase)?"""
    return any(t.pos_ in {"VERB", "AUX"} for t in _parse(text))


def unquoted_speech(claim: str) -> list[str]:
    """First- or second-person words outside quotation marks: "The premier hinted … by asking him to reiterate
    to you our desire…" (Biden's words, relayed by Raimondo) no longer says who speaks to whom."""
    bare = QUOTED.sub(" ", claim)
    words = re.findall(r"[A-Za-z]+(?!\.\s?[A-Z]\b)", bare)  # not an initial: "I. M. Pei"
    return [w for w in words if w.lower() in SPEAKER_PRONOUNS and w != "US"]


def setting_words(claim: str, asked: set[str] | frozenset[str]) -> set[str]:
    """Words of names the question gives that the claim uses as a setting: the object of a preposition
    ("… was named best actress *at the Independent Spirit Awards*"), not a subject or object.

    Restating where or when the question says the thing happened joins no facts: the answer part of
    the claim still has to stand in one evidence sentence. A name that is a subject or object is a
    fact of the claim, whatever the question says ("Glenmorangie was bought by Diageo").
    """
    out: set[str] = set()
    for token in _parse(claim):
        if _key(token) not in asked:
            continue
        role, head = _phrase_role(token)
        if role == "pobj" and head.dep_ == "prep" and head.lower_ != "of":  # "the president of France": a fact
            out.add(_key(token))
    return out
