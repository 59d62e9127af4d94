"""Index generations: all local index files are written to a fresh folder, then one
atomic rename of the CURRENT pointer publishes them. A killed ingest leaves the
previous generation (and the Chroma rows it names) untouched and usable."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Document, Sentence

POINTER = "CURRENT"
KEEP_PREVIOUS = 1  # readers that opened the previous generation can finish


@dataclass
class Snapshot:
    config_key: str
    documents: list[Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    sentence_vectors: np.ndarray
    doc_keys: dict[str, str] = field(default_factory=dict)  # file -> content key
    word_zipf: dict[str, float] = field(default_factory=dict)  # capitalised words -> English Zipf frequency
    folder: Path | None = None

    @property
    def chunk_ids(self) -> set[str]:
        return {c.id for c in self.chunks}


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def publish(index_dir: Path, snap: Snapshot, write_extra) -> Path:
    """Write a new generation; `write_extra(folder)` adds derived files (BM25)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    folder = index_dir / f"gen-{time.time_ns()}"
    tmp = folder.with_name(folder.name + ".partial")
    tmp.mkdir()
    _write_json(tmp / "manifest.json", {"config_key": snap.config_key, "doc_keys": snap.doc_keys})
    _write_json(tmp / "documents.json", [d.model_dump() for d in snap.documents])
    _write_json(tmp / "chunks.json", [c.model_dump() for c in snap.chunks])
    _write_json(tmp / "sentences.json", [s.model_dump() for s in snap.sentences])
    np.save(tmp / "sentence_vectors.npy", snap.sentence_vectors)
    _write_json(tmp / "word_zipf.json", snap.word_zipf)
    write_extra(tmp)
    os.replace(tmp, folder)
    pointer_tmp = index_dir / (POINTER + ".tmp")
    pointer_tmp.write_text(folder.name, encoding="utf-8")
    with open(pointer_tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / POINTER)
    _prune(index_dir, keep=folder.name)
    return folder


def _prune(index_dir: Path, keep: str) -> None:
    gens = sorted(p for p in index_dir.glob("gen-*") if p.name != keep)
    stale = [p for p in gens if p.name.endswith(".partial")] + \
        [p for p in gens if not p.name.endswith(".partial")][:-KEEP_PREVIOUS or None]
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)


def _read_optional_json(path: Path, default):
    return json.loads(path.read_text("utf-8")) if path.exists() else default


def current_folder(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    if not pointer.exists():
        return None
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    return folder if folder.is_dir() else None


def load(index_dir: Path) -> Snapshot | None:
    folder = current_folder(index_dir)
    if folder is None:
        return None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Snapshot(
        config_key=manifest["config_key"],
        doc_keys=manifest["doc_keys"],
        documents=[Document.model_validate(d) for d in json.loads((folder / "documents.json").read_text("utf-8"))],
        chunks=[Chunk.model_validate(c) for c in json.loads((folder / "chunks.json").read_text("utf-8"))],
        sentences=[Sentence.model_validate(s) for s in json.loads((folder / "sentences.json").read_text("utf-8"))],
        sentence_vectors=np.load(folder / "sentence_vectors.npy"),
        word_zipf=_read_optional_json(folder / "word_zipf.json", {}),  # absent in generations before v7
        folder=folder,
    )
