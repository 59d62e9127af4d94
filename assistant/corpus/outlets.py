"""Known news outlets: names, mastheads, slogans, web domains.

Data, not per-file rules: a new article from any of these sites is recognised the
same way. Add an outlet here to teach the corpus cleaner about its site furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outlet:
    name: str
    aliases: tuple[str, ...] = ()
    slogans: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    dateline_tags: tuple[str, ...] = ()  # e.g. "(AP)" in "BEIJING (AP) —"
    credit_patterns: tuple[str, ...] = field(default=())

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


OUTLETS: tuple[Outlet, ...] = (
    Outlet("The Washington Post", ("Washington Post",), ("Democracy Dies in Darkness",), ("washingtonpost.com",)),
    Outlet("The Washington Times", ("Washington Times",), (), ("washingtontimes.com",)),
    Outlet("Associated Press", ("AP", "The Associated Press"), (), ("apnews.com",), ("(AP)",),
           (r"The Associated Press contributed", r"\(AP Photo/")),
    Outlet("CNN", (), (), ("cnn.com",), ("(CNN)",), (r"\bCNN reported\b",)),
    Outlet("Reuters", (), (), ("reuters.com",), ("(Reuters)",), (r"\bReporting by\b",)),
    Outlet("The New York Times", ("New York Times",), ("All the News That's Fit to Print",), ("nytimes.com",)),
    Outlet("BBC News", ("BBC",), (), ("bbc.com", "bbc.co.uk")),
    Outlet("The Guardian", ("Guardian",), (), ("theguardian.com",)),
    Outlet("NPR", (), (), ("npr.org",)),
    Outlet("Al Jazeera", (), (), ("aljazeera.com",)),
    Outlet("Bloomberg", (), (), ("bloomberg.com",), ("(Bloomberg)",)),
    Outlet("Fox News", (), (), ("foxnews.com",)),
    Outlet("The Wall Street Journal", ("Wall Street Journal", "WSJ"), (), ("wsj.com",)),
    Outlet("South China Morning Post", ("SCMP",), (), ("scmp.com",)),
    Outlet("Voice of America", ("VOA",), (), ("voanews.com",)),
)


def outlet_for_domain(domain: str) -> Outlet | None:
    domain = domain.lower().removeprefix("www.")
    return next((o for o in OUTLETS if any(domain.endswith(d) for d in o.domains)), None)


def outlet_in_masthead(line: str) -> Outlet | None:
    """An outlet whose name opens a short, sentence-less line (a masthead / logo text)."""
    squashed = re.sub(r"\s+", "", line).lower()
    for outlet in OUTLETS:
        for name in outlet.names():
            if len(name) > 3 and squashed.startswith(re.sub(r"\s+", "", name).lower()):
                return outlet
    return None
