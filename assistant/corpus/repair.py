"""Repair text-encoding damage.

Two kinds of damage are handled:

1. Classic mojibake (UTF-8 decoded as cp1252/latin-1 and kept): `ftfy.fix_encoding`.
2. Lossy mojibake that ftfy cannot undo: UTF-8 decoded with a legacy single-byte
   code page whose *undefined* bytes were silently dropped (e.g. TIS-620, where
   0x80-0xA0 do not exist). Each damaged character then survives as a truncated
   UTF-8 sequence. We re-encode with the guilty code page, decode the complete
   sequences, and resolve the truncated ones: we know exactly which bytes can have
   been lost, so we enumerate the characters they could have been and pick by
   context (punctuation: apostrophe / opening / closing quote / dash; letters: the
   candidate whose accent-folded word the document itself uses, e.g. "Lǐ" because
   "Li" appears elsewhere). What cannot be recovered is dropped, never shown.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import ftfy

# Legacy single-byte code pages worth trying, most distinctive first.
LEGACY_CODECS = (
    "tis_620", "cp874", "cp1251", "koi8_r", "cp1253", "cp1255", "cp1256",
    "cp1250", "cp1254", "cp1257", "cp1258", "cp1252", "latin_1", "mac_roman",
)
MIN_FOREIGN_CHARS = 3
LATIN_SHARE_FOR_SUSPICION = 0.8
MIN_RESOLVED_SHARE = 0.8

APOSTROPHE, OPEN_QUOTE, CLOSE_QUOTE, DASH = "\u2019", "\u201c", "\u201d", "\u2014"
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


@dataclass
class _Partial:
    """A truncated UTF-8 sequence and the characters it could have been."""

    candidates: list[str]


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def foreign_script_chars(text: str) -> Counter[str]:
    """Letters from non-Latin scripts, counted by script, in a mostly-Latin text."""
    scripts = Counter(_script(ch) for ch in text if ch.isalpha())
    latin = scripts.get("LATIN", 0)
    total = sum(scripts.values())
    if not total or latin / total < LATIN_SHARE_FOR_SUSPICION:
        return Counter()
    return Counter({s: n for s, n in scripts.items() if s not in ("LATIN", "CJK")})


def _utf8_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _lost_bytes(codec: str) -> list[int]:
    """Continuation bytes the code page has no printable character for: the ones
    a lossy decoder drops (undefined bytes, or C1 control codes)."""
    lost = []
    for b in range(0x80, 0xC0):
        try:
            ch = bytes([b]).decode(codec)
        except UnicodeDecodeError:
            lost.append(b)
            continue
        if unicodedata.category(ch) == "Cc":
            lost.append(b)
    return lost


def _candidates(lead: int, kept: list[int], missing: int, lost: list[int]) -> list[str]:
    found: list[str] = []
    for fill in itertools.product(lost, repeat=missing):
        for positions in itertools.combinations(range(len(kept) + missing), missing):
            seq, fill_iter, kept_iter = [lead], iter(fill), iter(kept)
            for i in range(len(kept) + missing):
                seq.append(next(fill_iter) if i in positions else next(kept_iter))
            try:
                ch = bytes(seq).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if ch not in found:
                found.append(ch)
    return found


def _decode_run(data: bytes, lost: list[int]) -> list[str | _Partial] | None:
    """Decode bytes that were UTF-8 before some continuation bytes were lost."""
    out: list[str | _Partial] = []
    i = 0
    while i < len(data):
        lead = data[i]
        need = _utf8_length(lead)
        if need == 0:
            return None  # a stray continuation byte: this code page is not the culprit
        j, kept = i + 1, []
        while j < len(data) and len(kept) < need - 1 and 0x80 <= data[j] <= 0xBF:
            kept.append(data[j])
            j += 1
        if len(kept) == need - 1:
            try:
                out.append(data[i:j].decode("utf-8"))
            except UnicodeDecodeError:
                return None
        else:
            out.append(_Partial(_candidates(lead, kept, need - 1 - len(kept), lost)))
        i = j
    return out


def _split_runs(text: str, codec: str) -> list[tuple[str, bool]]:
    """Split into (segment, damaged?) where damaged segments are encodable non-ASCII runs."""
    parts: list[tuple[str, bool]] = []
    for ch in text:
        try:
            damaged = ord(ch) > 127 and bool(ch.encode(codec))
        except UnicodeEncodeError:
            damaged = False
        if parts and parts[-1][1] == damaged:
            parts[-1] = (parts[-1][0] + ch, damaged)
        else:
            parts.append((ch, damaged))
    return parts


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).lower()


def _pick_punctuation(cands: list[str], before: str, after: str) -> str | None:
    prev_is_word = bool(before) and before[-1].isalnum()
    next_is_word = bool(after) and after[0].isalnum()
    prev_is_gap = not before or before[-1].isspace() or before[-1] in "([{"
    next_is_gap = not after or after[0].isspace()
    if prev_is_word and next_is_word:
        choice = APOSTROPHE
    elif prev_is_gap and next_is_gap:
        choice = DASH
    elif prev_is_gap:
        choice = OPEN_QUOTE
    elif before.endswith("s") and not _quote_open(before):
        choice = APOSTROPHE  # plural possessive: the sides' view
    else:
        choice = CLOSE_QUOTE
    return choice if choice in cands else None


def _quote_open(before: str) -> bool:
    line = before.rsplit("\n", 1)[-1]
    return line.count(OPEN_QUOTE) > line.count(CLOSE_QUOTE)


def _plain_letter(c: str) -> bool:
    """A real letter (not a sub/superscript or other compatibility form) outside CJK."""
    return c.isalpha() and not _is_cjk(c) and not unicodedata.decomposition(c).startswith("<")


def _pick_letter(cands: list[str], before: str, after: str, vocabulary: set[str]) -> str | None:
    left = re.search(r"[^\W\d_]*$", before).group(0)
    right = re.match(r"[^\W\d_]*", after).group(0)
    if not (left or right):
        return None  # a lone letter: no word to check it against
    letters = [c for c in cands if _plain_letter(c)]
    matches = [c for c in letters if _fold(left + c + right) in vocabulary]
    want_upper = (len(left) > 1 and left.isupper()) or (not left and right[:1].isupper())
    matches.sort(key=lambda c: c.isupper() != want_upper)
    return matches[0] if matches else None


def _pick(cands: list[str], before: str, after: str, vocabulary: set[str]) -> str | None:
    """Letters first (only a word the document itself uses counts), then punctuation."""
    letter = _pick_letter(cands, before, after, vocabulary)
    if letter:
        return letter
    if any(unicodedata.category(c)[0] in "PZ" for c in cands):
        return _pick_punctuation(cands, before, after)
    return None


def _resolve_run(pieces: list[str | _Partial], before: str, after: str,
                 vocabulary: set[str]) -> tuple[str, int, int]:
    """Turn one decoded run into text; returns (text, recovered, dropped)."""
    out = ""
    recovered = dropped = 0
    for k, piece in enumerate(pieces):
        if isinstance(piece, str):
            out += piece
            recovered += 1
            continue
        following = "".join(p if isinstance(p, str) else "\0" for p in pieces[k + 1 :]) + after
        choice = _pick(piece.candidates, before + out, following, vocabulary)
        if choice is None:
            dropped += 1
        else:
            out += choice
            recovered += 1
    if dropped and any(_is_cjk(c) for c in out):
        # a CJK name with some characters lost is noise, not information
        dropped += sum(1 for c in out if _is_cjk(c))
        out = "".join(c for c in out if not _is_cjk(c))
    return out, recovered, dropped


def _repair_with_codec(text: str, codec: str) -> tuple[str, int, int] | None:
    lost = _lost_bytes(codec)
    parts = _split_runs(text, codec)
    vocabulary = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    decoded: dict[int, list[str | _Partial]] = {}
    damaged = 0
    for i, (segment, is_damaged) in enumerate(parts):
        if is_damaged:
            damaged += len(segment)
            run = _decode_run(segment.encode(codec), lost)
            if run is not None:
                decoded[i] = run
    resolvable = sum(len(parts[i][0]) for i in decoded)
    if not damaged or resolvable / damaged < MIN_RESOLVED_SHARE:
        return None
    out = ""
    recovered = dropped = 0
    for i, (segment, _) in enumerate(parts):
        if i not in decoded:
            out += segment
            continue
        after = parts[i + 1][0] if i + 1 < len(parts) and i + 1 not in decoded else ""
        fixed, rec, drop = _resolve_run(decoded[i], out[-60:], after, vocabulary)
        out += fixed
        recovered, dropped = recovered + rec, dropped + drop
    out = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", out)
    out = re.sub(r"[ \t]+([.,;:])", r"\1", out)
    return out, recovered, dropped


# Well-formed character references only: "AT&T" and "R&D" are text, "&#233;" and "&amp;" are not.
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescape_entity(match: re.Match) -> str:
    char = html.unescape(match.group(0))
    # an entity for a line break or control character must not move line numbers
    return " " if any(unicodedata.category(c) == "Cc" for c in char) else char


def unescape_entities(text: str) -> tuple[str, int]:
    """HTML character references left in plain text (`communiqu&#233;`) -> characters."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        char = _unescape_entity(match)
        count += char != match.group(0)
        return char

    return ENTITY.sub(replace, text), count


