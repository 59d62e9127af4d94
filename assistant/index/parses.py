"""spaCy parses of corpus sentences, kept by content so a question never waits for them.

Parsing is the slow part of reading a candidate sentence (~4 ms each on this machine, against
~0.6 ms to load a stored parse and annotate it), and a question at BBC size brings a hundred
candidates. Ingest therefore parses every sentence once, after the new generation is published
(`ask` works meanwhile), in worker processes, committing batch by batch: a killed run keeps what
it finished and the next run parses only what is missing. Queries read the same store and add the
parses they had to make themselves.

What is stored is spaCy's own `Doc` (`Doc.to_dict`, packed by `pack`), keyed by the pipeline's
name and version and the sentence text, and beside it the `Annotation` that `assistant.retrieve.nlp`
reads from it (~0.4 ms a sentence, the larger part of a two-part question's reading), under the
version of that module's code: a change to how it reads a parse re-annotates from the stored
parses, never re-parses.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import json
import logging
import multiprocessing
import os
import pickle
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from assistant.index.kvstore import Transaction, batches, connect, text_key

log = logging.getLogger(__name__)

Parsed = list[tuple["bytes | None", bytes]]  # per text: its packed parse (None: stored already), its pickled annotation
Stored = Callable[[list[str]], "list[bytes | None]"]  # per text: its stored packed parse, if any

STORE_FILE = "parses.sqlite"
DOC_EXCLUDE = ["tensor", "user_data"]  # what the annotations never read
PACKING = "dict-json-1"  # how `pack` lays a Doc out: part of every key, so another layout is never misread


def pipeline_name() -> str:
    """Names the parser that made a stored parse: another model or spaCy version never reuses it.
    Read from package metadata, so it costs no pipeline load."""
    from assistant.retrieve.spacy_pipeline import MODEL

    spec = importlib.util.find_spec(MODEL)
    meta = Path(spec.origin).parent / "meta.json" if spec and spec.origin else None
    model_version = json.loads(meta.read_text(encoding="utf-8")).get("version") if meta and meta.exists() else "?"
    return f"{MODEL}-{model_version}/spacy-{importlib.metadata.version('spacy')}/{PACKING}"


class ParseStore:
    """Parsed sentences by (pipeline, text) hash, in `<home>/cache/parses.sqlite`."""

    def __init__(self, path: Path, pipeline: str) -> None:
        self.db = connect(path)
        self.db.execute("PRAGMA busy_timeout=200")  # a query never waits long on an ingest's commit
        self.db.execute("CREATE TABLE IF NOT EXISTS parses (key BLOB PRIMARY KEY, doc BLOB)")
        self.db.execute("CREATE TABLE IF NOT EXISTS annotations (key BLOB PRIMARY KEY, version TEXT, ann BLOB)")
        self.pipeline = pipeline
        self.version = annotation_version()

    @classmethod
    def open(cls, cache_dir: Path) -> ParseStore:
        return cls(cache_dir / STORE_FILE, pipeline_name())

    def key(self, text: str) -> bytes:
        return text_key(self.pipeline, text)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The texts (each once) without both a stored parse and its annotation by this code."""
        by_key = {self.key(t): t for t in texts}
        have: set[bytes] = set()
        for batch in batches(list(by_key)):
            marks = ",".join("?" * len(batch))
            have.update(bytes(k) for (k,) in self.db.execute(
                f"SELECT p.key FROM parses p JOIN annotations a ON a.key = p.key AND a.version = ? "
                f"WHERE p.key IN ({marks})", [self.version, *batch]))
        return [t for k, t in by_key.items() if k not in have]

    def _rows(self, query: str, texts: list[str], *first) -> Iterator[tuple[str, bytes]]:
        """(text, blob) of the rows `query` finds for `texts`' keys; none if the file is unreadable
        (a read-only shared home: the question parses its sentences itself)."""
        by_key = {self.key(t): t for t in texts}
        try:
            for batch in batches(list(by_key)):
                marks = ",".join("?" * len(batch))
                for key, blob in self.db.execute(query.format(marks=marks), [*first, *batch]):
                    yield by_key[bytes(key)], blob
        except sqlite3.Error as e:
            log.debug("parse store unreadable: %s", e)

    def blobs(self, texts: list[str]) -> list[bytes | None]:
        """Each text's packed parse, None where there is none."""
        found = dict(self._rows("SELECT key, doc FROM parses WHERE key IN ({marks})", texts))
        return [found.get(t) for t in texts]

    def get_annotations(self, texts: list[str]) -> dict:
        """Stored annotations (`nlp.Annotation`) of `texts` made by this code, by text."""
        found = {}
        for text, blob in self._rows("SELECT key, ann FROM annotations WHERE version = ? AND key IN ({marks})",
                                     texts, self.version):
            try:
                found[text] = pickle.loads(blob)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError) as e:
                # a damaged row, or one of a class since renamed: annotated again from the parse
                log.debug("stored annotation unreadable: %s", e)
        return found

    def put_annotations(self, annotations: dict) -> None:
        self._write(list(annotations), [None] * len(annotations), [pickle.dumps(a) for a in annotations.values()])

    def forget_other_annotations(self) -> None:
        """Drop annotations made by other code: they are never read again."""
        self._write([], [], [], purge=True)

    def get_many(self, texts: list[str], vocab) -> dict[str, object]:
        """Stored parses of `texts` as spaCy Docs (built on `vocab`), by text."""
        return {t: unpack(blob, vocab) for t, blob in self._rows("SELECT key, doc FROM parses WHERE key IN ({marks})", texts)}

    def put_many(self, texts: list[str], blobs: list[bytes | None], annotations: list[bytes] | None = None) -> None:
        """Packed parses (None: stored already) and pickled annotations, in one transaction."""
        self._write(texts, blobs, annotations or [])

    def _write(self, texts: list[str], blobs: list[bytes | None], annotations: list[bytes], purge: bool = False) -> None:
        """One transaction; a reader busy elsewhere is not an error (the work is redone next time)."""
        try:
            with Transaction(self.db):
                if purge:
                    self.db.execute("DELETE FROM annotations WHERE version != ?", (self.version,))
                self.db.executemany("INSERT OR REPLACE INTO parses VALUES (?, ?)",
                                    [(self.key(t), b) for t, b in zip(texts, blobs) if b is not None])
                self.db.executemany("INSERT OR REPLACE INTO annotations VALUES (?, ?, ?)",
                                    [(self.key(t), self.version, a) for t, a in zip(texts, annotations)])
        except sqlite3.Error as e:  # busy (an ingest is committing) or read-only
            log.debug("parses not stored: %s", e)

    def put_docs(self, texts: list[str], docs: list) -> None:
        self.put_many(texts, [pack(d) for d in docs])


