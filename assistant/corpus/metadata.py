"""Title, outlet and publication date, from the cleaned text and the cleaner's findings."""

from __future__ import annotations

import re

from assistant.corpus.frontmatter import DATE_KEYS, OUTLET_KEYS, TITLE_KEYS, FrontMatter
from assistant.corpus.outlets import OUTLETS, Outlet
from assistant.models import DocumentMeta

MAX_HEADLINE_WORDS = 20
FALLBACK_TITLE_WORDS = 12
MONTHS = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
          r"Aug(?:ust|\.)?|Sep(?:t(?:ember)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
DATE = re.compile(rf"\b{MONTHS}\s+\d{{1,2}},\s+\d{{4}}\b")
# A dateline line is mostly a date: "May 8, 2023 at 6:41 a.m. EDT", "Published March 3, 2024".
DATELINE = re.compile(rf"^\s*(?:(?:Published|Updated|Posted)(?: on)?:?\s+)?(?:\w+day,\s+)?({DATE.pattern})"
                      r"(?:\s*(?:at\s+)?\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?\s*[A-Z]{2,4})?\s*$", re.I)
EVIDENCE_RANK = ("masthead", "source", "dateline", "credit")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


def extract_title(lines: list[str]) -> str | None:
    first = next((ln.strip() for ln in lines if any(c.isalnum() for c in ln)), None)  # not a rule ("---")
    if first is None:
        return None
    first = MARKDOWN_HEADING.sub("", first) or first  # "# Ministers meet" is headed "Ministers meet"
    words = first.split()
    if len(words) <= MAX_HEADLINE_WORDS:
        return first
    return " ".join(words[:FALLBACK_TITLE_WORDS]) + " \u2026"


def extract_date(lines: list[str]) -> str | None:
    for line in lines:
        if m := DATELINE.match(line):
            return m.group(1)
    return None


def _outlet_from_text(text: str) -> list[tuple[str, Outlet]]:
    found: list[tuple[str, Outlet]] = []
    head = text[:300]
    for outlet in OUTLETS:
        if any(tag in head for tag in outlet.dateline_tags):
            found.append(("dateline", outlet))
        if any(re.search(p, text) for p in outlet.credit_patterns):
            found.append(("credit", outlet))
    return found


def extract_metadata(lines: list[str], cleaner_outlets: list[tuple[str, Outlet]],
                     front: FrontMatter | None = None) -> DocumentMeta:
    """What the article's front matter states wins over what is read from its text."""
    front = front or FrontMatter()
    text = "\n".join(lines)
    evidence = cleaner_outlets + _outlet_from_text(text)
    evidence.sort(key=lambda e: EVIDENCE_RANK.index(e[0]))
    return DocumentMeta(
        title=front.text(TITLE_KEYS) or extract_title(lines),
        outlet=front.text(OUTLET_KEYS) or (evidence[0][1].name if evidence else None),
        date=front.text(DATE_KEYS) or extract_date(lines),
    )
