"""Article Q&A assistant: grounded answers with line-exact citations."""

import os as _os

# numpy's BLAS on one thread unless the user says otherwise (set before numpy is imported): every
# product here is small (a question against 5k chunk vectors, spaCy's layers on a 15-word
# question), and a second BLAS thread only waits for a core. BBC gold questions asked once, both
# cores busy with other jobs: warm p50 38-45 ms with one thread, 71-95 ms with two. ONNX Runtime
# keeps its own thread count (ingest uses every core).
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
