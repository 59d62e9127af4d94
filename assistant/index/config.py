"""Which settings an index was built for: the versions and settings that change its chunks or
vectors. Kept apart from ingest so that opening an index can check it without importing ingest."""

from __future__ import annotations

import hashlib

from assistant.settings import Settings

PIPELINE_VERSION = "8"
CORPUS_VERSION = "4"  # bump when cleaning (repair, boilerplate, metadata) changes its output
EMBED_MODEL = "all-MiniLM-L6-v2"
LAYOUT_VERSION = "3"  # bump when what a cached layout holds changes (terms, tokens, capitalised words)


def config_key(settings: Settings) -> str:
    """Anything that changes chunks or vectors; a change re-embeds everything."""
    parts = [PIPELINE_VERSION, CORPUS_VERSION, EMBED_MODEL, settings.chunk_size, settings.chunk_overlap,
             settings.chroma_url or "embedded", settings.collection, settings.quantized_encoder]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
