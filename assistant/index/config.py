"""Which settings an index was built for: the versions and settings that change its chunks or
vectors. Kept apart from ingest so that opening an index can check it without importing ingest."""

from __future__ import annotations

import hashlib
import logging

from assistant.settings import Settings, corpus_home_settings

PIPELINE_VERSION = "8"
CORPUS_VERSION = "4"  # bump when cleaning (repair, boilerplate, metadata) changes its output
EMBED_MODEL = "all-MiniLM-L6-v2"
LAYOUT_VERSION = "3"  # bump when what a cached layout holds changes (terms, tokens, capitalised words)


def config_key(settings: Settings) -> str:
    """Anything that changes chunks or vectors; a change re-embeds everything."""
    parts = [PIPELINE_VERSION, CORPUS_VERSION, EMBED_MODEL, settings.chunk_size, settings.chunk_overlap,
             settings.chroma_url or "embedded", settings.collection, settings.quantized_encoder]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def own_index_settings(settings: Settings) -> Settings:
    """A corpus folder set explicitly (ASSISTANT_CORPUS) whose home index was built from another
    folder gets an index of its own under the home, as `--corpus` does: answering from the other
    folder's index would cite articles the user never pointed at. With no folder set, the home's
    index is whichever folder was ingested last."""
    if "corpus" not in settings.model_fields_set:
        return settings
    from assistant.index.snapshot import published_info

    built_from = published_info(settings.index_dir).get("corpus")
    if built_from is None or built_from == str(settings.corpus.resolve()):
        return settings
    own = corpus_home_settings(settings, settings.corpus)
    logging.getLogger(__name__).info("the index in %s is for %s; %s gets its own in %s",
                                     settings.home, built_from, settings.corpus, own.home)
    return own
