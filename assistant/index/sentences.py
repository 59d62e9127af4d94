"""Sentence spans inside a cleaned document: the unit of evidence and citation.

Sentences never cross a line break, so each one has an exact line number.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from functools import lru_cache
from pathlib import Path

ABBREVIATIONS = ("u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "st", "no", "jan", "feb", "aug", "sept",
                 "oct", "nov", "dec", "gov", "sen", "rep", "gen", "lt", "col", "calif", "a.m", "p.m", "inc",
                 "ltd", "co", "corp", "jr", "sr", "vs", "etc")


def _punkt_module() -> types.ModuleType:
    """nltk.tokenize.punkt without the rest of NLTK. `import nltk` runs its __init__, which imports
    nearly all of NLTK and SciPy's stats (~1.5 s of CPU, most of a one-file re-ingest) for a
    splitter that needs eight small modules. The two parent packages are registered bare while
    punkt imports, then every nltk module this loaded is taken out of sys.modules again, so an
    `import nltk` elsewhere in the process (llama-index in the eval) gets the whole package as usual."""
    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.punkt")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        return importlib.import_module("nltk.tokenize.punkt")  # let the ordinary import say what is wrong
    root = Path(next(iter(spec.submodule_search_locations)))
    before = set(sys.modules)
    try:
        for name, folder in (("nltk", root), ("nltk.tokenize", root / "tokenize")):
            bare = types.ModuleType(name)
            bare.__path__ = [str(folder)]
            sys.modules[name] = bare
        return importlib.import_module("nltk.tokenize.punkt")
    except ImportError:  # a future punkt that needs more of NLTK: the ordinary import, below
        pass
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]
    return importlib.import_module("nltk.tokenize.punkt")


@lru_cache(maxsize=1)
def _punkt():
    """NLTK's Punkt splitter with news abbreviations, no data download needed."""
    punkt = _punkt_module()
    params = punkt.PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return punkt.PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of text, trimmed of whitespace."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        for start, end in _punkt().span_tokenize(line.group(0)):
            chunk = line.group(0)[start:end]
            stripped = chunk.strip()
            if not stripped:
                continue
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((base + start + lead, base + start + lead + len(stripped)))
    return spans
