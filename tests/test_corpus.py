"""Corpus cleaning: encoding repair, boilerplate, metadata, near-duplicates.

Each rule is checked on the seeds and on fresh inputs built here, so it is shown
to generalise beyond the bundled files."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.corpus import load_corpus
from assistant.corpus.boilerplate import strip_boilerplate
from assistant.corpus.duplicates import fingerprint, group_near_duplicates, similarity
from assistant.corpus.metadata import extract_metadata
from assistant.corpus.repair import repair_text

THAI = range(0x0E00, 0x0E80)


def lossy_mojibake(text: str, codec: str) -> str:
    """UTF-8 read with a legacy code page, bytes it has no printable character for dropped."""
    decoded = text.encode("utf-8").decode(codec, errors="ignore")
    return "".join(c for c in decoded if unicodedata.category(c) != "Cc" or c in "\n\t")


@pytest.fixture(scope="module")
def corpus(seeds_dir):
    return {d.file: d for d in load_corpus(seeds_dir).documents}


def test_seed_002_has_no_thai_and_quotes_are_restored(corpus, seeds_dir):
    raw = (seeds_dir / "002_ad1b164110e9592f.txt").read_text("utf-8")
    assert sum(ord(c) in THAI for c in raw) > 90  # the damage is really there
    doc = corpus["002_ad1b164110e9592f.txt"]
    assert not [c for c in doc.text if ord(c) in THAI]
    assert "administration\u2019s" in doc.text
    assert "\u201cinformation exchange\u201d" in doc.text
    assert "Premier L\u01d0 Qi\u00e1ng" in doc.text  # accented name recovered from context
    assert any("mojibake" in r for r in doc.repairs)
    assert doc.text.count("\n") == raw.count("\n")  # line numbers stay those of the raw file


def test_fresh_thai_codepage_damage_is_repaired():
    original = ("The minister\u2019s \u201cnew plan\u201d \u2014 announced in M\u00fcnchen by Jos\u00e9 "
                "\u2014 was welcomed.\nJose Munchen said the plan\u2019s costs were low.\n")
    damaged = lossy_mojibake(original, "tis_620")
    assert damaged != original and any(ord(c) in THAI for c in damaged)
    repaired, repairs = repair_text(damaged)
    assert repaired == original
    assert repairs and "tis_620" in repairs[0]


def test_fresh_cp1252_damage_is_repaired():
    original = "She said \u201cwe\u2019re ready\u201d to talk about caf\u00e9 prices.\n"
    repaired, repairs = repair_text(original.encode("utf-8").decode("cp1252", errors="ignore"))
    assert "\u201cwe\u2019re ready" in repaired and "caf\u00e9" in repaired
    assert "\u00e2\u20ac" not in repaired and repairs


def test_unrecoverable_characters_are_dropped_not_shown():
    damaged = lossy_mojibake("Premier Li Qiang \u674e\u5f3a met him.\n", "tis_620")
    repaired, _ = repair_text(damaged)
    assert not [c for c in repaired if ord(c) in THAI]
    assert repaired.startswith("Premier Li Qiang") and repaired.rstrip().endswith("met him.")


def test_clean_text_and_real_thai_are_left_alone():
    clean = "Plain English with \u201cquotes\u201d and caf\u00e9.\n"
    assert repair_text(clean) == (clean, [])
    thai = "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a " * 20
    assert repair_text(thai)[0] == thai


def test_seed_boilerplate_is_blanked_and_recorded(corpus):
    wapo = corpus["003_651bc382ba67b386.txt"]
    assert "Democracy Dies in Darkness" not in wapo.text and "\n2 min\n" not in wapo.text
    assert "Content Source" not in corpus["004_fe8ac2ac26afd88f.txt"].text
    assert wapo.meta.outlet == "The Washington Post" and wapo.meta.date == "May 8, 2023"
    assert len(wapo.boilerplate_removed) == 2 and not wapo.repairs  # furniture is not text damage
    assert wapo.meta.title.startswith("China says relations with U.S. must be stabilized")
    assert corpus["004_fe8ac2ac26afd88f.txt"].meta.outlet == "The Washington Times"
    assert corpus["001_e005564972e790f1.txt"].meta.title == "China ready to improve relations with US, top official says"


def test_boilerplate_rules_work_on_a_new_article_from_those_sites():
    article = ("The Washington PostDemocracy Dies in Darkness\n\nSenate passes budget bill\n\n"
               "June 2, 2024 at 9:15 p.m. EDT\n4 min\n\nThe Senate passed the bill on Friday.\n"
               "It now goes to the House.\nContent Source: www.washingtonpost.com\n")
    cleaned = strip_boilerplate(article)
    text = "\n".join(cleaned.lines)
    assert "Democracy Dies" not in text and "4 min" not in text and "Content Source" not in text
    assert "The Senate passed the bill on Friday." in text
    assert len(cleaned.lines) == len(article.split("\n"))
    meta = extract_metadata(cleaned.lines, cleaned.outlets)
    assert meta == meta.model_copy(update={"title": "Senate passes budget bill", "outlet": "The Washington Post",
                                           "date": "June 2, 2024"})


def test_seed_near_duplicates_are_grouped_with_the_original_marked(corpus):
    a, b = corpus["001_e005564972e790f1.txt"], corpus["004_fe8ac2ac26afd88f.txt"]
    assert a.duplicate_group and a.duplicate_group == b.duplicate_group
    assert a.is_original and not b.is_original
    others = [d for f, d in corpus.items() if f not in (a.file, b.file)]
    assert all(d.duplicate_group is None for d in others)


SOURCE = ("The mayor told reporters on Monday that the new bridge would open next spring. "
          "Officials said the project had cost more than expected because of steel prices. "
          "The city council approved extra funding last week after a long debate. "
          "Residents have complained about traffic during the construction work. "
          "The mayor said the bridge would cut travel times for thousands of commuters.")
PARAPHRASE = ("The mayor instructed reporters on Monday that the brand new bridge would open subsequent spring. "
              "Officials mentioned the venture had price more than anticipated due to metal costs. "
              "The city council accepted additional funding final week after a protracted debate. "
              "Residents have complained about site visitors throughout the construction work. "
              "The mayor mentioned the bridge would cut journey occasions for 1000's of commuters.")
UNRELATED = ("The mayor told reporters on Monday that the library would extend its opening hours. "
             "The council said a new budget for schools would be voted on next month.")


def test_fresh_paraphrase_pair_is_grouped_and_original_detected():
    groups = group_near_duplicates({"a.txt": PARAPHRASE, "b.txt": SOURCE, "c.txt": UNRELATED})
    assert groups["a.txt"][0] == groups["b.txt"][0]
    assert groups["b.txt"][1] and not groups["a.txt"][1]
    assert "c.txt" not in groups
    source, unrelated, paraphrase = (fingerprint(t) for t in (SOURCE, UNRELATED, PARAPHRASE))
    assert similarity(source, unrelated)[0] < similarity(source, paraphrase)[0]


class _Memory:
    """An in-memory PairMemory (the ingest keeps the same in SQLite)."""

    def __init__(self) -> None:
        self.state = None

    def load(self):
        return self.state

    def save(self, seen, pairs):
        self.state = (set(seen), list(pairs))


def test_a_new_near_duplicate_joins_its_group_and_a_lost_member_splits_it_without_a_full_pass(monkeypatch):
    from assistant.corpus import duplicates

    memory = _Memory()
    texts = {"a.txt": SOURCE, "c.txt": UNRELATED}
    assert group_near_duplicates(texts, memory=memory) == {}
    full_passes = []
    real = duplicates._lsh_pairs
    monkeypatch.setattr(duplicates, "_lsh_pairs", lambda prints: full_passes.append(1) or real(prints))
    grown = group_near_duplicates({**texts, "b.txt": PARAPHRASE}, memory=memory)
    assert not full_passes  # one new text: compared with the cached signatures only
    assert grown == group_near_duplicates({**texts, "b.txt": PARAPHRASE})  # what a fresh full pass finds
    assert grown["a.txt"][0] == grown["b.txt"][0]
    shrunk = {"b.txt": PARAPHRASE, "c.txt": UNRELATED, "d.txt": SOURCE.rstrip() + " Edited."}
    fresh = group_near_duplicates(shrunk)  # a full pass, for comparison
    full_passes.clear()
    regrouped = group_near_duplicates(shrunk, memory=memory)
    assert not full_passes  # a remembered pair lost a member: only its group is compared again
    assert regrouped == fresh and regrouped["d.txt"][0] == regrouped["b.txt"][0]
    assert group_near_duplicates({"c.txt": UNRELATED}, memory=memory) == {}


def test_loader_skips_bad_files_without_stopping(tmp_path):
    (tmp_path / "good.txt").write_text("A real article about trade talks in Beijing.\n", "utf-8")
    (tmp_path / "empty.txt").write_text("", "utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.md").write_text("# Nested\nAnother article.\n", "utf-8")
    corpus = load_corpus(tmp_path)
    assert sorted(d.file for d in corpus.documents) == ["good.txt", "sub/nested.md"]
    reasons = {s.file: s.reason for s in corpus.skipped}
    assert reasons["empty.txt"] == "empty file" and reasons["binary.txt"] == "binary content"
    assert "image.png" in reasons


ARTICLE = ("Ministers meet on fish quotas\n"
           "EU fisheries ministers agreed on Tuesday to cut cod quotas by 15% after talks lasting 20 hours.\n"
           "The deal was criticised by fishermen in Peterhead, who called it \u201cruinous\u201d.\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_unicode_saved_by_windows_tools_is_read_not_skipped_as_binary(tmp_path, encoding):
    """Notepad's "Unicode" is UTF-16 with a byte-order mark; some exporters write it without one."""
    (tmp_path / "wide.txt").write_bytes(ARTICLE.encode(encoding))
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    corpus = load_corpus(tmp_path)
    (doc,) = corpus.documents
    assert doc.text == ARTICLE and doc.repairs == [f"decoded as {encoding}"]
    assert doc.meta.title == "Ministers meet on fish quotas"
    assert {s.file: s.reason for s in corpus.skipped} == {"binary.txt": "binary content"}


