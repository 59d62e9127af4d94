"""Strip site furniture (mastheads, reading times, source trailers, share prompts).

Removed lines are blanked, not deleted, so line numbers stay those of the raw file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus.outlets import Outlet, outlet_for_domain, outlet_in_masthead

MASTHEAD_ZONE_LINES = 3  # mastheads sit among the first non-empty lines
MAX_MASTHEAD_CHARS = 80
MAX_SECTION_LABEL_WORDS = 2

READING_TIME = re.compile(r"^\s*\d{1,3}\s*(?:min|mins|minutes?)(?:\s+read)?\s*$", re.I)
SOURCE_TRAILER = re.compile(r"^\s*(?:Content\s+)?Source:\s*(?:https?://)?(?P<domain>[\w.-]+\.[a-z]{2,})\S*\s*$", re.I)
SITE_PROMPTS = re.compile(
    r"^\s*(?:Advertisement|Share(?: this (?:article|story))?|Copy link|Subscribe(?: now)?|Sign up.*newsletter.*"
    r"|Read more:?|Listen to this article|Gift (?:this )?article|Comment(?:s)?|Save|Print)\s*$",
    re.I,
)
GLUED_WORDS = re.compile(r"[a-z][A-Z]")  # "PostDemocracy": a logo and its slogan scraped together


@dataclass
class BoilerplateResult:
    lines: list[str]
    removed: list[str]
    outlets: list[tuple[str, Outlet]]  # (evidence kind, outlet)


def _is_masthead(line: str, index_among_nonempty: int) -> Outlet | None:
    if index_among_nonempty >= MASTHEAD_ZONE_LINES or len(line) > MAX_MASTHEAD_CHARS:
        return None
    if line.rstrip().endswith((".", "?", "!", "\u201d", '"')):
        return None
    outlet = outlet_in_masthead(line)
    if outlet is None:
        return None
    bare = re.sub(r"\s+", "", line).lower()
    known = {re.sub(r"\s+", "", n + s).lower() for n in outlet.names() for s in ("", *outlet.slogans)}
    return outlet if bare in known or GLUED_WORDS.search(line) else None


def _is_section_label(nonempty: list[str], position: int) -> bool:
    """A one- or two-word line ("International") standing above a longer headline."""
    if position != 0 or len(nonempty) < 2:
        return False
    words = nonempty[0].split()
    return (0 < len(words) <= MAX_SECTION_LABEL_WORDS and words[0][:1].isupper()
            and not re.search(r"[.,:;!?\d]", nonempty[0]) and len(nonempty[1].split()) > len(words) + 2)


def strip_boilerplate(text: str) -> BoilerplateResult:
    lines = text.split("\n")
    nonempty = [ln for ln in lines if ln.strip()]
    removed: list[str] = []
    outlets: list[tuple[str, Outlet]] = []
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        position, seen = seen, seen + 1
        reason = None
        if (outlet := _is_masthead(line, position)) is not None:
            outlets.append(("masthead", outlet))
            reason = "masthead"
        elif READING_TIME.match(line):
            reason = "reading time"
        elif (m := SOURCE_TRAILER.match(line)) is not None:
            if (outlet := outlet_for_domain(m.group("domain"))) is not None:
                outlets.append(("source", outlet))
            reason = "source trailer"
        elif SITE_PROMPTS.match(line):
            reason = "site prompt"
        elif _is_section_label(nonempty, position):
            reason = "section label"
        if reason:
            removed.append(f"{reason}: {line.strip()!r} (line {i + 1})")
            lines[i] = ""
    return BoilerplateResult(lines=lines, removed=removed, outlets=outlets)
