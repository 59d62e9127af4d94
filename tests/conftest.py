"""Shared fixtures: one real index (real Chroma, real MiniLM) built once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from processes import free_port  # noqa: F401  (tests import it from here too)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One exported ONNX encoder shared by test runs (the export is atomic and checked against
# sentence-transformers; test_embedder tests the export itself in a folder of its own).
os.environ.setdefault("ASSISTANT_MODEL_DIR", os.path.join(tempfile.gettempdir(), "assistant-test-models"))
REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def index_home(tmp_path_factory) -> Path:
    """ASSISTANT_HOME with the bundled seeds ingested (embedded Chroma)."""
    from assistant.index.ingest import ingest
    from assistant.settings import Settings

    home = tmp_path_factory.mktemp("home")
    ingest(Settings(home=home, corpus=SEEDS))
    return home


@pytest.fixture(scope="session")
def settings(index_home):
    from assistant.settings import Settings

    return Settings(home=index_home, corpus=SEEDS)


@pytest.fixture(scope="session")
def assistant(settings):
    from assistant.service import Assistant

    return Assistant(settings)


@pytest.fixture
def cli_env(index_home) -> dict[str, str]:
    """Environment for running the CLI as a subprocess against the shared index."""
    env = dict(os.environ)
    env.update(ASSISTANT_HOME=str(index_home), ASSISTANT_CORPUS=str(SEEDS), HF_HUB_OFFLINE="1")
    return env


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the seeds, for tests that add, change or delete files."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    return dest
