"""Our numpy reading of the bm25s index must score exactly like bm25s itself."""

import bm25s
import numpy as np

from assistant.index.keyword import KeywordIndex, build, tokenize

TEXTS = ["The spy balloon caused Blinken to postpone his trip to Beijing.",
         "Raimondo raised concerns about curbs on Intel and Micron.",
         "The curbs crippled the smartphone business of Huawei.",
         "Beijing cut off talks on climate change after Pelosi visited Taiwan.",
         "The balloon, which Beijing said was for science, scuppered the trip."]
QUERIES = ["Why was Blinken's trip postponed?", "Which chipmakers?", "balloon Beijing trip", "Huawei phones",
           "nothing matches zebra"]


def test_same_scores_as_bm25s(tmp_path):
    build(TEXTS, tmp_path)
    ours = KeywordIndex(tmp_path, len(TEXTS))
    reference = bm25s.BM25.load(str(tmp_path))
    for q in QUERIES:
        tokens = tokenize(q)
        ids = [reference.vocab_dict[t] for t in tokens if t in reference.vocab_dict]
        expected = reference.get_scores(ids) if ids else np.zeros(len(TEXTS))
        assert np.allclose(ours.scores(q), expected, atol=1e-5), q
    assert ours.query("Why was Blinken's trip postponed?", 2)[0][0] == 0
    assert ours.query("nothing matches zebra", 3) == []
