"""Find and decode article files. Bad files are reported and skipped, never fatal.

The corpus boundary: only regular files inside the folder are read. Symbolic links
(to files or folders) are never followed; FIFOs, sockets and devices are never
opened; a file with several hard links is read only if all of its links are inside
the folder (a link from outside, e.g. to /etc/passwd, cannot be told apart from the
original, so it is skipped), and then once, under its first name; names that are not valid UTF-8 or that would climb out
with `..` are refused; hidden files and folders are ignored. Files are opened one
folder at a time below the corpus root with O_NOFOLLOW, so a folder swapped for a
link between discovery and reading is not followed either.
"""

from __future__ import annotations

import codecs
import errno
import fnmatch
import hashlib
import logging
import os
import stat
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
READ_ATTEMPTS = 3  # a file that changes while read is read again, then skipped
FILE_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
              (stat.S_ISBLK, "a block device"))


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


# Byte-order marks of the wide Unicode encodings, UTF-32 first (its little-endian mark begins with UTF-16's)
WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
             (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
WIDE_ZERO_SHARE = 0.9  # BOM-less UTF-16 of Latin text: nearly every other byte is zero, the rest none


def _decode_wide(data: bytes) -> tuple[str, str] | None:
    """UTF-16/32 text (what Windows tools save as "Unicode"): known by its byte-order mark or,
    without one, by the zero byte every Latin character then carries on the same side. Its zero
    bytes would otherwise make the file look binary."""
    for bom, codec in WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    if len(data) < 4 or len(data) % 2:
        return None
    for codec, zeros, letters in (("utf-16-le", data[1::2], data[0::2]), ("utf-16-be", data[0::2], data[1::2])):
        if zeros.count(0) >= WIDE_ZERO_SHARE * len(zeros) and letters.count(0) == 0:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
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


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))  # all but tab, newline, form feed, CR


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    control = len(data) - len(data.translate(None, _CONTROL_BYTES))  # counted in C, not byte by byte
    return control > MAX_NON_TEXT_SHARE * len(data)


@dataclass(frozen=True)
class CorpusRules:
    """What discover/read_article accept; from settings (ASSISTANT_MAX_FILE_BYTES, ASSISTANT_SKIP_PATTERNS)."""

    max_file_bytes: int
    skip_patterns: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings=None) -> CorpusRules:
        from assistant.settings import get_settings

        s = settings or get_settings()
        return cls(s.max_file_bytes, tuple(s.skip_patterns))

    def furniture(self, name: str) -> str | None:
        """The skip pattern a file name matches (README, LICENSE...), if any."""
        return next((p for p in self.skip_patterns if fnmatch.fnmatchcase(name.lower(), p.lower())), None)


def _shown(name: str) -> str:
    """A name as it can be printed and stored as JSON (undecodable bytes replaced)."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def _valid_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes of a non-UTF-8 name
        return False
    return True


def _kind(mode: int) -> str | None:
    return next((kind for test, kind in FILE_KINDS if test(mode)), None)


def _open_beneath(root: Path, parts: tuple[str, ...]) -> int:
    """Open root/parts[0]/.../parts[-1] without following a link anywhere below root."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        mode = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):  # never open a FIFO or device: opening alone can block or act
            raise OSError(errno.ELOOP if stat.S_ISLNK(mode) else errno.EINVAL, "not a regular file")
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=fd)
    finally:
        os.close(fd)


def _read_stable(fd: int, limit: int) -> bytes | str:
    """The file's bytes (at most limit), or why they could not be read consistently."""
    for _ in range(READ_ATTEMPTS):
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return "not a regular file"
        if before.st_size > limit:
            return f"larger than {limit} bytes (ASSISTANT_MAX_FILE_BYTES)"
        os.lseek(fd, 0, os.SEEK_SET)
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return f"grew past {limit} bytes while being read (ASSISTANT_MAX_FILE_BYTES)"
        after = os.fstat(fd)
        if after.st_size == before.st_size == size and after.st_mtime_ns == before.st_mtime_ns:
            return b"".join(chunks)
    return "kept changing while being read"