def pack(doc) -> bytes:
    """`Doc.to_dict` as a JSON header and the token array's raw bytes. Not `Doc.to_bytes`: its
    msgpack decoder looks up srsly's registry entry points on every call, 0.7 ms of its 0.8 ms a
    sentence; `Doc.from_dict` on this takes 0.08 ms."""
    msg = doc.to_dict(exclude=DOC_EXCLUDE)
    body = np.ascontiguousarray(msg.pop("array_body"))
    header = {**msg, "spans": base64.b64encode(msg["spans"]).decode("ascii"), "dtype": str(body.dtype),
              "shape": list(body.shape)}
    return zlib.compress(json.dumps(header).encode("utf-8") + b"\0" + body.tobytes())


def unpack(blob: bytes, vocab):
    """The Doc `pack` stored, on `vocab` (whose strings it adds)."""
    from spacy.tokens import Doc

    raw = zlib.decompress(blob)
    cut = raw.index(b"\0")  # JSON escapes NUL, so the first one ends the header
    msg = json.loads(raw[:cut])
    msg["array_body"] = np.frombuffer(raw[cut + 1 :], dtype=msg.pop("dtype")).reshape(msg.pop("shape"))
    msg["array_head"] = tuple(msg["array_head"])
    msg["spans"] = base64.b64decode(msg["spans"])
    return Doc(vocab).from_dict(msg)


def annotation_version() -> str:
    from assistant.retrieve.nlp import annotation_version as version

    return version()


def parse_batch(texts: list[str], stored: list[bytes | None]) -> list[tuple[bytes | None, bytes]]:
    """Worker task: for each text, its packed parse (None where `stored` has it) and its pickled
    annotation, as `AnnotationCache` makes them."""
    from assistant.retrieve.nlp import annotation_of
    from assistant.retrieve.spacy_pipeline import pipeline, plain_letters

    nlp = pipeline()
    parsed = iter(nlp.pipe([plain_letters(t) for t, blob in zip(texts, stored) if blob is None]))
    out = []
    for text, blob in zip(texts, stored):
        doc = next(parsed) if blob is None else unpack(blob, nlp.vocab)
        out.append((pack(doc) if blob is None else None, pickle.dumps(annotation_of(doc, text))))
    return out


def _exit_with(parent: int) -> None:
    """A worker whose ingest was killed (`kill -9` sends nothing to children) exits too, rather
    than wait forever on a queue nobody writes to."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _start_worker(parent: int) -> None:
    from assistant.retrieve.spacy_pipeline import pipeline

    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    pipeline()


def _in_workers(groups: list[list[str]], workers: int, stored: Stored) -> Iterator[tuple[list[str], Parsed]]:
    """Each batch with its parses, in order, from `workers` spawned processes (spawn, not fork:
    the parent holds ONNX and SQLite threads a fork would copy mid-state)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(),)) as pool:
        pending: list[tuple[list[str], Future]] = []
        queue = iter(groups)
        for batch in queue:
            pending.append((batch, pool.submit(parse_batch, batch, stored(batch))))
            if len(pending) >= 2 * workers:
                break
        while pending:
            batch, future = pending.pop(0)
            yield batch, future.result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(parse_batch, nxt, stored(nxt))))


def _parsed_batches(groups: list[list[str]], workers: int, stored: Stored) -> Iterator[tuple[list[str], Parsed]]:
    """Each batch with its parses, in order; in worker processes when `workers` > 1, and in this
    one if they cannot run (a script calling ingest without a `__main__` guard cannot spawn)."""
    done = 0
    if workers > 1 and len(groups) > 1:
        try:
            for parsed in _in_workers(groups, workers, stored):
                yield parsed
                done += 1
        except BrokenProcessPool as e:
            log.warning("parse workers stopped (%s); parsing in this process", e)
    for batch in groups[done:]:
        yield batch, parse_batch(batch, stored(batch))


def parse_corpus(texts: Iterable[str], store: ParseStore, workers: int, per_batch: int,
                 progress: Callable[[str, int, int], None] | None = None) -> int:
    """Parse (or read the stored parse of) and annotate every text the store lacks, `per_batch`
    texts per worker task and commit; returns how many were done."""
    todo = store.missing(texts)
    store.forget_other_annotations()
    if not todo:
        return 0
    log.info("parsing %d sentences with %d worker(s)", len(todo), workers)
    done = 0
    if progress:
        progress("parse", 0, len(todo))
    for batch, results in _parsed_batches(list(batches(todo, per_batch)), workers, store.blobs):
        store.put_many(batch, [blob for blob, _ in results], [ann for _, ann in results])
        done += len(batch)
        if progress:
            progress("parse", done, len(todo))
    return done
