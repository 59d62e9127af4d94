"""The guard's logic on hand-made evidence: no server, no index."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from assistant.answer.guard import (Claim, Source, adds_negation, check_claims, lexical_support, parse_reply,
                                    unsupported_specifics)

HUAWEI = "The curbs crippled the smartphone enterprise of Huawei Technologies Ltd., China’s first international tech model."
BALLOON = ("The Chinese spy balloon incident in January and February of this year scuppered Secretary of State "
           "Antony Blinken’s trip to China that was scheduled for February.")
LI = "Li Qiang, China’s no. 2 leader, told Raimondo he was ready to “make new positive efforts” to improve cooperation."
THRESHOLD = 0.5


def bag_encoder(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for MiniLM: hashed bag of lower-cased words, L2-normalised."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, text in enumerate(texts):
        for w in re.findall(r"[a-z0-9]+", text.lower()):
            out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 256] += 1
    return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


def sources(*texts: str, encode=bag_encoder) -> dict[int, Source]:
    vectors = encode(list(texts))
    return {i: Source(i, t, vectors[i - 1]) for i, t in enumerate(texts, start=1)}


def verdict(text: str, markers: list[int], srcs: dict[int, Source], encode=bag_encoder):
    return check_claims([Claim(text, markers)], srcs, encode, THRESHOLD)[0]


# ---------------------------------------------------------------------------- parsing
def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    claims = parse_reply("The curbs crippled Huawei. [1] Blinken postponed his trip [2].")
    assert [(c.text, c.markers) for c in claims] == [("The curbs crippled Huawei.", [1]),
                                                     ("Blinken postponed his trip.", [2])]


def test_markers_opening_a_line_belong_to_its_sentence_and_list_numbers_are_not_markers():
    claims = parse_reply("[1] Wang Wentao will meet Raimondo next week.\n2) The secretary visits Disneyland.")
    assert [(c.text, c.markers) for c in claims] == [("Wang Wentao will meet Raimondo next week.", [1]),
                                                     ("The secretary visits Disneyland.", [])]


def test_marker_lists_ranges_and_abbreviations():
    claims = parse_reply("Li Qiang, China’s no. 2 leader, met U.S. officials [1, 3]. It was postponed [2-3].")
    assert [c.markers for c in claims] == [[1, 3], [2, 3]]
    assert claims[0].text == "Li Qiang, China’s no. 2 leader, met U.S. officials."


def test_preamble_and_placeholder_lines():
    claims = parse_reply("The answer is: [1]. The curbs crippled Huawei.\n\n")
    assert [(c.text, c.markers) for c in claims] == [("The curbs crippled Huawei.", [1])]
    assert parse_reply("") == []


# ---------------------------------------------------------------------------- specifics
def test_a_wrong_company_name_is_caught():
    assert unsupported_specifics("Samsung's smartphone business was crippled by the curbs.", [HUAWEI]) == ["Samsung"]
    assert unsupported_specifics("Huawei’s smartphone business was crippled by the curbs.", [HUAWEI]) == []


def test_a_name_at_the_start_of_a_sentence_is_still_a_name():
    assert unsupported_specifics("Samsung was hit.", [HUAWEI]) == ["Samsung"]
    assert unsupported_specifics("The curbs hit Huawei.", [HUAWEI]) == []


def test_numbers_and_number_words_must_match():
    assert unsupported_specifics("The incident happened in 2013.", [BALLOON]) == ["2013"]
    assert unsupported_specifics("Li Qiang is China's No. 1 leader.", [LI]) == ["1"]
    assert unsupported_specifics("Li Qiang is China's No. 2 leader.", [LI]) == []
    assert unsupported_specifics("Li Qiang is China's second leader.", [LI]) == []  # "second" = 2
    assert unsupported_specifics("Huawei was China's first tech model.", [HUAWEI]) == []


def test_accents_and_apostrophes_do_not_matter():
    assert unsupported_specifics("Raimondo met Li Qiang.", ["Raimondo met Premier Lǐ Qiáng."]) == []
    assert unsupported_specifics("Blinken's trip was scuppered.", [BALLOON]) == []


def test_added_negation():
    assert adds_negation("The curbs did not cripple Huawei.", [HUAWEI])
    assert not adds_negation("The curbs crippled Huawei.", [HUAWEI])
    assert not adds_negation("Li Qiang is China's No. 2 leader.", [LI])  # "No. 2" is not a negation


def test_lexical_support_counts_content_words():
    assert lexical_support("The curbs crippled Huawei's smartphone enterprise.", [HUAWEI]) == 1.0
    assert lexical_support("Huawei was hurt by the weather.", [HUAWEI]) == pytest.approx(1 / 3)


# ---------------------------------------------------------------------------- verdicts
def test_a_supported_paraphrase_is_kept():
    srcs = sources(HUAWEI, BALLOON)
    v = verdict("The curbs crippled Huawei's smartphone business.", [1], srcs)
    assert v.kept, v.reason
    assert v.cited == [1] and v.score >= THRESHOLD and v.lexical >= 0.75


def test_a_sentence_with_a_wrong_name_is_dropped_even_when_everything_else_matches():
    v = verdict("The curbs crippled the smartphone enterprise of Samsung.", [1], sources(HUAWEI))
    assert not v.kept and "Samsung" in v.reason


def test_a_sentence_with_a_wrong_number_is_dropped():
    v = verdict("The spy balloon incident in 2013 scuppered Blinken's trip to China.", [1], sources(BALLOON))
    assert not v.kept and "2013" in v.reason


def test_a_sentence_citing_a_nonexistent_marker_is_dropped():
    v = verdict("The curbs crippled Huawei's smartphone enterprise.", [3], sources(HUAWEI, BALLOON))
    assert not v.kept and "does not exist" in v.reason and v.score == 0


def test_a_sentence_without_a_marker_is_dropped():
    v = verdict("The curbs crippled Huawei's smartphone enterprise.", [], sources(HUAWEI))
    assert not v.kept and v.reason == "cites no evidence"


def test_support_is_judged_against_the_cited_evidence_only():
    srcs = sources(HUAWEI, BALLOON)
    v = verdict("The curbs crippled the smartphone enterprise of Huawei.", [2], srcs)  # right words, wrong source
    assert not v.kept


def test_an_unrelated_sentence_is_dropped():
    v = verdict("The weather in Paris was sunny and warm all week.", [1], sources(HUAWEI))
    assert not v.kept


def test_one_real_and_one_bogus_marker_keeps_the_real_one():
    v = verdict("The curbs crippled Huawei's smartphone enterprise.", [1, 7], sources(HUAWEI))
    assert v.kept and v.cited == [1]


def test_with_the_real_minilm_encoder_a_paraphrase_passes_and_a_swap_does_not():
    from assistant.index.embedder import reference_encoder

    encode = reference_encoder().encode
    srcs = sources(HUAWEI, BALLOON, encode=encode)
    kept = verdict("The company whose smartphone business was crippled by the curbs is Huawei Technologies Ltd.",
                   [1], srcs, encode)
    assert kept.kept and kept.dense > 0.6, kept
    balloon = verdict("Blinken's trip to China was scuppered by the spy balloon incident.", [2], srcs, encode)
    assert balloon.kept, balloon
    swapped = verdict("The company whose smartphone business was crippled by the curbs is Samsung.", [1], srcs, encode)
    assert not swapped.kept


MEETINGS = ("Before the meeting between Qin and Burns, U.S. and Chinese trade officials met in Beijing in April, and "
            "Blinken met with China’s top diplomat, Wang Yi, on the sidelines of the Munich Security Conference in "
            "Berlin in February.")
CAPTION = ("U.S. Commerce Secretary Gina Raimondo, right, speaks next to China's Minister of Commerce Wang Wentao, "
           "at the Ministry of Commerce in Beijing, Monday, Aug. 28, 2023.")


def test_a_title_given_to_the_wrong_person_is_dropped():
    # every word is in the evidence, but "US Commerce Secretary Wang Wentao" is not (SmolLM2 wrote this)
    claim = "Gina Raimondo speaks next to US Commerce Secretary Wang Wentao at the Ministry of Commerce in Beijing."
    v = verdict(claim, [1], sources(CAPTION))
    assert not v.kept and "US Commerce Secretary Wang Wentao" in v.reason
    assert verdict("Gina Raimondo speaks next to Minister of Commerce Wang Wentao in Beijing.", [1],
                   sources(CAPTION)).kept


def test_facts_moved_between_clauses_are_dropped():
    # SmolLM2 wrote this: the trade officials met in Beijing in April; Berlin in February was Blinken's meeting
    v = verdict("Before the meeting between Qin and Burns, U.S. and Chinese trade officials met in Berlin in February.",
                [1], sources(MEETINGS))
    assert not v.kept and "different parts" in v.reason
    assert verdict("Blinken met Wang Yi at the Munich Security Conference in Berlin in February.", [1],
                   sources(MEETINGS)).kept


def test_an_invented_time_is_dropped():
    # SmolLM2 wrote "last month" where the article says February
    v = verdict("Blinken met with China's top diplomat Wang Yi last month.", [1], sources(MEETINGS))
    assert not v.kept and "month" in v.reason
    assert unsupported_specifics("They met this week.", ["during this week’s meeting"]) == []
    assert unsupported_specifics("It took years.", ["for 3 years"]) == []
