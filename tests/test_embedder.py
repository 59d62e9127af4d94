"""The fast query encoder must give the reference (sentence-transformers) vectors."""

import numpy as np
import onnx

from assistant.index.embedder import OnnxEncoder, TorchEncoder, ensure_encoder, export_onnx, weights_path
from assistant.settings import Settings

SENTENCES = ["Why was Blinken's trip postponed?", "short",
             "The curbs crippled the smartphone enterprise of Huawei Technologies Ltd., China's first tech brand."]


def test_onnx_export_matches_sentence_transformers(tmp_path):
    reference = TorchEncoder()
    target = tmp_path / "model.onnx"
    assert export_onnx(target, reference)
    fast, slow = OnnxEncoder(target).encode(SENTENCES), reference.encode(SENTENCES)
    assert fast.shape == slow.shape == (3, 384)
    assert np.min(np.sum(fast * slow, axis=1)) > 0.9999
    # the weights sit beside the graph (opened in half the time), and an encoder exported before
    # that is converted in place by the next ingest, giving the same vectors
    assert target.stat().st_size < 1_000_000 and weights_path(target).stat().st_size > 80_000_000
    assert weights_path(target).stat().st_mode & 0o777 == target.stat().st_mode & 0o777  # readable as the graph is
    models = tmp_path / "old-home-models"
    models.mkdir()
    onnx.save_model(onnx.load(str(target)), str(models / "minilm-l6-v2.onnx"))  # weights inline
    assert not weights_path(models / "minilm-l6-v2.onnx").exists()
    converted = ensure_encoder(Settings(model_dir=models))
    assert converted.stat().st_size < 1_000_000 and weights_path(converted).exists()
    assert np.array_equal(OnnxEncoder(converted).encode(SENTENCES), fast)


def test_long_texts_go_in_smaller_batches_and_every_text_once():
    from assistant.index.embedder import EMBED_BATCH, EMBED_BATCH_TOKENS, token_budget_batches

    lengths = [20] * 100 + [400] * 30 + [2000] * 3  # characters, sorted as the ingest sorts them
    batches = token_budget_batches(list(range(len(lengths))), lengths)
    assert [i for b in batches for i in b] == list(range(len(lengths)))
    assert max(len(b) for b in batches) == EMBED_BATCH  # short sentences: full batches
    long_batches = [b for b in batches if lengths[b[-1]] == 400]
    assert long_batches and all(len(b) * (400 // 3 + 2) <= EMBED_BATCH_TOKENS for b in long_batches)
    assert all(len(b) <= EMBED_BATCH_TOKENS // 256 for b in batches if lengths[b[0]] == 2000)