def read_article(path: Path, root: Path, rules: CorpusRules | None = None) -> RawFile | Skipped:
    rules = rules or CorpusRules.from_settings()
    rel_path = Path(os.path.relpath(path, root))  # lexical: root/../x gives ../x
    rel = _shown(rel_path.as_posix())
    if rel_path.is_absolute() or any(part in ("..", ".", "") for part in rel_path.parts):
        return Skipped(rel, "outside the corpus folder")
    try:
        fd = _open_beneath(root, rel_path.parts)
    except FileNotFoundError:
        return Skipped(rel, "vanished before it could be read")
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):  # the file, or a folder on its path, is a link
            return Skipped(rel, "symbolic link (not followed)")
        if e.errno == errno.EINVAL:
            return Skipped(rel, "not a regular file")
        return Skipped(rel, f"unreadable: {e.strerror}")
    try:
        data = _read_stable(fd, rules.max_file_bytes)
    except OSError as e:
        return Skipped(rel, f"unreadable: {e.strerror}")
    finally:
        os.close(fd)
    if isinstance(data, str):
        return Skipped(rel, data)
    if not data.strip():
        return Skipped(rel, "empty file")
    wide = _decode_wide(data)
    if _looks_binary(data if wide is None else wide[0].encode("utf-8")):
        return Skipped(rel, "binary content")
    decoded = wide or _decode(data)
    if decoded is None:
        return Skipped(rel, "not decodable as text")
    text, encoding = decoded
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawFile(rel, text, hashlib.sha256(data).hexdigest(), encoding)


def _entry_problem(entry: os.DirEntry, st: os.stat_result, rules: CorpusRules) -> str | None:
    """Why a regular file found in the folder is not an article, or None."""
    if (pattern := rules.furniture(entry.name)) is not None:
        return f"not an article (name matches {pattern!r}, ASSISTANT_SKIP_PATTERNS)"
    if os.path.splitext(entry.name)[1].lower() not in ARTICLE_SUFFIXES:
        return "not a .txt/.md file"
    if st.st_size > rules.max_file_bytes:
        return f"larger than {rules.max_file_bytes} bytes (ASSISTANT_MAX_FILE_BYTES)"
    return None


def _walk(root: Path, rules: CorpusRules) -> tuple[list[tuple[str, os.stat_result]], list[Skipped]]:
    """(relative name, lstat) of candidate files, and what was refused on the way."""
    found, skipped = [], []
    folders = [("", root)]
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            skipped.append(Skipped(_shown(prefix.rstrip("/") or "."), f"folder unreadable: {e.strerror}"))
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.name.startswith("."):
                continue  # hidden (.git, editor swap files)
            if not _valid_utf8(entry.name):
                skipped.append(Skipped(_shown(rel), "file name is not valid UTF-8"))
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as e:
                skipped.append(Skipped(rel, f"vanished or unreadable: {e.strerror}"))
                continue
            if stat.S_ISLNK(st.st_mode):
                skipped.append(Skipped(rel, "symbolic link (not followed)"))
            elif stat.S_ISDIR(st.st_mode):
                folders.append((rel + "/", Path(entry.path)))
            elif not stat.S_ISREG(st.st_mode):
                skipped.append(Skipped(rel, f"not a regular file ({_kind(st.st_mode) or 'special file'})"))
            elif (problem := _entry_problem(entry, st, rules)) is not None:
                skipped.append(Skipped(rel, problem))
            else:
                found.append((rel, st))
    return found, skipped


def _hard_links(found: list[tuple[str, os.stat_result]]) -> dict[str, str]:
    """Why some hard-linked files are not read: more links than the folder holds names for
    means a link to something outside; several names inside are one file, read once."""
    names: dict[tuple[int, int], list[str]] = {}
    for rel, st in sorted(found, key=lambda f: Path(f[0]).parts):
        names.setdefault((st.st_dev, st.st_ino), []).append(rel)
    refused: dict[str, str] = {}
    for rel, st in found:
        same = names[(st.st_dev, st.st_ino)]
        if st.st_nlink > len(same):
            refused[rel] = "hard link to a file outside the folder (not read)"
        elif rel != same[0]:
            refused[rel] = f"hard link to {same[0]} (read once)"
    return refused


def discover(root: Path, rules: CorpusRules | None = None) -> tuple[list[Path], list[Skipped]]:
    """Article files under root (recursively), plus the files we will not read and why."""
    rules = rules or CorpusRules.from_settings()
    found, skipped = _walk(root, rules)
    refused = _hard_links(found)
    skipped += [Skipped(rel, reason) for rel, reason in refused.items()]
    paths = sorted((root / rel for rel, _ in found if rel not in refused), key=lambda p: p.parts)
    return paths, sorted(skipped, key=lambda s: s.file)
