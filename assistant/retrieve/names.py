"""Is a name the question gives written in a text? By any of its parts, as written, but not where
that part starts another name ("Alan Clark" does not name Alan Milburn), nor a name of everyday
words by its final plural noun alone, and allowing a long rare name one typing slip off."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.retrieve import lexicon
from assistant.retrieve.titles import INSTITUTIONS, TITLES

HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame"}  # "Mr Milburn" names Alan Milburn
NOT_OTHER_NAMES = HONORIFICS | TITLES | INSTITUTIONS  # capitalised words beside a name that name nobody else
MIN_MISSPELT = 7  # a name this long one letter off is misspelt; shorter ones are other names ("Wang Ye")


def names_all(names: tuple[tuple[str, ...], ...], text: str) -> bool:
    """Is every name (any of its parts, as written; see `specific_names`) in the text? A part of a
    several-word name counts only where it is not the start of another name: "Alan Clark" does
    not name Alan Milburn, "Wang Yi" not Wang Wentao ("Mr Milburn", "Qin said" do name them)."""
    return all(_named(parts, text) for parts in names)


def _named(parts: tuple[str, ...], text: str) -> bool:
    """One name in the text: any of its parts, except, for a name made of everyday words only
    ending in a plural noun ("Independent Spirit Awards"), that noun alone: it names the class
    ("the Theatregoers' Choice Awards"), not the one asked about."""
    telling = parts[:-1] if len(parts) > 1 and all(p.startswith("~") for p in parts) and _plural(parts[-1]) else parts
    return any(_mentions(part, text, parts if len(parts) > 1 else ()) for part in telling)


def _plural(part: str) -> bool:
    word = part.lstrip("~").lower()
    return any(lemma != word for lemma in lexicon.readings(word).get("NOUN", ()))


def _one_edit(a: str, b: str) -> bool:
    """Are the words one letter dropped, added or changed apart ("Sheffied", "Sheffield")?"""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long)) if x != y), len(short))
    return short[i + (len(short) == len(long)) :] == long[i + 1 :]


def _misspelt(part: str, text: str) -> str | None:
    """The text's spelling of a long rare name one typing slip away from the question's: corpora have
    typos ("in Sheffied on Sunday"), and the name a sentence misspells is still the one it names."""
    if part.startswith("~") or len(part) < MIN_MISSPELT:
        return None
    half = len(part) // 2  # one slip leaves the first half or the rest as written: most texts hold neither
    if part[:half] not in text and part[half:] not in text:
        return None
    return next((w for w in sorted(set(_words_opening(part[:2]).findall(text))) if _one_edit(w, part)), None)


@lru_cache(maxsize=1024)
def _words_opening(start: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(start)}\w+")


def _mentions(part: str, text: str, name: tuple[str, ...] = ()) -> bool:
    if part.lstrip("~") not in text:
        part = _misspelt(part, text) or ""
        if not part:
            return False  # most sentences: no regex needed
    if not name:
        return bool(_patterns(part)[0].search(text))
    own = tuple(p.lstrip("~").lower() for p in name)

    def foreign(word: str | None) -> bool:  # a capitalised word of another name ("Grand Slams" is still own)
        bare = (word or "").lower().rstrip(".")
        return bool(bare) and not bare.startswith(own) and bare not in NOT_OTHER_NAMES and f"{bare}." not in TITLES

    for m in _patterns(part)[1].finditer(text, _first_possible_start(text, part.lstrip("~"))):
        if not foreign(m.group(1)) and not foreign(m.group(2)):
            return True  # not "Alan Clark" for Alan Milburn, nor "Latin America" for South America
    return False


@lru_cache(maxsize=4096)
def _patterns(part: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The part as a word, alone and with the capitalised words either side of it; compiled once
    (a question tries each on ~135 neighbourhoods, and `re`'s own cache of 512 patterns is shared
    with every other module)."""
    word = re.escape(part.lstrip("~"))
    if part.startswith("~"):  # an everyday word: not where a capital only marks a sentence's start
        pattern = rf"(?<![.!?\u201c\u201d\"]\s)(?<!^)(?<![\u201c\"])\b{word}\b"
    else:
        pattern = rf"\b{word}\b"
    spaced = r"(?:(?<=[\w,;:]\s)([A-Z][\w\u2019'-]*)\s+)?" + pattern + r"(?:\s+([A-Z][\w\u2019'-]*))?"
    return re.compile(pattern), re.compile(spaced)


def _first_possible_start(text: str, literal: str) -> int:
    """No match of a name's pattern begins before the word in front of the literal's first
    occurrence (the pattern's optional capitalised word): scanning from there finds the same matches
    as scanning the whole text, whose every position the optional group makes the regex try."""
    pos = text.find(literal)
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return max(pos, 0)
