"""The refusal model: what it refuses and answers over the real seeds index, and what it costs."""

from __future__ import annotations

from assistant.answer import probes
from assistant.answer.confidence import Features, Model, below_null, load_model, off_topic
from assistant.models import ABSTAIN_TEXT, CONTEXT_MARK, Sentence
from assistant.retrieve.evidence import Evidence
from processes import ask_in_new_process


def test_the_shipped_model_loads_and_reads_only_known_features():
    model = load_model()
    assert model.names and set(model.names) <= set(Features.__dataclass_fields__)
    assert 0.0 < model.cutoff < 1.0 and len(model.coef) == len(model.names) == len(model.mean)


def test_better_evidence_makes_an_answer_more_likely():
    model = load_model()
    weak = Features(0.15, 0.25, 0.2, 0.2, 0.9, 0.0, 1.0, 0.0, 0.3, 1.5, 0.0)
    strong = Features(0.7, 0.7, 0.8, 0.8, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.9)
    assert model.probability(weak) < model.cutoff <= model.probability(strong)
    assert not model.judge(weak).answer and model.judge(strong).answer


def test_the_same_match_counts_for_more_on_a_corpus_where_unrelated_questions_score_low():
    small = {"match_p50": 0.12, "match_p90": 0.19}
    large = {"match_p50": 0.34, "match_p90": 0.49}
    assert below_null(0.38, small) == 0.0 < below_null(0.38, large) and below_null(0.38, None) == 0.0


def test_a_question_could_answer_only_if_span_reading_can_lift_it_over_the_cutoff():
    model = Model(("top_score", "span_linked"), (0.0, 0.0), (1.0, 1.0), (10.0, 1.0), -5.0, 0.5)
    hopeless = Features(0.3, 0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, 1.0)
    close = Features(0.42, 0, 0, 0, 0, 0.0, 0.0, 0, 0, 0, 1.0)
    assert not model.could_answer(hopeless, 1.1)
    assert model.could_answer(close, 1.1) and not model.judge(close).answer


def test_an_off_topic_question_is_refused_and_a_plain_one_answered(assistant):
    off = assistant.ask("What is a good recipe for banana bread with walnuts?")
    assert off.abstained and off.citations == []
    unknown = assistant.ask("How much did the Zorblax consortium pay for Quuxcorp?")
    assert unknown.abstained
    plain = assistant.ask("Who did Gina Raimondo meet in Beijing?")
    assert not plain.abstained and plain.citations


def test_the_index_stores_what_unrelated_questions_score(assistant):
    profile = probes.read(assistant.snap.folder)
    assert profile is not None and profile["probes"] == len(probes.PROBE_QUESTIONS)
    assert 0.0 < profile["match_p50"] <= profile["match_p90"] < 1.0
    assert 0.0 < profile["dense_p50"] <= profile["dense_p90"] < 1.0


def _article(file: str, start_row: int, headline: str, body: str) -> list[Sentence]:
    return [Sentence(file=file, chunk_id=f"{file}#0", start=0, end=len(headline), line_start=1, line_end=1,
                     text=headline, heading=True),
            Sentence(file=file, chunk_id=f"{file}#0", start=len(headline) + 2, end=len(headline) + 2 + len(body),
                     line_start=3, line_end=3, text=body)]


def test_a_question_whose_words_match_only_an_article_about_something_else_is_off_topic():
    """"What is the highest mountain in Africa?" shares words with a sentence about textile jobs in a
    mountainous country: the cosine is what unrelated questions reach, and the article is about jobs."""
    sentences = _article("jobs.txt", 0, "Textile jobs lost in Lesotho",
                         "In the mountainous country surrounded by South Africa, 50,000 jobs could go.")
    profile = {"dense_p50": 0.35, "dense_p90": 0.45}
    general = [Evidence(sentences[1], 0.44, 0.38, 0.68, 1), Evidence(sentences[0], 0.10, 0.10, 0.0, 0)]
    assert off_topic("What is the highest mountain in Africa?", general, sentences, profile)
    model = load_model()
    assert model.probability(Features(0.7, 0.7, 0.8, 0.8, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.9, off_topic=1.0)) == 0.0
    about = [Evidence(sentences[1], 0.44, 0.38, 0.68, 1), Evidence(sentences[0], 0.30, 0.40, 0.3, 0)]
    assert not off_topic("How many textile jobs could Lesotho lose?", about, sentences, profile)
    close = [Evidence(sentences[1], 0.60, 0.62, 0.68, 1), Evidence(sentences[0], 0.10, 0.10, 0.0, 0)]
    assert not off_topic("How many jobs could go in the mountainous country?", close, sentences, profile)
    follow_up = f"Where is it?{CONTEXT_MARK}Which country could lose 50,000 jobs?)"
    assert not off_topic(follow_up, general, sentences, profile)  # the conversation found the topic
    assert not off_topic("What is the highest mountain in Africa?", general, sentences, {"match_p50": 0.3})
    alone = general[:1]  # the headline not among the candidates: read from the query's vector, if known
    assert not off_topic("What is the highest mountain in Africa?", alone, sentences, profile)
    assert off_topic("What is the highest mountain in Africa?", alone, sentences, profile, cosine=lambda row: 0.1)


def test_a_question_refused_on_cheap_evidence_never_loads_spacy(cli_env):
    answer, loaded = ask_in_new_process(cli_env, "What is a good recipe for banana bread with walnuts?", "spacy")
    assert answer == ABSTAIN_TEXT and not loaded


def test_an_index_built_without_a_null_profile_gets_it_from_the_next_ingest(tmp_path, corpus_copy):
    from assistant.index import snapshot
    from assistant.index.ingest import ingest
    from assistant.settings import Settings

    settings = Settings(home=tmp_path / "home", corpus=corpus_copy)
    ingest(settings)
    folder = snapshot.current_folder(settings.index_dir)
    (folder / probes.PROFILE_FILE).unlink()  # as an index built before the refusal model
    ingest(settings)
    assert snapshot.current_folder(settings.index_dir) == folder  # unchanged corpus: same generation
    assert probes.read(folder) is not None


def test_a_re_ingest_of_a_few_files_keeps_the_last_null_profile_and_a_large_one_recomputes(tmp_path):
    from types import SimpleNamespace

    from assistant.index.ingest import IngestReport, _kept_null_profile

    profile = probes.profile_of([0.30, 0.35, 0.40])
    probes.write(tmp_path, profile)
    previous = SimpleNamespace(folder=tmp_path)
    one_edit = IngestReport([], {}, updated=["a.txt"])
    assert _kept_null_profile(previous, one_edit, 2000) == profile
    many = IngestReport([], {}, added=[f"{i}.txt" for i in range(30)])
    assert _kept_null_profile(previous, many, 2000) is None  # 1.5% of the files: computed again
    assert _kept_null_profile(None, one_edit, 2000) is None
