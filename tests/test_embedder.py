"""The fast query encoder must give the reference (sentence-transformers) vectors."""

import numpy as np

from assistant.index.embedder import OnnxEncoder, TorchEncoder, export_onnx

SENTENCES = ["Why was Blinken's trip postponed?", "short",
             "The curbs crippled the smartphone enterprise of Huawei Technologies Ltd., China's first tech brand."]


def test_onnx_export_matches_sentence_transformers(tmp_path):
    reference = TorchEncoder()
    target = tmp_path / "model.onnx"
    assert export_onnx(target, reference)
    fast, slow = OnnxEncoder(target).encode(SENTENCES), reference.encode(SENTENCES)
    assert fast.shape == slow.shape == (3, 384)
    assert np.min(np.sum(fast * slow, axis=1)) > 0.9999


def test_long_texts_go_in_smaller_batches_and_every_text_once():
    from assistant.index.embedder import EMBED_BATCH, EMBED_BATCH_TOKENS, token_budget_batches

    lengths = [20] * 100 + [400] * 30 + [2000] * 3  # characters, sorted as the ingest sorts them
    batches = token_budget_batches(list(range(len(lengths))), lengths)
    assert [i for b in batches for i in b] == list(range(len(lengths)))
    assert max(len(b) for b in batches) == EMBED_BATCH  # short sentences: full batches
    long_batches = [b for b in batches if lengths[b[-1]] == 400]
    assert long_batches and all(len(b) * (400 // 3 + 2) <= EMBED_BATCH_TOKENS for b in long_batches)
    assert all(len(b) <= EMBED_BATCH_TOKENS // 256 for b in batches if lengths[b[0]] == 2000)
