"""Front matter: the YAML block (`---` … `---`) that static-site and notes tools put atop an article,
or a plain header block ("Title: …", "Date: …", "Source: …" lines, then a blank line) as scrapers
and mail-style exports write it.

Its fields are better metadata than anything guessed from the text (a title, a date, the
publisher), and its lines are not article text: a `title:` line is no headline to quote, and a
`tags:` list is no sentence. The block's lines are blanked, not removed, so line numbers still
match the raw file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

OPENER = "---"
CLOSERS = ("---", "...")
MAX_LINES = 60  # a longer block is not front matter but an article that opens with a rule
TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("date", "published", "pubdate", "publish_date", "date_published")
OUTLET_KEYS = ("source", "publisher", "outlet", "site_name", "site", "publication")
# A header line's key must be one of these (an article may well open "Update: the minister…")
HEADER_KEYS = frozenset(TITLE_KEYS + DATE_KEYS + OUTLET_KEYS + (
    "author", "authors", "by", "byline", "url", "link", "category", "section", "tags", "keywords", "updated",
    "modified", "language", "lang", "id", "description", "summary", "subtitle"))
HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z _-]{0,24}?)\s*:\s*(.*)")


@dataclass
class FrontMatter:
    fields: dict = field(default_factory=dict)

    def text(self, keys: tuple[str, ...]) -> str | None:
        """The first of `keys` present as a short scalar, as text (a date as YYYY-MM-DD)."""
        lowered = {str(k).lower(): v for k, v in self.fields.items()}
        for key in keys:
            value = lowered.get(key)
            if isinstance(value, (dt.date, dt.datetime)):
                return value.isoformat()[:10]
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return " ".join(str(value).split())
        return None


def split_front_matter(lines: list[str]) -> tuple[FrontMatter, list[str]]:
    """(the front matter, the lines with its block blanked); no block: (empty, lines unchanged)."""
    if not lines or lines[0].strip() != OPENER:
        return _header_block(lines)
    end = next((i for i in range(1, min(len(lines), MAX_LINES + 1)) if lines[i].strip() in CLOSERS), None)
    if end is None:
        return FrontMatter(), lines
    import yaml

    try:
        fields = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return FrontMatter(), lines
    if not isinstance(fields, dict):
        return FrontMatter(), lines
    return FrontMatter(fields), [""] * (end + 1) + lines[end + 1 :]


def _header_block(lines: list[str]) -> tuple[FrontMatter, list[str]]:
    """Leading "Key: value" lines with known keys, ended by a blank line, at least one of them a
    title, date or source: metadata, not text ("Title: Council votes…" is no sentence to quote)."""
    fields: dict[str, str] = {}
    for end, line in enumerate(lines[:MAX_LINES]):
        if not line.strip():
            break
        match = HEADER_LINE.fullmatch(line.strip())
        key = match.group(1).strip().lower().replace(" ", "_").replace("-", "_") if match else ""
        if key not in HEADER_KEYS:
            return FrontMatter(), lines
        fields.setdefault(key, match.group(2).strip())
    else:
        return FrontMatter(), lines  # no blank line after it: the article itself, or no text at all
    if not fields or not set(fields) & set(TITLE_KEYS + DATE_KEYS + OUTLET_KEYS):
        return FrontMatter(), lines
    return FrontMatter(fields), [""] * end + lines[end:]