def test_front_matter_gives_the_metadata_and_is_not_indexed_as_text(tmp_path):
    raw = ("---\ntitle: \"Cod quotas cut by 15%\"\ndate: 2005-01-02\npublisher: Fishing News\ntags: [eu, fish]\n---\n"
           "# Ministers meet on fish quotas\n\n" + ARTICLE.split("\n", 1)[1])
    (tmp_path / "quotas.md").write_text(raw, "utf-8")
    (doc,) = load_corpus(tmp_path).documents
    assert (doc.meta.title, doc.meta.date, doc.meta.outlet) == ("Cod quotas cut by 15%", "2005-01-02", "Fishing News")
    raw_lines, lines = raw.split("\n"), doc.text.split("\n")
    assert len(lines) == len(raw_lines)  # blanked, not removed: line numbers still point into the raw file
    assert not any(lines[:6]) and "tags" not in doc.text
    assert lines[8] == raw_lines[8] and "cod quotas by 15%" in lines[8]


def test_a_header_block_of_key_lines_gives_the_metadata_and_is_not_indexed_as_text(tmp_path):
    """Scrapers and mail-style exports open with "Title: …" / "Date: …" lines and a blank line."""
    raw = "Title: Cod quotas cut by 15%\r\nDate: 2005-01-02\r\nSource: Fishing News\r\n\r\n" + ARTICLE.split("\n", 1)[1]
    (tmp_path / "quotas.txt").write_text(raw, "utf-8", newline="")
    (doc,) = load_corpus(tmp_path).documents
    assert (doc.meta.title, doc.meta.date, doc.meta.outlet) == ("Cod quotas cut by 15%", "2005-01-02", "Fishing News")
    lines = doc.text.split("\n")
    assert len(lines) == len(raw.split("\n")) and not any(line.strip() for line in lines[:4])
    assert "cod quotas by 15%" in doc.text


@pytest.mark.parametrize("opening", ["Update: ministers have met again.\n\n", "Title: no blank line after it\n",
                                     "Title: a headline\nand a second line that is no header\n\n"])
def test_an_article_opening_with_words_and_a_colon_keeps_every_line(tmp_path, opening):
    (tmp_path / "a.txt").write_text(opening + ARTICLE, "utf-8")
    (doc,) = load_corpus(tmp_path).documents
    assert doc.text.split("\n") == (opening + ARTICLE).split("\n")


@pytest.mark.parametrize("opening", ["---\ntitle: [unclosed\n---\n", "---\n", "---\nNo closing rule\n\n"])
def test_an_article_opening_with_a_rule_or_broken_front_matter_keeps_every_line(tmp_path, opening):
    (tmp_path / "a.txt").write_text(opening + ARTICLE, "utf-8")
    (doc,) = load_corpus(tmp_path).documents
    assert doc.text.split("\n") == (opening + ARTICLE).split("\n")
    assert doc.meta.title != "---"  # a rule is no headline


def test_a_markdown_heading_is_a_title_without_its_marks():
    assert extract_metadata(["", "## Ministers meet on fish quotas", "Body."], []).title == "Ministers meet on fish quotas"
