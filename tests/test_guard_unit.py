"""The guard's logic on hand-made evidence: no server, no index."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from assistant.answer.guard import Source, check_claims, lexical_support
from assistant.answer.specifics import (absent_question_names, adds_negation, separate_facts, unbound_pairs,
                                        unsupported_specifics)
from assistant.answer.reply import Claim, ReplyStream, parse_reply

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


def verdict(text: str, markers: list[int], srcs: dict[int, Source], encode=bag_encoder, question: str = ""):
    return check_claims([Claim(text, markers)], srcs, encode, THRESHOLD, question=question)[0]


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


def test_one_as_a_pronoun_is_no_number_and_may_as_a_month_is_no_modal_verb():
    # both were real drops/keeps with Qwen2.5-1.5B on the gold set
    assert unsupported_specifics("The last one took place in 2019.", ["The last such event took place in 2019."]) == []
    assert unsupported_specifics("One official took part.", ["Two officials took part."]) == ["One"]
    assert unsupported_specifics("Qin met Burns in May.", ["Qin met Burns on Monday; talks may resume."]) == ["May"]
    assert unsupported_specifics("Qin met Burns in May.", ["Qin met Burns in May."]) == []


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


def test_a_wrong_or_missing_marker_does_not_matter_the_supporting_sentence_is_cited():
    srcs = sources(BALLOON, HUAWEI, LI)
    for markers in ([], [1], [3], [7]):  # none, wrong, wrong, nonexistent: the model numbered its lines
        v = verdict("The curbs crippled Huawei's smartphone enterprise.", markers, srcs)
        assert v.kept and v.cited == [2], (markers, v)


def test_a_marker_breaks_a_tie_between_two_sentences_that_both_support_the_claim():
    srcs = sources(HUAWEI, HUAWEI.replace("The curbs", "Those curbs"))
    assert verdict("The curbs crippled Huawei's smartphone enterprise.", [2], srcs).cited == [2]
    assert verdict("The curbs crippled Huawei's smartphone enterprise.", [1], srcs).cited == [1]


def test_a_claim_joining_two_sentences_cites_both():
    srcs = sources(HUAWEI, BALLOON, LI)
    v = verdict("The curbs crippled Huawei, and the balloon incident scuppered Blinken's trip to China.", [], srcs)
    assert v.kept and v.cited == [1, 2], v


def test_support_is_judged_against_the_evidence_not_the_marker():
    srcs = sources(HUAWEI, BALLOON)
    v = verdict("The curbs crippled the smartphone enterprise of Huawei.", [2], srcs)  # right words, wrong marker
    assert v.kept and v.cited == [1]
    assert not verdict("The balloon crippled Samsung.", [1], srcs).kept


def test_an_unrelated_sentence_is_dropped():
    v = verdict("The weather in Paris was sunny and warm all week.", [1], sources(HUAWEI))
    assert not v.kept


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


def test_a_word_for_word_copy_of_a_long_sentence_is_not_a_join_of_distant_facts():
    # names far apart in the claim are far apart in its source too: the old rule compared neighbours in the
    # list of names (Qin ... Berlin) however far apart they stood, and dropped this copy at support 1.00
    assert unbound_pairs(MEETINGS, [MEETINGS]) == []
    v = verdict(MEETINGS, [1], sources(MEETINGS))
    assert v.kept and v.score > 0.9, v


GLENMORANGIE = ("Last year Pernod tried to buy Glenmorangie, one of Scotland's premier whisky firms, but lost out to "
                "luxury goods firm LVMH.")
DIAGEO = "The other two-thirds of Seagram was bought by market leader Diageo."


def test_names_joined_from_two_separate_sentences_are_dropped_unless_one_sentence_follows_the_other():
    # Qwen2.5-1.5B wrote this from two sentences two apart in one article (it was LVMH that bought it)
    claim = "Glenmorangie was bought by Diageo instead."
    assert separate_facts(claim, [GLENMORANGIE, DIAGEO]) == [("glenmorangie", "diageo")]
    def at(rows):
        return {n: Source(n, s.text, s.vector, "pernod.txt", row)
                for (n, s), row in zip(sources(GLENMORANGIE, DIAGEO).items(), rows)}

    assert not verdict(claim, [1, 2], at((9, 7))).kept
    assert verdict(claim, [1, 2], at((8, 7))).kept  # the same words, were one sentence the next one's sequel
    # a sentence and the next one in the article may tell one event: "He Lifeng met Raimondo … at the Great Hall"
    met = "Vice Premier He Lifeng met Raimondo this week."
    said = "“I’m ready to work with you,” he said in the meeting at the Great Hall of the People."
    both = {n: Source(n, s.text, s.vector, "raimondo.txt", row) for (n, s), row in zip(sources(met, said).items(),
                                                                                          (3, 4))}
    assert verdict("He Lifeng met Raimondo at the Great Hall of the People.", [], both).kept
    assert separate_facts("LVMH bought Glenmorangie.", [GLENMORANGIE, DIAGEO]) == []  # one sentence has both


def test_a_name_the_question_asks_about_that_no_evidence_has_is_found():
    sophos = "Anti-virus firm Sophos said that 10% of the e-mail on the net was infected with the Zafi virus."
    assert absent_question_names("Sophos wrote the Zafi.D virus.", "Who wrote the Zafi.D virus?", [sophos]) == ["Zafi.D"]
    assert absent_question_names("Sophos wrote the Zafi.D virus.", "Who wrote the virus?", [sophos]) == []
    assert absent_question_names("NEC put phones on sale in Japan.", "Which makers sell phones in Japan?",
                                 ["Handsets from NEC have been released on to the Japanese market."]) == []
    # a short form in the article that the question completes is no absence
    assert absent_question_names("Qin Gang said so.", "What did Qin Gang say?", ["Qin said so."]) == []
    # nor a surname that is also a pronoun, written capitalised inside the sentence (seeds q028)
    said = "“We can engage more effectively,” Raimondo instructed He."
    question = "What did Raimondo ask He Lifeng?"
    assert absent_question_names("Raimondo asked He Lifeng to engage.", question, [said]) == []
    assert absent_question_names("Raimondo asked He Lifeng to engage.", question,
                                 ["Raimondo: he said we can engage more effectively."]) == ["Lifeng"]


def test_a_name_the_question_gives_may_be_restated_when_the_passages_or_their_titles_have_it():
    rest = "She was due to take part in the Hopman Cup but decided she wanted to rest her knee."
    claim = "Davenport decided to rest her knee."
    question = "Why did Davenport skip the Hopman Cup?"
    srcs = sources(rest)
    assert not verdict(claim, [], srcs, question=question).kept  # nothing read names her
    v = check_claims([Claim(claim, [])], srcs, bag_encoder, THRESHOLD, question=question,
                     context=["Davenport puts retirement on hold"])[0]
    assert v.kept, v
    # a name the question does not give is still a new fact
    assert not check_claims([Claim("Sharapova decided to rest her knee.", [])], srcs, bag_encoder, THRESHOLD,
                            question=question, context=["Davenport and Sharapova"])[0].kept


def test_a_name_the_question_gives_in_full_may_complete_the_articles_short_form():
    srcs = sources("Qin said the two sides should manage their differences.")
    claim = "Qin Gang said the two sides should manage their differences."
    assert not verdict(claim, [], srcs).kept
    assert verdict(claim, [], srcs, question="What did Qin Gang say about differences?").kept
    # but only beside the name the article has: the question cannot bring in a new person
    assert not verdict("Gang said the two sides should manage their differences.", [], srcs,
                       question="What did Qin Gang say about differences?").kept
    assert not verdict("Qin and Burns said the two sides should manage their differences.", [], srcs,
                       question="What did Qin Gang and Burns say?").kept


# ---------------------------------------------------------------------------- refusals and streaming
def test_where_the_model_read_it_is_not_part_of_the_claim():
    # Qwen2.5-1.5B wrote this; "Passage 2" is in no article, so the whole correct sentence was dropped
    assert parse_reply("Passage 2 mentions that the commerce secretary will visit Shanghai Disneyland.")[0].text == (
        "The commerce secretary will visit Shanghai Disneyland.")
    assert parse_reply("According to passage 3, Huawei was hit [4].")[0].text == "Huawei was hit."
    assert parse_reply("Passage 2")[0].text == "Passage 2"  # nothing else said: left for the guard to drop
    # BBC b005: the quoted passage sentence, true, was dropped for "Passage" and "3"
    assert parse_reply('Passage 3 states: "A previous estimate of 0.1% growth was downgraded."')[0].text == (
        "A previous estimate of 0.1% growth was downgraded.")


def test_not_stated_is_a_refusal_and_an_ordinary_sentence_is_not():
    assert parse_reply("NOT STATED")[0].refusal
    assert parse_reply("The passages do not say who won.")[0].refusal
    assert not parse_reply("Huawei was not stated to be profitable [1].")[0].refusal
    assert not parse_reply("The curbs crippled Huawei [1].")[0].refusal


def test_a_streamed_reply_gives_each_sentence_once_when_complete_and_the_same_claims_as_the_whole():
    reply = ("The curbs crippled Huawei [2]. Blinken's trip to the U.S. embassy was postponed [1].\n"
             "Li Qiang is China's No. 2 leader [3].")
    stream, got, when = ReplyStream(), [], []
    for i in range(0, len(reply), 3):  # three characters at a time, as tokens arrive
        new = stream.feed(reply[i:i + 3])
        got.extend(new)
        when.extend([i] * len(new))
    got.extend(stream.close())
    assert [(c.text, c.markers) for c in got] == [(c.text, c.markers) for c in parse_reply(reply)]
    assert when[0] < reply.index("Blinken") + 12  # the first sentence was out before the second was finished


def test_a_name_made_the_doer_when_the_evidence_has_it_only_as_the_one_acted_upon_is_dropped():
    # the follow-up "What did Raimondo say he was ready to make?" led the model to give Li Qiang's words to her
    srcs = sources(LI)
    v = verdict("Raimondo said he was ready to make new positive efforts.", [1], srcs)
    assert not v.kept and "acted upon" in v.reason
    assert not verdict("Raimondo was ready to make new positive efforts.", [1], srcs).kept
    assert verdict("Li Qiang told Raimondo he was ready to make new positive efforts.", [1], srcs).kept
    # a passive claim, and a symmetric verb, keep their roles
    assert verdict("Raimondo was told Li Qiang was ready to make new positive efforts.", [1], srcs).kept
    met = sources("Li Qiang met Raimondo at the Great Hall of the People.")
    assert verdict("Raimondo met Li Qiang at the Great Hall of the People.", [1], met).kept


def test_a_bare_name_the_question_already_gives_answers_nothing_and_is_dropped():
    question = ("Which part of its business? (context: Huawei Technologies Ltd.; Which company's business did "
                "those curbs cripple?)")
    srcs = sources(HUAWEI)
    v = verdict("Huawei Technologies Ltd.", [1], srcs, question=question)
    assert not v.kept and "restates the question" in v.reason
    assert verdict("The smartphone enterprise.", [1], srcs, question=question).kept
    assert verdict("The curbs crippled the smartphone enterprise of Huawei Technologies Ltd.", [1], srcs,
                   question=question).kept


def test_a_sentence_restating_an_earlier_question_of_the_conversation_answers_nothing_and_is_dropped():
    # Qwen2.5-1.5B wrote this to the third turn (BBC bc06#3): true, but the answer to the second
    tate = "ArtGarden, developed by BT's research unit, is being tried out by the Tate gallery."
    question = ("What else might it be used to search for later? (context: Which gallery is trying it out?; "
                "Who developed the ArtGarden picture search?)")
    v = verdict("The gallery is trying it out.", [], sources(tate), question=question)
    assert not v.kept and "restates the question" in v.reason
    assert verdict("The Tate gallery is trying it out.", [], sources(tate), question=question).kept  # names it
    assert verdict("The gallery is trying it out.", [], sources(tate), question="Is the gallery trying it out?").kept


def test_a_speakers_words_lifted_out_of_their_quote_are_dropped():
    said = sources("She said President Joe Biden “asked me to push for concrete steps and to reiterate to you our "
                   "desire to have more open engagement.”")
    v = verdict("The premier hinted at concrete steps by asking him to reiterate to you our desire to have more open "
                "engagement.", [1], said)
    assert not v.kept and "speaker" in v.reason
    assert verdict("Biden asked her to reiterate “our desire to have more open engagement.”", [1], said).kept


def test_the_setting_the_question_gives_joins_no_facts_but_a_name_made_subject_or_object_does():
    # Qwen2.5-1.5B, to "Who was named best actress at the Independent Spirit Awards?": the winner stands in one
    # sentence, the awards' name in another of the same article
    winner = "Other winners included Catalina Sandino Moreno, who took best actress for her role as a drug smuggler."
    awards = "The comedy Sideways has dominated this year's Independent Spirit Awards, winning all six awards."
    question = "Who was named best actress at the Independent Spirit Awards?"

    def article(*texts: str) -> dict[int, Source]:
        return {n: Source(n, s.text, s.vector, "spirit.txt", row)
                for (n, s), row in zip(sources(*texts).items(), (2, 9))}

    claim = "Catalina Sandino Moreno was named best actress at the Independent Spirit Awards."
    assert verdict(claim, [], article(winner, awards), question=question).kept
    assert not verdict(claim, [], article(winner, awards)).kept  # the question did not give the setting
    # a name the question gives, made the one acted upon, is a fact of its own (it was LVMH that bought it)
    glen = article(GLENMORANGIE, DIAGEO)
    assert not verdict("Glenmorangie was bought by Diageo instead.", [], glen,
                       question="Who bought Glenmorangie from Diageo?").kept


def test_a_month_the_question_gives_may_be_restated():
    # Qwen2.5-1.5B wrote this to "…which Chinese foreign minister did he meet in May?" (q053): true, and dropped
    # because the cited sentence has no capitalised "May"
    met = "Burns met Chinese Foreign Minister Qin Gang in Beijing."
    claim = "The Chinese foreign minister who met with him in May was Qin Gang."
    assert not verdict(claim, [1], sources(met)).kept
    assert verdict(claim, [1], sources(met), question="Which Chinese foreign minister did Burns meet in May?").kept
    # the modal verb in a question is no month
    assert not verdict(claim, [1], sources(met), question="Who may Burns have met?").kept


def test_a_shortened_name_or_title_may_leave_out_two_words_but_never_joins_two_people():
    record = "McSweeney broke Michelle Carroll's long-standing Irish record in the 60m final."
    assert verdict("Ailis McSweeney beat Michelle Carroll's Irish record.", [], sources(record),
                   question="Whose Irish record did Ailis McSweeney beat?").kept
    pair = "Secretary Blinken and Wang met in Munich."
    v = verdict("Secretary Wang met in Munich.", [], sources(pair))
    assert not v.kept and "put together differently" in v.reason
    assert not verdict("Gina Raimondo speaks next to US Commerce Secretary Wang Wentao.", [1], sources(CAPTION)).kept


JUNE = ("Raimondo is the fourth Biden administration official to travel to China in recent months after Assistant "
        "Secretary of State for East Asian and Pacific Affairs Daniel Kritenbrink visited in early June, followed by "
        "Secretary of State Antony Blinken a few weeks later and Treasury Secretary Janet Yellen in July.")


def test_a_pair_the_question_itself_puts_together_is_no_join_of_distant_facts():
    claim = "Daniel Kritenbrink visited China in early June."
    assert unbound_pairs(claim, [JUNE]) == [("china", "june")]
    assert verdict(claim, [1], sources(JUNE), question="Which US official visited China in early June?").kept
    # the pair from an earlier turn's context is not this question's premise: "who went in July?" is asked
    wrong = "Antony Blinken visited China in early June."
    assert not verdict(wrong, [1], sources(JUNE), question="And who went in July? (context: Which US official "
                                                              "visited China in early June?)").kept


def test_a_name_given_twice_where_the_evidence_names_it_once_is_dropped():
    # Qwen2.5-1.5B wrote this over MEETINGS (q051): Wang Yi put in Blinken's place
    v = verdict("Wang Yi met with China's top diplomat, Wang Yi.", [1], sources(MEETINGS))
    assert not v.kept and "twice" in v.reason
    assert verdict("Blinken met with China's top diplomat, Wang Yi.", [1], sources(MEETINGS)).kept


def test_the_sentence_before_may_name_whom_the_best_supporting_sentence_calls_he():
    # c010#2: the quote says "he said"; the sentence before it names He Lifeng. Four retellings of the quote
    # in other articles outrank that sentence, so it is found as the neighbour of the best one, not by rank.
    named = "Vice Premier He Lifeng referred to in-depth exchanges during this week's meeting with Raimondo."
    said = "“I’m ready to make new positive efforts to deepen cooperation,” he said in the meeting."
    retold = ["“I’m ready to make new positive efforts to deepen cooperation,” he told Raimondo in Beijing.",
              "He was ready to make new positive efforts to deepen cooperation, he said on Monday.",
              "“We are ready to make new positive efforts to deepen cooperation,” an official said.",
              "Positive efforts to deepen cooperation were promised, he said in the meeting."]
    srcs = sources(said, *retold, named)
    placed = {n: Source(n, s.text, s.vector, "a.txt" if n in (1, 6) else f"{n}.txt", {1: 5, 6: 4}.get(n, 0))
              for n, s in srcs.items()}
    claim = "He Lifeng said he was ready to make new positive efforts to deepen cooperation."
    v = verdict(claim, [], placed)
    assert v.kept and v.cited == [1, 6], v
    unplaced = {n: Source(n, s.text, s.vector, f"{n}.txt", 0) for n, s in srcs.items()}
    assert not verdict(claim, [], unplaced).kept  # the naming sentence is in another article: no one event


def test_a_bare_answer_cites_the_sentence_that_also_says_what_the_question_asks():
    # q007: "Wang Wentao" cited a sentence that only names him; it did not say he is the minister asked about
    talks = "Raimondo has more talks with Wang Wentao tomorrow."
    minister = "China's Commerce Minister Wang Wentao will meet Gina Raimondo next week."
    srcs = sources(talks, minister)
    assert verdict("Wang Wentao", [], srcs).cited == [1]  # the claim alone: the shorter sentence
    v = verdict("Wang Wentao", [], srcs, question="What is the name of China's minister of commerce?")
    assert v.kept and v.cited == [2], v


def test_a_title_may_leave_out_its_qualifier_but_not_another_persons_name():
    # q055: true, and dropped for "State Daniel Kritenbrink" not standing word for word in the sentence
    claim = "Assistant Secretary of State Daniel Kritenbrink visited in early June."
    assert verdict(claim, [1], sources(JUNE)).kept
    assert not verdict("Secretary of State Janet Yellen visited in July.", [1], sources(JUNE)).kept


def test_a_first_name_the_question_gives_may_complete_the_cited_sentences_mr_form():
    # b091: another passage sentence says "Peter Molyneux"; the cited one says "Mr Molyneux"
    behind = "Mr Molyneux has been behind games such as Populous and Theme Park."
    obe = "Leading British computer games maker Peter Molyneux has been made an OBE."
    v = verdict("Peter Molyneux has been behind Populous and Theme Park.", [], sources(behind, obe),
                question="Which hit games has Peter Molyneux been behind?")
    assert v.kept and v.cited == [1], v
    assert not verdict("Peter Molyneux has been behind Populous and Theme Park.", [], sources(behind, obe)).kept


def test_words_given_to_another_doer_than_the_one_who_said_them_are_dropped():
    # seeds q033: Liu is the embassy's spokesman, not the foreign minister the question asks about
    liu = ("“We hope the US side will return to a rational and pragmatic China policy,” Liu said, adding that "
           "China urges the US to lift unreasonable restrictions.")
    claim = "China's foreign minister urged the US envoy to return to a rational and pragmatic China policy."
    v = verdict(claim, [], sources(liu))
    assert not v.kept and "minister" in v.reason, v
    # a passage naming the doer by both ("Foreign Ministry spokesman Liu") joins them; a pronoun names no other
    linked = sources(liu, "Foreign minister spokesman Liu Pengyu spoke on Monday.")
    assert verdict(claim, [], linked).kept
    she = sources("Although she defended the curbs as needed for national security, talks went on.")
    assert check_claims([Claim("Raimondo defended the curbs as needed for national security.")], she, bag_encoder,
                        THRESHOLD, question="Why did Raimondo defend the curbs?", context=["Raimondo in Beijing"]
                        )[0].kept


def test_a_bare_number_and_spaced_initials_are_read_as_the_article_writes_them():
    # seeds q016 ("4" to "How many days was the trip?") and q032 ("the U. S. ambassador"): both true, both dropped
    trip = "Today, the second day of a four-day trip, Raimondo met with Premier Li."
    assert verdict("4", [], sources(trip), question="How many days was Raimondo's trip to China?").kept
    assert not verdict("5", [], sources(trip), question="How many days was Raimondo's trip to China?").kept
    cap = "Four people successfully moved a computer cursor while wearing a cap with 64 electrodes."
    v = verdict("4", [], sources(cap), question="How many electrodes did the brain-reading cap carry?")
    assert not v.kept and "bare number" in v.reason  # BBC b083: the four are people
    met = "Qin Gang met Monday with the U.S. ambassador in Beijing, Nicholas Burns."
    assert verdict("Qin Gang received the U. S. ambassador in Beijing, Nicholas Burns, on Monday.", [], sources(met)).kept


def test_an_opening_gerund_is_no_name_and_coming_second_reverses_no_role():
    # BBC b081: both true, both dropped ("Buying" read as a name; "iPod" as the one beaten, made the doer)
    cost = sources("Owning all 10 gadgets will set the gadget lover back £7,455.",
                   "It beats the iPod into second place in the Top Ten Essentials list.")
    assert verdict("Buying all 10 gadgets would cost £7,455.", [], cost).kept
    assert not verdict("Samsung gadgets would cost £7,455.", [], cost).kept
    assert verdict("The iPod came second in the Top Ten Essentials list.", [], cost).kept
    assert not verdict("The iPod beats it into second place in the Top Ten Essentials list.", [], cost).kept
