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
