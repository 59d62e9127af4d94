"""Answers as plain text that carries its sources, and those sources read back from a transcript.

Clients of the OpenAI-compatible API (chat front ends, curl) show only a message's `content`
and send earlier turns back as plain text. So the content ends with a "Sources:" footer
naming each citation's file and lines: the user sees where every claim comes from, and a
follow-up sent with that transcript can stay in the articles the previous answer cited.
"""

from __future__ import annotations

import re

from assistant.models import Answer, Citation

SOURCES_HEADING = "Sources:"
_SOURCE_LINE = re.compile(r"^\[(\d+)\] (.+), lines? (\d+)(?:-(\d+))?$")


def citation_line(c: Citation) -> str:
    lines = f"line {c.lines[0]}" if c.lines[0] == c.lines[1] else f"lines {c.lines[0]}-{c.lines[1]}"
    return f"[{c.n}] {c.file}, {lines}"


def with_sources(answer: Answer) -> str:
    """The answer text, then one line per citation (none for an abstention)."""
    if not answer.citations:
        return answer.answer
    return "\n".join([answer.answer, "", SOURCES_HEADING, *(citation_line(c) for c in answer.citations)])


_LEAD = re.compile(r"(?P<first>[^\[\n]{1,200}?) \[\d+\](?:; [^\[\n]{1,200}? \[\d+\])*\.(?:\s|$)")


def lead_of(text: str) -> str | None:
    """The short answer an answer text opens with ("Li Qiang [1]. Premier Li …" -> "Li Qiang"), as
    `Answer.short_answer` holds it; None when it opens on a quoted sentence ("… met him. [1]")."""
    match = _LEAD.match(text.strip())
    return match.group("first").strip() if match else None


def split_sources(text: str) -> tuple[str, list[str]]:
    """(answer text, cited files best first) of a message `with_sources` wrote; a message
    without a footer is all answer and cites nothing."""
    body, sep, footer = text.rpartition(f"\n{SOURCES_HEADING}\n")
    if not sep:
        return text, []
    matches = [_SOURCE_LINE.match(line.strip()) for line in footer.splitlines() if line.strip()]
    if not matches or not all(matches):
        return text, []
    return body.rstrip(), list(dict.fromkeys(m.group(2) for m in matches))
