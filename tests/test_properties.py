"""Property-based tests (hypothesis): question validation, follow-up rewriting and citation
building hold for arbitrary generated input, not only for the examples we thought of."""

from __future__ import annotations

import random
import re
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from assistant.chat.followup import PERSON_PRONOUNS, Turn, is_follow_up, standalone_query
from assistant.chat.referents import OPENERS
from assistant.models import CONTEXT_MARK
from assistant.service import InputError, validate_question

MAX = 2000
OPENER_WORDS = {w for o in OPENERS for w in o.split()}
DEMONSTRATIVES = {"that", "this"}
WORDS = ["minister", "trade", "talks", "Beijing", "Washington", "Li", "Qiang", "Raimondo", "said", "the", "he",
         "she", "his", "her", "it", "they", "that", "there", "and", "why", "who", "what", "\u201cquoted\u201d",
         "caf\u00e9", "\u65b0\u95fb", "U.S.", "No.", "2", "Mr.", "2023", "bridge", "council", "?", ",", "."]
word_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
any_text = st.text(max_size=300) | word_text | st.text(alphabet=st.characters(codec="utf-8"), max_size=50)


# ---------------------------------------------------------------------------- validation
@given(any_text)
def test_validation_accepts_clean_text_or_says_why_not(question):
    try:
        clean = validate_question(question, MAX)
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert clean == " ".join(clean.split()) and clean  # whitespace collapsed, never empty
    assert len(clean) <= MAX
    assert any(unicodedata.category(c)[0] in "LN" for c in clean)
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in clean)
    assert validate_question(clean, MAX) == clean  # idempotent: the CLI and the library agree


@given(st.text(alphabet=st.characters(categories=["Cc", "Cs", "Co"], exclude_characters="\n\t\r"), min_size=1),
       word_text)
