"""Annotations of corpus sentences by text, read from those stored at ingest (`index/parses.py`),
else made from the stored parse or a parse made now; least recently used dropped first."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING

from assistant.retrieve.nlp import Annotation, annotation_of
from assistant.retrieve.spacy_pipeline import forget_parses, pipeline, plain_letters

if TYPE_CHECKING:
    from spacy.tokens import Doc


class AnnotationCache:
    """Annotations of sentences by text, least recently used dropped first; thread-safe,
    because the API server answers from a thread pool. `store` (`index.parses.ParseStore`):
    parses made at ingest, read before parsing anew; the new ones are added to it."""

    def __init__(self, size: int, store=None) -> None:
        self.size, self.store = size, store
        self._items: OrderedDict[str, Annotation] = OrderedDict()
        self._lock = Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
        forget_parses()

    def docs(self, texts: list[str]) -> dict[str, Doc]:
        """Parses of corpus sentences (stored at ingest, else parsed now and stored), for the
        readers that need the Doc itself (`answer/slot.py`); same offsets as each text."""
        stored = self.store.get_many(texts, pipeline().vocab) if self.store is not None else {}
        unparsed = [t for t in dict.fromkeys(texts) if t not in stored]
        parsed = dict(zip(unparsed, pipeline().pipe([plain_letters(t) for t in unparsed])))
        if self.store is not None and unparsed:
            self.store.put_docs(unparsed, [parsed[t] for t in unparsed])
        return {**stored, **parsed}

    def doc(self, text: str) -> Doc:
        return self.docs([text])[text]

    def annotate(self, texts: list[str]) -> list[Annotation]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._items))
        if missing:
            fresh = self.store.get_annotations(missing) if self.store is not None else {}
            unread = [t for t in missing if t not in fresh]
            if unread:  # sentences ingest has not annotated yet, or questions' own texts
                docs = self.docs(unread)
                made = {t: annotation_of(docs[t], t) for t in unread}
                if self.store is not None:
                    self.store.put_annotations(made)
                fresh.update(made)
            with self._lock:
                self._items.update(fresh)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            found = dict(fresh)
        else:
            found = {}
        with self._lock:
            for t in texts:
                if t in self._items:
                    self._items.move_to_end(t)
                    found.setdefault(t, self._items[t])
        return [found[t] for t in texts]
