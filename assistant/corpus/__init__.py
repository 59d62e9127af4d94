"""Corpus: load article files, repair them, describe them, group duplicates."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.corpus.boilerplate import strip_boilerplate
from assistant.corpus.duplicates import Fingerprint, OriginalCache, PairMemory, fingerprint, group_near_duplicates
from assistant.corpus.frontmatter import split_front_matter
from assistant.corpus.loader import CorpusRules, RawFile, Skipped, discover, read_article
from assistant.corpus.metadata import extract_metadata
from assistant.corpus.repair import repair_text
from assistant.models import Document

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class CleanedCache(Protocol):
    """Cleaned documents and fingerprints by raw-file hash (see assistant.index.cache)."""

    def get(self, raw_sha256: str, file: str) -> tuple[Document, Fingerprint] | None: ...

    def put(self, doc: Document, fp: Fingerprint) -> None: ...


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)


def clean_document(raw: RawFile) -> Document:
    """Raw file -> cleaned Document. Line structure is kept so line numbers match the raw file."""
    repairs = [] if raw.decoded_as == "utf-8" else [f"decoded as {raw.decoded_as}"]
    text, text_repairs = repair_text(raw.text)
    front, lines = split_front_matter(text.split("\n"))
    cleaned = strip_boilerplate("\n".join(lines))
    repairs += text_repairs
    return Document(
        file=raw.file,
        text="\n".join(cleaned.lines),
        raw_sha256=raw.sha256,
        meta=extract_metadata(cleaned.lines, cleaned.outlets, front),
        repairs=repairs,
        boilerplate_removed=cleaned.removed,
    )


def _load_one(path: Path, root: Path, cache: CleanedCache | None,
              rules: CorpusRules) -> tuple[Document, Fingerprint] | Skipped:
    result = read_article(path, root, rules)
    if isinstance(result, Skipped):
        return result
    cached = cache.get(result.sha256, result.file) if cache else None
    if cached is not None:
        return cached
    doc = clean_document(result)
    fp = fingerprint(doc.text)
    if cache:
        cache.put(doc, fp)
    return doc, fp


def load_corpus(root: Path, cache: CleanedCache | None = None, progress: Progress | None = None,
                group: bool = True, rules: CorpusRules | None = None) -> Corpus:
    """Every article under root, cleaned; `group=False` leaves duplicate grouping to `group_duplicates`
    (an ingest that finds nothing changed never needs it). `rules` default to the environment's settings."""
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    rules = rules or CorpusRules.from_settings()
    paths, skipped = discover(root, rules)
    corpus = Corpus(skipped=skipped)
    for i, path in enumerate(paths):
        try:
            result = _load_one(path, root, cache, rules)
        except sqlite3.Error:
            raise  # the data folder's cache failed (read-only, full), not the file: the CLI says so in one line
        except Exception as e:  # one bad file is reported, never fatal
            log.warning("cannot clean %s: %s: %s", path, type(e).__name__, e)
            log.debug("cannot clean %s", path, exc_info=True)
            result = Skipped(path.relative_to(root).as_posix(), f"could not be cleaned: {type(e).__name__}: {e}")
        if progress:
            progress("read", i + 1, len(paths))
        if isinstance(result, Skipped):
            corpus.skipped.append(result)
            continue
        doc, fp = result
        if not doc.text.strip():
            corpus.skipped.append(Skipped(doc.file, "nothing left after cleaning"))
            continue
        corpus.documents.append(doc)
        corpus.fingerprints[doc.file] = fp
    for s in corpus.skipped:
        log.info("skipped %s: %s", s.file, s.reason)
    if group:
        group_duplicates(corpus)
    return corpus


def group_duplicates(corpus: Corpus, cache: OriginalCache | None = None, memory: PairMemory | None = None) -> None:
    groups = group_near_duplicates({d.file: d.text for d in corpus.documents}, corpus.fingerprints, cache, memory)
    for doc in corpus.documents:
        doc.duplicate_group, doc.is_original = groups.get(doc.file, (None, True))