def test_invisible_characters_are_always_refused(bad, question):
    mixed = question[: len(question) // 2] + bad + question[len(question) // 2 :]
    with pytest.raises(InputError):
        validate_question(mixed, MAX)


# ---------------------------------------------------------------------------- follow-ups
turns = st.builds(Turn, question=word_text, query=word_text | word_text.map(lambda q: q + CONTEXT_MARK + "x)"),
                  answer=word_text.map(lambda a: a + " [1]") | st.just("The articles don't say."),
                  abstained=st.booleans(), short_answer=st.none() | word_text)


def _kept_words(question: str) -> list[str]:
    """What the user asked: all but the pronouns that get replaced (a demonstrative subject too:
    "When was that?" asks about what the previous question did) and the opener of an elliptical
    fragment ("And …?", "What about …?"), which is rewritten into the previous question."""
    return [w for w in re.findall(r"\w+", question)
            if not PERSON_PRONOUNS.fullmatch(w) and w.lower() not in OPENER_WORDS | DEMONSTRATIVES]


@given(word_text | st.text(max_size=120), st.lists(turns, max_size=4))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # the first call loads spaCy
def test_follow_up_rewriting_keeps_the_question_and_adds_at_most_one_context(question, history):
    assume(question.strip())
    query = standalone_query(question, history)
    if not history or not is_follow_up(question):
        # a question that stands alone is left alone; one naming nothing may get what its "the X" was
        assert query == question or (query.startswith(question + CONTEXT_MARK) and query.count(CONTEXT_MARK) == 1)
        return
    for word in _kept_words(question):
        assert word in query  # only pronouns are replaced; nothing the user asked is dropped
    assert query.count(CONTEXT_MARK) <= 1


# ---------------------------------------------------------------------------- citation building
sentence = st.lists(st.sampled_from(WORDS[:-3]), min_size=2, max_size=12).map(lambda w: " ".join(w) + ".")
line = st.lists(sentence, min_size=1, max_size=4).map(" ".join) | st.just("") | st.just("   ")
document = st.lists(line, min_size=1, max_size=14).map("\n".join)


@given(st.lists(document, min_size=1, max_size=3), st.integers(0, 2**32 - 1), st.integers(1, 3))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_citation_quotes_the_cited_file_at_the_cited_lines(texts, seed, max_sources):
    from assistant.answer.extractive import SentenceTable, compose
    from assistant.corpus import clean_document
    from assistant.corpus.loader import RawFile
    from assistant.index.chunking import document_key, layout_document, materialise
    from assistant.retrieve.evidence import Evidence

    docs = {}
    for i, text in enumerate(texts):
        doc = clean_document(RawFile(f"gen/{i}.txt", text + f"\nDocument number {i} ends here.", "0", "utf-8"))
        docs[doc.file] = doc
    sentences = [s for d in docs.values() for s in materialise(d, layout_document(d, 64, 8), document_key(d)).sentences]
    assume(sentences)
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(len(sentences), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = rng.choice(len(sentences), size=min(len(sentences), 6), replace=False)
    evidence = sorted((Evidence(sentences[r], float(rng.uniform(0.4, 1.0)), 0.0, 0.0, int(r)) for r in rows),
                      key=lambda e: -e.score)
    composition = compose(evidence, SentenceTable(sentences, vectors, docs), 0.31, max_sources, 0.85, 0.65)
    assert not composition.abstained and composition.citations
    for c in composition.citations:
        text = docs[c.file].text
        assert text[c.chars[0] : c.chars[1]] == c.quote
        a, b = c.lines
        assert c.quote in "\n".join(text.split("\n")[a - 1 : b])
        assert (a, b) == (docs[c.file].line_of(c.chars[0]), docs[c.file].line_of(c.chars[1] - 1))
        assert f"[{c.n}]" in composition.text


# ---------------------------------------------------------------------------- end to end
TOPICS = [("harbour", "ferry", "terminal", "islands"), ("council", "bridge", "budget", "river"),
          ("school", "teachers", "strike", "pay"), ("hospital", "nurses", "ward", "winter"),
          ("museum", "painting", "auction", "collector"), ("airport", "runway", "flights", "noise")]
NAMES = ["Anna Weber", "Tomas Lindqvist", "Priya Nair", "Kofi Mensah", "Elena Rossi", "Hiro Tanaka"]


def generated_corpus(folder, seed: int = 11) -> None:
    """Articles from templates with a seeded random generator: names, places and numbers vary."""
    rnd = random.Random(seed)
    for i in range(12):
        place, thing, part, extra = rnd.choice(TOPICS)
        name = rnd.choice(NAMES)
        body = [f"{place.title()} {thing} plan {rnd.choice(['approved', 'delayed', 'rejected'])}", ""]
        for _ in range(rnd.randint(3, 9)):
            body.append(rnd.choice([
                f"{name} said the {thing} would cost {rnd.randint(2, 90)} million euros.",
                f"The {place} {part} was closed for {rnd.randint(2, 14)} weeks in {rnd.choice(['May', 'June'])}.",
                f"\u201cWe need the {extra} to be safe,\u201d {name.split()[0]} said. Critics disagreed.",
                f"Officials said {rnd.randint(3, 800)} people used the {thing} every day.",
                "", f"In {2000 + rnd.randint(0, 24)}, the {place} board met {name} twice."]))
        (folder / f"article_{i:02d}.txt").write_text("\n".join(body) + "\n", "utf-8")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from assistant.index.ingest import ingest
    from assistant.service import Assistant
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("generated")
    corpus = root / "corpus"
    corpus.mkdir()
    generated_corpus(corpus)
    settings = Settings(home=root / "home", corpus=corpus)
    ingest(settings)
    return Assistant(settings), corpus


question_words = st.sampled_from([w for t in TOPICS for w in t] + [n for name in NAMES for n in name.split()]
                                 + ["what", "who", "when", "how", "many", "said", "cost", "did", "he", "she"])


@given(st.lists(question_words, min_size=1, max_size=8).map(lambda w: " ".join(w) + "?") | st.text(max_size=80))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_real_answers_cite_the_files_on_disk_at_the_cited_lines(generated, question):
    assistant, corpus = generated
    try:
        answer = assistant.ask(question)
    except InputError:
        return
    assert answer.abstained or answer.citations
    for c in answer.citations:
        raw_lines = (corpus / c.file).read_text("utf-8").split("\n")
        a, b = c.lines
        assert " ".join(c.quote.split()) in " ".join(" ".join(raw_lines[a - 1 : b]).split())


# ---------------------------------------------------------------------------- accent folding
@given(any_text)
def test_accent_folding_drops_exactly_the_combining_marks(text):
    """"Hé Lìfēng" must find "He Lifeng" whatever else the text holds: folding keeps every
    character of the NFKD form except combining marks, and is stable once applied."""
    from assistant.retrieve.terms import fold

    expected = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert fold(text) == (text if text.isascii() else expected)
    assert fold(fold(text)) == fold(text)


@settings(max_examples=300, deadline=None)  # the first call reads the 321k-word list
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz'-.0123456789", min_size=1, max_size=12)
       | st.lists(st.sampled_from(["the", "e", "mail", "half", "life", "zafi", "d", "x", "ray", "neill", "o", "u", "s"]),
                  min_size=1, max_size=4).flatmap(lambda ws: st.sampled_from(["-", ".", "'"]).map(lambda j: j.join(ws)))
       | st.sampled_from(["the", "washington", "criticised", "auction", "blinken", "o'neill", "2004", "u.s."]))
def test_english_frequency_is_wordfreqs_own(word):
    """Reading wordfreq's list directly (cold `ask` skips its 0.5 s import) must rank words as
    wordfreq does: how specific a name is decides which sentences must state it."""
    from wordfreq import zipf_frequency

    from assistant.retrieve.terms import english_zipf

    for wordlist in ("small", "large"):
        assert english_zipf(word, wordlist) == zipf_frequency(word, "en", wordlist=wordlist)


@given(st.text(alphabet="abcdeHKS", min_size=7, max_size=10),
       st.lists(st.text(alphabet="abcdeHKS .,", max_size=14), max_size=4))
@settings(max_examples=300, deadline=None)
def test_a_misspelt_name_is_found_as_by_reading_every_word(name, pieces):
    """`_misspelt` skips texts holding neither half of the name; a one-slip spelling always keeps
    one half, so it finds what comparing every word finds."""
    from assistant.retrieve.names import _misspelt, _one_edit

    slipped = [name[:i] + name[i + 1 :] for i in range(len(name))] + [name[:i] + "K" + name[i:] for i in range(len(name))]
    text = " ".join(pieces + [random.Random(name).choice(slipped)] + pieces)
    words = sorted(set(re.findall(rf"\b{re.escape(name[:2])}\w+", text)))
    assert _misspelt(name, text) == next((w for w in words if _one_edit(w, name)), None)


@given(st.lists(st.sampled_from(["Alan", "Milburn", "Clark", "said", "the", "Mr", "of", "South", "America", "Latin",
                                 "milburn", "x", ".", ",", ":", "\u201c", "\u2019s", "Grand", "Slams"]), max_size=14),
       st.lists(st.sampled_from([" ", "  ", "\n", ""]), min_size=14, max_size=14),
       st.sampled_from([("Alan", "Milburn"), ("~South", "~America"), ("Grand", "~Slams"), ("Milburn",)]))
@settings(max_examples=400, deadline=None)
def test_a_name_is_found_as_by_scanning_the_whole_text(words, gaps, name):
    """`_mentions` starts its scan at the word before the name's first occurrence; it must decide
    as the scan over the whole text does."""
    from assistant.retrieve import names

    text = "".join(w + g for w, g in zip(words, gaps))
    with_full_scan = names._first_possible_start
    for part in name:
        fast = names._mentions(part, text, name if len(name) > 1 else ())
        names._first_possible_start = lambda text, literal: 0
        try:
            assert names._mentions(part, text, name if len(name) > 1 else ()) == fast
        finally:
            names._first_possible_start = with_full_scan
