"""Find and decode article files. Bad files are reported and skipped, never fatal."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_NON_TEXT_SHARE = 0.05
# Text that is not UTF-8 and whose bytes are mostly ASCII is Latin-script text with a few
# accented letters or symbols: a Western single-byte code page explains those bytes one
# for one ("\xa3" is "£"), where multi-byte guesses (cp932, GB18030) pair them up into
# stray CJK or half-width forms.
WESTERN_MAX_HIGH_SHARE = 0.1
WESTERN_CODECS = ("cp1252", "latin-1")


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


def _decode_western(data: bytes) -> tuple[str, str] | None:
    if sum(b > 127 for b in data) > WESTERN_MAX_HIGH_SHARE * len(data):
        return None
    for codec in WESTERN_CODECS:
        text = data.decode(codec, errors="replace")
        if all(unicodedata.category(c)[0] in "LNPSZ" and c != "\ufffd" for c in text if ord(c) > 127):
            return text, codec
    return None


def _decode(data: bytes) -> tuple[str, str] | None:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    western = _decode_western(data)
    if western is not None:
        return western
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
