"""The one typed settings object. Every knob lives here; env vars are `ASSISTANT_*`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_SEEDS = PACKAGE_ROOT / "seeds"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.cwd() / ".assistant",
                       description="Data folder: index, manifest, sessions.")
    corpus: Path = Field(default=BUNDLED_SEEDS, description="Folder of .txt/.md articles.")
    chroma_url: str | None = Field(default=None, description="Chroma server URL; unset = embedded.")
    collection: str = "articles"

    # Corpus boundary (assistant/corpus/loader.py): what is never read as an article.
    # Files above this size are skipped with a reason (a news article is a few KB).
    max_file_bytes: int = Field(default=5_000_000, ge=1)
    # Case-insensitive file-name patterns of folder furniture, not articles. Exact names
    # plus "NAME.*" only: a news file may well be called "licence-fee-row.txt".
    skip_patterns: list[str] = Field(default_factory=lambda: [
        f"{name}{suffix}" for name in ("README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CHANGES",
                                       "NOTICE", "AUTHORS", "CONTRIBUTING") for suffix in ("", ".*")])
    model_dir: Path | None = Field(default=None, description="Exported ONNX encoder cache; default <home>/models.")

    # Embedding: int8 weights (see README "Performance"); part of the index's config key
    quantized_encoder: bool = Field(default=False, description="Use the int8-quantized MiniLM encoder.")
    # Texts embedded between two commits to the vector cache: what a kill can cost at most
    embed_commit_every: int = Field(default=512, ge=1)

    # Chunking
    chunk_size: int = Field(default=256, ge=32, description="Tokens per chunk (tiktoken).")
    chunk_overlap: int = Field(default=32, ge=0)

    # Retrieval
    # Candidates = union of the dense and keyword top-k (fused by RRF); the sentence
    # scorer does the fine ranking, so a chunk strong in only one list still competes.
    dense_top_k: int = 8
    keyword_top_k: int = 8
    fused_top_k: int = 16
    rrf_k: int = 60

    # Answering
    engine: str = Field(default="extractive", pattern="^(extractive|llm)$")
    max_answer_sentences: int = 3
    # Whether to answer is the refusal model's (assistant/answer/confidence.py, fitted by
    # `python -m eval.calibrate --fit`); unset = the model shipped in the package.
    confidence_model: Path | None = Field(default=None, description="Refusal model JSON; default: the shipped one.")
    # A sentence quoted for a further ask of a two-part question must score at least this.
    min_part_score: float = 0.31
    # A second sentence joins the answer only if it scores this close to the best one.
    companion_ratio: float = 0.85
    # ...or, if it is another article stating the same fact, this close.
    corroboration_ratio: float = 0.65

    # Short answers (spaCy, loaded on first use): how many of the best candidate sentences
    # are parsed per question for the asked span, and how many parsed sentences are kept.
    span_reader: bool = True  # off: no short answers, no answer-type check (for measuring its cost)
    span_candidates: int = Field(default=5, ge=1)
    # ...and how many more, past those, if they could hold the asked span and score near the best
    span_extra_candidates: int = Field(default=10, ge=0)
    # Every sentence of the articles of the best few retrieved chunks is a candidate: the sentence
    # that answers often sits in a chunk of the same article that retrieval ranked lower.
    whole_article_hits: int = Field(default=3, ge=0)
    # Dense search is exact over the generation's chunk vectors up to this many chunks (150 MB at
    # 100k; no chromadb import in a new process), Chroma's HNSW index above it or with a server.
    exact_search_max_chunks: int = Field(default=100_000, ge=0)
    annotation_cache_sentences: int = Field(default=20000, ge=0)
    # Ingest parses every sentence once (after publishing; `index/parses.py`) so questions read
    # stored parses; in this many worker processes (unset = the number of cores).
    parse_at_ingest: bool = True
    parse_workers: int | None = Field(default=None, ge=1)
    parse_commit_every: int = Field(default=256, ge=1)  # sentences per worker task and commit

    # Conversations: a follow-up mostly stays in the article(s) the previous answer cited, so
    # their sentences are candidates and their scores are multiplied by 1 + this (0 = off).
    followup_article_boost: float = Field(default=0.5, ge=0)

    # Optional LLM engine (any OpenAI-compatible server)
    llm_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str | None = None
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds for a whole completion; then extractive.")
    llm_support_threshold: float = 0.5
    llm_max_tokens: int = 160
    # Passage text the model reads per question (estimated tokens); measured for latency in docs/llm.md.
    llm_passage_tokens: int = 250
    # Best evidence below this is weak: LLM sentences must then be near-copies (llm_weak_support), and
    # if none is, the answer is a refusal rather than a weak extract.
    llm_weak_evidence: float = 0.45
    llm_weak_support: float = 0.7

    # Limits for user input
    max_question_chars: int = 2000

    # Server
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    auth_user: str | None = None
    auth_password: str | None = None
    # Concurrent extractive questions (unset = the number of cores) and LLM questions
    # (those mostly wait on the LLM server, so they get their own slots).
    workers: int | None = Field(default=None, ge=1)
    llm_workers: int = Field(default=4, ge=1)
    # Largest request body the server reads (413 above it); questions are far smaller.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)

    @property
    def encoder_name(self) -> str:
        """Names the vectors in the vector cache: another encoder never reuses them."""
        return "all-MiniLM-L6-v2" + ("-int8" if self.quantized_encoder else "")

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        """Work kept between ingest runs, by content (documents, vectors, parses)."""
        return self.home / "cache"

    @property
    def models_dir(self) -> Path:
        return self.model_dir or self.home / "models"

    @property
    def sessions_dir(self) -> Path:
        return self.home / "sessions"


def describe_settings_error(e: Exception) -> str:
    """A settings validation error as one line naming the variable: "ASSISTANT_CHUNK_SIZE: Input
    should be a valid integer (got 'abc')", not pydantic's "1 validation error for Settings"."""
    from pydantic import ValidationError

    if not isinstance(e, ValidationError) or not e.errors():
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    first = e.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else ""
    name = f"{Settings.model_config['env_prefix']}{field.upper()}" if field else "settings"
    more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    return f"{name}: {first['msg']} (got {first.get('input')!r}){more}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def corpus_home_settings(settings: Settings, corpus: Path) -> Settings:
    """Settings for another corpus: same models and options, an index of its own under the home
    (reused next time), so that switching folders never rebuilds nor mixes one index."""
    import hashlib

    corpus = corpus.resolve()
    slug = hashlib.sha256(str(corpus).encode()).hexdigest()[:8]
    return settings.model_copy(update={"corpus": corpus, "model_dir": settings.models_dir,
                                       "home": settings.home / "corpora" / f"{corpus.name}-{slug}"})
