"""Find and decode article files. Bad files are reported and skipped, never fatal."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_NON_TEXT_SHARE = 0.05


@dataclass
class RawFile:
    file: str  # relative to the corpus folder, forward slashes
    text: str
    sha256: str
    decoded_as: str


@dataclass
class Skipped:
    file: str
    reason: str


def _decode(data: bytes) -> tuple[str, str] | None:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        return None
    return str(best), best.encoding


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    control = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return control > MAX_NON_TEXT_SHARE * len(data)


def read_article(path: Path, root: Path) -> RawFile | Skipped:
    rel = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as e:
        return Skipped(rel, f"unreadable: {e.strerror}")
    if not data.strip():
        return Skipped(rel, "empty file")
    if _looks_binary(data):
        return Skipped(rel, "binary content")
    decoded = _decode(data)
    if decoded is None:
        return Skipped(rel, "not decodable as text")
    text, encoding = decoded
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawFile(rel, text, hashlib.sha256(data).hexdigest(), encoding)


def discover(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Article files under root (recursively), plus the files we will not read."""
    paths, skipped = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.suffix.lower() in ARTICLE_SUFFIXES:
            paths.append(path)
        else:
            skipped.append(Skipped(path.relative_to(root).as_posix(), "not a .txt/.md file"))
    return paths, skipped
