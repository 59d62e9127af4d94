"""Loading up front what questions load on first use, for a process that will answer many.

A server's first answerable question otherwise pays for spaCy (~0.6 s), the word tables and the
modules of the answer path. `ask` in a new process never calls this: it loads only what its one
question needs.
"""

from __future__ import annotations

import gc
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.service import Assistant

# A collection of the young generations every 20,000 new objects instead of 700: a question allocates
# tens of thousands, and each collection also walks what recent questions cached (23 gen-1 passes of
# ~2.3 ms and 2 full ones of ~50 ms over 138 BBC questions at the default). Same-VM pairs of runs:
# warm p95 50.9 -> 44.6 ms, p50 27.5 -> 25.4 ms (means of 5).
SERVER_GC_THRESHOLDS = (20_000, 20, 100)
# modules the answer path imports on first use (the readers of spaCy's parses)
WARM_MODULES = ("assistant.answer.span", "assistant.answer.slot", "assistant.answer.relation", "assistant.answer.roles",
                "assistant.retrieve.question", "assistant.retrieve.nlp", "assistant.chat.referents")


def warm_up(assistant: Assistant) -> None:
    """Encoder, index tables, refusal model, spaCy, the lemma table and the English word list;
    then everything loaded is moved out of the garbage collector's sight (`gc.freeze`): a full
    collection walking those millions of long-lived objects paused whichever question triggered
    it (BBC: two of the first questions took 80-125 ms instead of ~30); and young objects are
    collected less often (`SERVER_GC_THRESHOLDS`)."""
    from assistant.retrieve import lexicon, spacy_pipeline
    from assistant.retrieve.terms import english_zipf

    assistant.encoder.encode(["warm up"])
    _ = (assistant.retriever, assistant.term_stats, assistant.sentence_table, assistant.confidence_model,
         assistant.null_profile)
    for module in WARM_MODULES:
        importlib.import_module(module)
    if assistant.settings.span_reader:
        spacy_pipeline.parse("Who said what, and why?")
    lexicon.lexicon()
    english_zipf("the")
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)
