"""Reading a generator's reply: its sentences ("claims"), the markers it wrote, and "not stated".

Markers are only a hint now (the guard attributes every sentence by support), but they are
still stripped from the text and kept, so a faithful reply reads cleanly. `ReplyStream`
does the same for a reply that arrives in pieces: a sentence is handed on once the next
one has begun or its line has ended, so it is judged exactly once and never changes later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]")
MARKER_RUN = r"(?:\[\s*\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*\s*\]\s*)+"
LEADING_MARKERS = re.compile(rf"^\s*({MARKER_RUN})")
TRAILING_AFTER_STOP = re.compile(rf"([.!?][\"'”’)]*)[ \t]*({MARKER_RUN})")
LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)](?=\s))\s*")
PREAMBLE = re.compile(r"^\s*(?:(?:the\s+)?answer(?:\s+to\s+the\s+question)?(?:\s+is)?|answer)\s*:\s*", re.I)
# "Passage 2 mentions that …", "According to passage 3, …": where the model read it, not part of the claim.
SOURCE_PREFIX = re.compile(r"^(?:according\s+to\s+(?:the\s+)?passages?(?:\s*\d+(?:\s*(?:,|and)\s*\d+)*)?\s*,\s*|"
                           r"(?:the\s+)?passages?\s*\d+(?:\s*(?:,|and)\s*\d+)*\s+"
                           r"(?:says?|states?|mentions?|notes?|reports?|explains?|indicates?)(?:\s*:\s*|\s+(?:that\s+)?))", re.I)
MAX_MARKER = 999
# The reply the prompt asks for when the passages do not answer, and the usual ways of saying so.
REFUSAL = re.compile(r"^\W*(?:not\s+stated\b|(?:the\s+)?(?:passages?|articles?|evidence|text|context)\s+(?:does|do)\s*"
                     r"(?:not|n['’]t)\s+(?:say|state|mention|contain|provide|specify|answer)\b|"
                     r"(?:it\s+is\s+)?not\s+(?:stated|mentioned|specified)\s+in\s+the\s+(?:passages?|articles?))",
                     re.I)


@dataclass
class Claim:
    text: str  # the sentence without its markers
    markers: list[int] = field(default_factory=list)

    @property
    def refusal(self) -> bool:
        return bool(REFUSAL.match(self.text))


def _marker_numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group.strip()):
        if re.fullmatch(r"\d+\s*[-–]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[-–]\s*", part))
            if a <= b and b - a < 10:
                numbers.extend(range(a, b + 1))
            continue
        if part.isdigit():
            numbers.append(int(part))
    return [n for n in numbers if 0 < n <= MAX_MARKER]


def _clean(text: str) -> str:
    text = MARKER.sub(" ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" ,;:-–—")


def _split_sentences(line: str) -> list[str]:
    from assistant.index.sentences import sentence_spans

    return [line[a:b] for a, b in sentence_spans(line)]


def parse_line(raw: str) -> list[Claim]:
    """Sentences of one reply line with their markers.

    Markers right after a sentence's full stop belong to that sentence ("... Huawei. [1]");
    markers opening a line belong to its first sentence ("[1] The curbs ...").
    """
    line = PREAMBLE.sub("", LIST_PREFIX.sub("", raw))
    lead: list[int] = []
    if m := LEADING_MARKERS.match(line):
        lead = [n for g in MARKER.findall(m.group(1)) for n in _marker_numbers(g)]
        line = re.sub(r"^[\s.:;,]+", "", line[m.end():])
    line = LIST_PREFIX.sub("", line)
    # "sentence. [1]" -> "sentence [1]." so the marker stays with its sentence when splitting
    line = TRAILING_AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", line)
    claims: list[Claim] = []
    for i, sentence in enumerate(_split_sentences(line)):
        markers = [n for g in MARKER.findall(sentence) for n in _marker_numbers(g)]
        if i == 0:
            markers = lead + markers
        text = _clean(sentence)
        if (source := SOURCE_PREFIX.match(text)) and text[source.end():]:
            text = text[source.end()].upper() + text[source.end() + 1:]
            if text[0] in "\"“" and text.rstrip(".").endswith(("\"", "”")):  # 'Passage 3 states: "…."'
                text = text[1:].rstrip(".").rstrip("\"”").strip()
                text = text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
        if re.search(r"[^\W_]", text):
            claims.append(Claim(text, list(dict.fromkeys(markers))))
    return claims


def parse_reply(reply: str) -> list[Claim]:
    """Sentences of a whole generated reply with the evidence markers each one carries."""
    return [c for raw in (reply or "").splitlines() for c in parse_line(raw)]


class ReplyStream:
    """Claims of a reply fed in pieces, each handed out once and only when it is complete."""

    def __init__(self) -> None:
        self._line = ""
        self._given = 0  # claims of the current line already handed out

    def feed(self, piece: str) -> list[Claim]:
        out: list[Claim] = []
        *done, self._line = (self._line + piece).split("\n")
        for line in done:
            out.extend(parse_line(line)[self._given:])
            self._given = 0
        if not self._line.strip():
            return out
        # A sentence is complete once a later one has begun: the last one may still grow (or get its marker).
        # Waiting for two words of the next one keeps a half-written "U." or "No." from splitting early.
        claims = parse_line(self._line)
        complete = claims[:-1] if claims and " " in claims[-1].text else claims[:-2]
        out.extend(complete[self._given:])
        self._given = max(self._given, len(complete))
        return out

    def close(self) -> list[Claim]:
        """The rest of the reply once the generator has finished."""
        out = parse_line(self._line)[self._given:]
        self._line, self._given = "", 0
        return out
