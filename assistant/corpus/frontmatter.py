"""Front matter: the YAML block (`---` … `---`) that static-site and notes tools put atop an article.

Its fields are better metadata than anything guessed from the text (a title, a date, the
publisher), and its lines are not article text: a `title:` line is no headline to quote, and a
`tags:` list is no sentence. The block's lines are blanked, not removed, so line numbers still
match the raw file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

OPENER = "---"
CLOSERS = ("---", "...")
MAX_LINES = 60  # a longer block is not front matter but an article that opens with a rule
TITLE_KEYS = ("title", "headline")
DATE_KEYS = ("date", "published", "pubdate", "publish_date", "date_published")
OUTLET_KEYS = ("source", "publisher", "outlet", "site_name", "site", "publication")


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
        return FrontMatter(), lines
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
