"""The answer-type taxonomy of question answering: which entity labels answer a question whose
wh-word governs a given noun ("which *company*": ORG). General English nouns, not words of any corpus."""

from __future__ import annotations

from assistant.retrieve.titles import TITLES

PERSON, ORG, NORP, PLACES = "PERSON", "ORG", "NORP", frozenset({"GPE", "LOC", "FAC"})
NAMED = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
TIMES = frozenset({"DATE", "TIME"})
VENUES, EVENTS = frozenset({"FAC", "LOC"}), frozenset({"EVENT", ORG})
WORKS = frozenset({"WORK_OF_ART", "PRODUCT"})
# Types the small model tags unreliably (events, works, venues): a sentence without one may still answer
LOOSE = frozenset({"EVENT", "WORK_OF_ART", "PRODUCT", "FAC"})
LOOSE_CLASSES = (EVENTS, WORKS)
RANKS = frozenset({"ORDINAL", "CARDINAL"})
AMOUNTS = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})
# Noun (lemma) the wh-word governs -> entity labels that answer it.
HEAD_CLASSES: dict[frozenset[str], frozenset[str]] = {
    frozenset({PERSON}): frozenset(
        "person people man woman official minister president senator leader spokesman spokeswoman spokesperson "
        "player singer actor actress star manager executive boss director chairman secretary ambassador diplomat "
        "envoy author writer candidate winner member premier politician mp economist analyst coach captain "
        "founder judge chief musician artist presenter host rapper striker goalkeeper champion resident villager "
        "inhabitant citizen voter worker employee fan viewer user customer student child patient passenger "
        "victim".split()) | TITLES,
    frozenset({ORG, NORP}): frozenset(
        "company firm group organisation organization bank band party team club agency business brand carrier "
        "airline network broadcaster channel label retailer maker manufacturer chipmaker producer supplier union "
        "newspaper studio body institution university school giant operator rival regulator court".split()),
    VENUES: frozenset("building hotel venue hall palace residence restaurant stadium airport compound "
                              "guesthouse room theatre theater".split()),
    PLACES: frozenset("city town capital country nation state province region place county continent "
                               "island location destination market".split()),
    frozenset({"DATE"}): frozenset("year date day month week season decade period".split()),
    TIMES: frozenset({"time", "hour", "minute", "second"}) | frozenset(
        "term sentence ban suspension spell stint tenure".split()),  # periods: answered by "85 years"
    frozenset({"MONEY"}): frozenset("price cost amount sum fee salary fine value revenue profit loss sale "
                                    "budget bill turnover earning earnings income debt wage".split()),
    frozenset({"PERCENT", "CARDINAL"}): frozenset("percentage rate share proportion".split()),
    frozenset({"CARDINAL", "QUANTITY"}): frozenset({"number", "total"}),
    RANKS: frozenset({"rank", "position", "edition"}),
    EVENTS: frozenset("event summit conference tournament competition championship title".split()),
    WORKS: frozenset("film movie album song book show game programme device gadget product console".split()),
}
PERSON_NOUNS = next(nouns for labels, nouns in HEAD_CLASSES.items() if labels == {PERSON})


def kind_of(noun: str) -> frozenset[str]:
    """The nouns of the answer-type class a noun belongs to ("maker": company, firm, …), or none."""
    return next((nouns for nouns in HEAD_CLASSES.values() if noun in nouns), frozenset())
