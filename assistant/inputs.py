"""What a question must be before anything reads it: text a person could have typed."""

from __future__ import annotations

import unicodedata


class InputError(ValueError):
    """Bad user input: shown to the user as one line, never as a traceback."""


ALLOWED_FORMAT_CHARS = "\u200c\u200d"  # zero-width (non-)joiner: needed to spell Persian, Hindi, emoji


def validate_question(question: str, max_chars: int) -> str:
    """The question with whitespace collapsed, or InputError saying what is wrong with it.

    Refused: empty, over max_chars, not valid text (lone surrogates: what invalid UTF-8
    bytes become), control and other invisible characters (bidi overrides), and text
    without a single letter or digit. Any language, markup or SQL is just text: it is
    answered or abstained on like any other question.
    """
    if not isinstance(question, str):
        raise InputError("the question must be text")
    if not question.strip():
        raise InputError("the question is empty")
    if len(question) > max_chars:
        raise InputError(f"the question is too long ({len(question)} characters; the limit is {max_chars})")
    categories = [(c, unicodedata.category(c)) for c in question]
    if surrogate := next((c for c, cat in categories if cat == "Cs"), None):
        raise InputError(f"the question is not valid text (invalid UTF-8 or a lone surrogate U+{ord(surrogate):04X})")
    bad = [c for c, cat in categories if cat in ("Cc", "Cf", "Co", "Cn") and c not in "\n\t\r" + ALLOWED_FORMAT_CHARS]
    if bad:
        raise InputError(f"the question contains control characters (e.g. U+{ord(bad[0]):04X})")
    if not any(cat[0] in "LN" for _, cat in categories):
        raise InputError("the question has no words (only punctuation or symbols)")
    return " ".join(question.split())