def repair_text(text: str) -> tuple[str, list[str]]:
    """Return the repaired text and a human-readable list of the repairs made."""
    repairs: list[str] = []
    text, entities = unescape_entities(text)
    if entities:
        repairs.append(f"{entities} HTML character references unescaped")
    fixed = ftfy.fix_encoding(text)
    if fixed != text:
        repairs.append("mojibake fixed (ftfy)")
        text = fixed
    foreign = foreign_script_chars(text)
    if sum(foreign.values()) < MIN_FOREIGN_CHARS:
        return text, repairs
    # The culprit code page is the one that leaves the fewest foreign letters behind.
    attempts = []
    for codec in LEGACY_CODECS:
        result = _repair_with_codec(text, codec)
        if result:
            repaired, recovered, dropped = result
            left = sum(foreign_script_chars(repaired).values())
            attempts.append((left, dropped, codec, repaired, recovered))
    if not attempts:
        return text, repairs
    left, dropped, codec, repaired, recovered = min(attempts, key=lambda a: (a[0], a[1]))
    if left >= sum(foreign.values()):
        return text, repairs
    scripts = ", ".join(sorted(foreign))
    repairs.append(
        f"lossy mojibake undone: UTF-8 read as {codec} ({scripts} characters); "
        f"{recovered} characters recovered, {dropped} unrecoverable dropped"
    )
    return repaired, repairs
