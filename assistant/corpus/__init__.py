"""Corpus: load article files, repair them, describe them, group near-duplicates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from assistant.corpus.boilerplate import strip_boilerplate
from assistant.corpus.duplicates import group_near_duplicates
from assistant.corpus.loader import RawFile, Skipped, discover, read_article
from assistant.corpus.metadata import extract_metadata
from assistant.corpus.repair import repair_text
from assistant.models import Document

log = logging.getLogger(__name__)


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def clean_document(raw: RawFile) -> Document:
    """Raw file -> cleaned Document. Line structure is kept so line numbers match the raw file."""
    repairs = [] if raw.decoded_as == "utf-8" else [f"decoded as {raw.decoded_as}"]
    text, text_repairs = repair_text(raw.text)
    cleaned = strip_boilerplate(text)
    repairs += text_repairs
    return Document(
        file=raw.file,
        text="\n".join(cleaned.lines),
        raw_sha256=raw.sha256,
        meta=extract_metadata(cleaned.lines, cleaned.outlets),
        repairs=repairs,
        boilerplate_removed=cleaned.removed,
    )


def load_corpus(root: Path) -> Corpus:
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    paths, skipped = discover(root)
    corpus = Corpus(skipped=skipped)
    for path in paths:
        result = read_article(path, root)
        if isinstance(result, Skipped):
            corpus.skipped.append(result)
            continue
        doc = clean_document(result)
        if not doc.text.strip():
            corpus.skipped.append(Skipped(doc.file, "nothing left after cleaning"))
            continue
        corpus.documents.append(doc)
    for s in corpus.skipped:
        log.warning("skipped %s: %s", s.file, s.reason)
    groups = group_near_duplicates({d.file: d.text for d in corpus.documents})
    for doc in corpus.documents:
        if doc.file in groups:
            doc.duplicate_group, doc.is_original = groups[doc.file]
    return corpus
