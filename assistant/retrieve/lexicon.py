"""English word readings from lemminflect's lexicon: which parts of speech a word can be,
and their lemmas ("met" -> VERB "meet"). No model and no download: reading questions needs
to know that "agreed" is a form of "agree" and that "officials" is only a noun.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from assistant.retrieve.terms import fold

log = logging.getLogger(__name__)

LEXICON_FILE = "resources/lemma_lu.csv.gz"
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """lemminflect's lemma table, word -> "upos,lemma/lemma;upos,…", read directly from its data file.

    Importing lemminflect and letting `getAllLemmas` parse the same file takes 0.38 s, a quarter
    of the cold `ask` budget; this takes 0.07 s. Empty if the file moved (then `readings` asks
    lemminflect itself; `tests/test_presuppositions.py` checks both agree)."""
    import gzip
    import importlib.util

    spec = importlib.util.find_spec("lemminflect")
    table: dict[str, str] = {}
    try:
        folder = Path(next(iter(spec.submodule_search_locations)))  # type: ignore[union-attr]
        text = gzip.decompress((folder / LEXICON_FILE).read_bytes()).decode("utf-8")
    except (OSError, TypeError, AttributeError, StopIteration):
        log.warning("lemminflect's lexicon file %s not found: using its API", LEXICON_FILE)
        return table
    for line in text.splitlines():
        word, _, reading = line.partition(",")
        known = table.get(word)
        table[word] = reading if known is None else f"{known};{reading}"
    return table


@lru_cache(maxsize=8192)
def readings(word: str) -> dict[str, tuple[str, ...]]:
    """Part-of-speech readings of a word with their lemmas: {"VERB": ("meet",), "NOUN": ("meeting",)}."""
    word = word.lower()
    table = lexicon()
    if not table:
        from lemminflect import getAllLemmas

        return dict(getAllLemmas(word))
    found: dict[str, tuple[str, ...]] = {}
    for entry in filter(None, table.get(word, "").split(";")):
        upos, _, lemmas = entry.partition(",")
        found[upos.upper()] = tuple(lemmas.split("/"))
    return found


def verb_lemma(word: str) -> str | None:
    lemmas = readings(word).get("VERB")
    return lemmas[0] if lemmas else None


def words(text: str) -> list[str]:
    return [w.strip("'\u2019-") for w in WORD.findall(fold(text))]
