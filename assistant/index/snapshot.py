"""Index generations: all local index files are written to a fresh folder, then one
atomic rename of the CURRENT pointer publishes them. A killed ingest leaves the
previous generation (and the Chroma rows it names) untouched and usable.

A generation is laid out so that opening it costs the same on 5 files and on 100k:
- `index.sqlite`: documents, chunks, term document frequencies, word rarity. Rows
  are read on demand (by file, by chunk id, by term), never all at start-up.
- `sentences.npy`: one fixed-width row per sentence (document, chunk, char and line
  span), memory-mapped; the text is sliced from the document when a row is read.
- `sentence_vectors.npy`: memory-mapped float32 rows, in sentence order.
- `bm25/`: the keyword index, its arrays memory-mapped too.
Sentences are stored in document order and a document's chunks and sentences are
contiguous, so "the sentences of this document/chunk" is a range, not a scan.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Document, Sentence

POINTER = "CURRENT"
CHUNK_VECTORS = "chunk_vectors.npy"
KEEP_PREVIOUS = 1  # readers that opened the previous generation can finish
FORMAT = 3  # 3: chunk_vectors.npy (exact dense search)
SENTENCE_DTYPE = np.dtype([("doc", "<i4"), ("chunk", "<i4"), ("start", "<i4"), ("end", "<i4"),
                           ("line_start", "<i4"), ("line_end", "<i4"), ("heading", "?")])
TRUNCATED = "\u2026"  # a title made from a first sentence ends so
FOLDER_SQL = "CASE WHEN instr(file, '/') > 0 THEN substr(file, 1, instr(file, '/') - 1) ELSE '' END"
DOCUMENT_CACHE = 4096  # parsed documents kept per process (a question touches a few dozen)

SCHEMA = """
CREATE TABLE documents (idx INTEGER PRIMARY KEY, file TEXT UNIQUE NOT NULL, raw_sha256 TEXT NOT NULL,
    doc_key TEXT NOT NULL, duplicate_group TEXT, is_original INTEGER NOT NULL, title TEXT,
    first_sentence INTEGER NOT NULL, end_sentence INTEGER NOT NULL,
    first_chunk INTEGER NOT NULL, end_chunk INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX documents_group ON documents (duplicate_group);
CREATE TABLE chunks (idx INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc INTEGER NOT NULL,
    start INTEGER, end INTEGER, line_start INTEGER, line_end INTEGER, tokens INTEGER,
    first_sentence INTEGER NOT NULL, end_sentence INTEGER NOT NULL);
CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE word_zipf (word TEXT PRIMARY KEY, zipf REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


# ---------------------------------------------------------------------------- reading
class Tables:
    """Read-only access to a generation's SQLite file: one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.uri = f"file:{path}?mode=ro&immutable=1"
        self.local = threading.local()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = getattr(self.local, "db", None)
        if db is None:
            db = self.local.db = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        return db.execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple = ()):
        rows = self.query(sql, params)
        return rows[0] if rows else None


class DocumentStore(Mapping):
    """file -> Document, parsed on demand. Iterating reads every row: listings only."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._by_idx = lru_cache(maxsize=DOCUMENT_CACHE)(self._load_idx)
        self._idx_of = lru_cache(maxsize=DOCUMENT_CACHE * 4)(self._lookup_idx)
        self._len = tables.one("SELECT COUNT(*) FROM documents")[0]

    def _load_idx(self, idx: int) -> Document:
        return Document.model_validate_json(self.tables.one("SELECT body FROM documents WHERE idx=?", (idx,))[0])

    def _lookup_idx(self, file: str) -> int | None:
        row = self.tables.one("SELECT idx FROM documents WHERE file=?", (file,))
        return row[0] if row else None

    def __len__(self) -> int:
        return self._len

    def __contains__(self, file: object) -> bool:
        return isinstance(file, str) and self._idx_of(file) is not None

    def index_of(self, file: str) -> int:
        idx = self._idx_of(file)
        if idx is None:
            raise KeyError(file)
        return idx

    def __getitem__(self, file: str) -> Document:
        return self._by_idx(self.index_of(file))

    def get(self, file: str, default=None):
        return self[file] if file in self else default

    def at(self, idx: int) -> Document:
        return self._by_idx(idx)

    def file_at(self, idx: int) -> str:
        return self.at(idx).file

    def sentence_range(self, file: str) -> range:
        first, end = self.tables.one("SELECT first_sentence, end_sentence FROM documents WHERE file=?", (file,))
        return range(first, end)

    def group_members(self, group: str) -> list[str]:
        return [r[0] for r in self.tables.query("SELECT file FROM documents WHERE duplicate_group=? ORDER BY idx",
                                                (group,))]

    def files(self) -> list[str]:
        return [r[0] for r in self.tables.query("SELECT file FROM documents ORDER BY idx")]

    def chunk_counts(self) -> dict[str, int]:
        return dict(self.tables.query("SELECT file, end_chunk - first_chunk FROM documents"))

    def chunk_counts_of(self, files: list[str]) -> dict[str, int]:
        if not files:
            return {}
        marks = ",".join("?" * len(files))
        return dict(self.tables.query(f"SELECT file, end_chunk - first_chunk FROM documents WHERE file IN ({marks})",
                                      tuple(files)))

    def identical_copies(self, file: str) -> list[str]:
        """Other files with exactly this cleaned text (indexed once, under the first name)."""
        return [r[0] for r in self.tables.query(
            "SELECT b.file FROM documents a JOIN documents b ON a.doc_key = b.doc_key "
            "AND a.duplicate_group = b.duplicate_group WHERE a.file=? AND b.file != a.file ORDER BY b.idx", (file,))]

    def sentence_ranges_by_key(self) -> dict[str, range]:
        """Each indexed text's sentence rows (by document key): a re-ingest takes an unchanged
        text's vectors from these rows instead of hashing and looking up every sentence again."""
        return {key: range(first, end) for key, first, end in self.tables.query(
            "SELECT doc_key, first_sentence, end_sentence FROM documents WHERE end_sentence > first_sentence")}

    def doc_keys(self) -> dict[str, str]:
        return dict(self.tables.query("SELECT file, doc_key FROM documents"))

    def raw_hashes(self) -> dict[str, str]:
        return dict(self.tables.query("SELECT file, raw_sha256 FROM documents"))

    def headlines(self, limit: int) -> list[str]:
        """Real headlines (not truncated first sentences), the first of each top-level folder first."""
        rows = self.tables.query(
            "SELECT title, idx IN (SELECT MIN(idx) FROM documents WHERE is_original=1 AND title IS NOT NULL "
            f"AND title NOT LIKE '%{TRUNCATED}' GROUP BY {FOLDER_SQL}) AS first FROM documents "
            f"WHERE is_original=1 AND title IS NOT NULL AND title NOT LIKE '%{TRUNCATED}' "
            "ORDER BY first DESC, idx LIMIT ?", (limit,))
        return [r[0] for r in rows]

    def folders(self) -> list[str]:
        """Top-level folders ('' for files at the top)."""
        return [r[0] for r in self.tables.query(f"SELECT DISTINCT {FOLDER_SQL} FROM documents ORDER BY 1")]

    def search(self, text: str, folder: str | None, offset: int, limit: int) -> tuple[list[Document], int]:
        """A page of documents whose file name or title contains `text`, in one folder or all."""
        where, params = ["(file LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')"], []
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
        if folder is not None:
            where.append(f"{FOLDER_SQL} = ?")
            params.append(folder)
        clause = " AND ".join(where)
        total = self.tables.one(f"SELECT COUNT(*) FROM documents WHERE {clause}", tuple(params))[0]
        rows = self.tables.query(f"SELECT idx FROM documents WHERE {clause} ORDER BY idx LIMIT ? OFFSET ?",
                                 (*params, limit, offset))
        return [self.at(r[0]) for r in rows], total

    def __iter__(self) -> Iterator[str]:
        return iter(self.files())

    def all(self) -> Iterator[Document]:
        """Every document, parsed (listings and eval baselines only)."""
        for (body,) in self.tables.query("SELECT body FROM documents ORDER BY idx"):
            yield Document.model_validate_json(body)


class SentenceRows:
    """The sentence table as a sequence: `rows[i]` builds one Sentence from its array row."""

    def __init__(self, array: np.ndarray, documents: DocumentStore, chunk_id: Callable[[int], str],
                 cached: int = 65536) -> None:
        self.array, self.documents, self.chunk_id = array, documents, chunk_id
        # evidence scoring reads each candidate's neighbours and article lead: ~1,900 row reads per
        # question at BBC size, most of them repeats; building a Sentence each time was a third of a warm ask
        self._build = lru_cache(maxsize=cached)(self._sentence)
        self._rows = len(array)

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, row: int) -> Sentence:
        if 0 <= row < self._rows:  # ~2,000 reads a question: the common case first
            return self._build(row)
        if -self._rows <= row < 0:
            return self._build(row + self._rows)
        raise IndexError(row)

    def _sentence(self, row: int) -> Sentence:
        r = self.array[row]
        doc = self.documents.at(int(r["doc"]))
        start, end = int(r["start"]), int(r["end"])
        return Sentence(file=doc.file, chunk_id=self.chunk_id(int(r["chunk"])), start=start, end=end,
                        line_start=int(r["line_start"]), line_end=int(r["line_end"]), text=doc.text[start:end],
                        heading=bool(r["heading"]))

    def __iter__(self) -> Iterator[Sentence]:
        return (self[i] for i in range(len(self)))

    def texts(self) -> Iterator[str]:
        """Every sentence's text in row order, without building Sentence objects (1M rows: a second)."""
        docs, starts, ends = (np.asarray(self.array[c]) for c in ("doc", "start", "end"))
        current, text = -1, ""
        for d, start, end in zip(docs.tolist(), starts.tolist(), ends.tolist()):
            if d != current:
                current, text = d, self.documents.at(d).text
            yield text[start:end]

    def doc_of(self, row: int) -> int:
        return int(self.array[row]["doc"])


class ChunkStore:
    """Chunks by id or position, with their sentence rows as a range."""

    COLUMNS = "idx, id, doc, start, end, line_start, line_end, tokens, first_sentence, end_sentence"

    def __init__(self, tables: Tables, documents: DocumentStore) -> None:
        self.tables, self.documents = tables, documents
        self._len = tables.one("SELECT COUNT(*) FROM chunks")[0]
        self.id_at = lru_cache(maxsize=65536)(self._id_at)

    def __len__(self) -> int:
        return self._len

    def _id_at(self, idx: int) -> str:
        return self.tables.one("SELECT id FROM chunks WHERE idx=?", (idx,))[0]

    def _chunk(self, row: tuple) -> Chunk:
        idx, cid, doc_idx, start, end, line_start, line_end, tokens, _, _ = row
        doc = self.documents.at(doc_idx)
        return Chunk(id=cid, file=doc.file, text=doc.text[start:end], start=start, end=end,
                     line_start=line_start, line_end=line_end, tokens=tokens)

    def by_positions(self, positions: list[int]) -> dict[int, Chunk]:
        if not positions:
            return {}
        marks = ",".join("?" * len(positions))
        rows = self.tables.query(f"SELECT {self.COLUMNS} FROM chunks WHERE idx IN ({marks})", tuple(positions))
        return {r[0]: self._chunk(r) for r in rows}

    def positions_of(self, ids: list[str]) -> dict[str, int]:
        """Ids of this generation -> position; ids it does not name are left out."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return dict(self.tables.query(f"SELECT id, idx FROM chunks WHERE id IN ({marks})", tuple(ids)))

    def sentence_rows(self, position: int) -> range:
        first, end = self.tables.one("SELECT first_sentence, end_sentence FROM chunks WHERE idx=?", (position,))
        return range(first, end)

    def ids(self) -> set[str]:
        return {r[0] for r in self.tables.query("SELECT id FROM chunks")}

    def ids_of_files(self, files: set[str]) -> set[str]:
        out: set[str] = set()
        for file in files:
            out.update(r[0] for r in self.tables.query(
                "SELECT c.id FROM chunks c JOIN documents d ON c.doc = d.idx WHERE d.file=?", (file,)))
        return out

    def __iter__(self) -> Iterator[Chunk]:
        for row in self.tables.query(f"SELECT {self.COLUMNS} FROM chunks ORDER BY idx"):
            yield self._chunk(row)


class TermTable:
    """Sentence-level document frequencies and English rarity of capitalised words."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.df = lru_cache(maxsize=65536)(self._df)
        self.zipf = lru_cache(maxsize=65536)(self._zipf)

    def _df(self, term: str) -> int:
        row = self.tables.one("SELECT df FROM terms WHERE term=?", (term,))
        return row[0] if row else 0

    def _zipf(self, word: str) -> float | None:
        row = self.tables.one("SELECT zipf FROM word_zipf WHERE word=?", (word,))
        return row[0] if row else None

    def all_zipf(self) -> dict[str, float]:
        """Every stored rarity (for the next ingest to reuse, not for questions)."""
        return dict(self.tables.query("SELECT word, zipf FROM word_zipf"))


@dataclass
class Snapshot:
    folder: Path
    config_key: str
    documents: DocumentStore
    chunks: ChunkStore
    sentences: SentenceRows
    sentence_vectors: np.ndarray
    terms: TermTable
    sentence_count: int
    chunk_vectors: np.ndarray | None = None  # chunk-table order; None in generations written before it

    @property
    def chunk_ids(self) -> set[str]:
        return self.chunks.ids()


def current_folder(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    if not pointer.exists():
        return None
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    return folder if (folder / "index.sqlite").is_file() else None


def published_info(index_dir: Path) -> dict[str, str]:
    """The published generation's info rows (format, config key, corpus folder), or {} if there
    is none this code can read."""
    folder = current_folder(index_dir)
    if folder is None:
        return {}
    with closing(sqlite3.connect(f"file:{folder / 'index.sqlite'}?mode=ro", uri=True)) as db:
        info = dict(db.execute("SELECT key, value FROM info").fetchall())
    return info if int(info.get("format", 0)) == FORMAT else {}


def published_config(index_dir: Path) -> str | None:
    """The config key of the published generation, or None if there is none this code can read."""
    return published_info(index_dir).get("config_key")


def load(index_dir: Path) -> Snapshot | None:
    """Open the published generation. Reads a handful of rows; everything else on demand."""
    folder = current_folder(index_dir)
    if folder is None:
        return None
    tables = Tables(folder / "index.sqlite")
    info = dict(tables.query("SELECT key, value FROM info"))
    if int(info.get("format", 0)) != FORMAT:
        return None
    documents = DocumentStore(tables)
    chunks = ChunkStore(tables, documents)
    array = np.load(folder / "sentences.npy", mmap_mode="r")
    return Snapshot(folder=folder, config_key=info["config_key"], documents=documents, chunks=chunks,
                    sentences=SentenceRows(array, documents, chunks.id_at),
                    sentence_vectors=np.load(folder / "sentence_vectors.npy", mmap_mode="r"),
                    terms=TermTable(tables), sentence_count=len(array),
                    chunk_vectors=np.load(folder / CHUNK_VECTORS, mmap_mode="r") if (folder / CHUNK_VECTORS).exists() else None)


def read_json(path: Path, default):
    return json.loads(path.read_text("utf-8")) if path.exists() else default
