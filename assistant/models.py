"""Objects that cross module borders."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DocumentMeta(BaseModel):
    title: str | None = None
    outlet: str | None = None
    date: str | None = None


class Document(BaseModel):
    """One article: the raw file is never modified; `text` is the cleaned version.

    Cleaning keeps the raw line structure (removed boilerplate lines become empty
    lines), so a line number means the same line in the raw file and in `text`.
    """

    file: str  # path relative to the corpus folder, with forward slashes
    text: str
    raw_sha256: str
    meta: DocumentMeta = Field(default_factory=DocumentMeta)
    repairs: list[str] = Field(default_factory=list)  # text damage fixed (encoding)
    boilerplate_removed: list[str] = Field(default_factory=list)  # site furniture blanked
    duplicate_group: str | None = None
    is_original: bool = True

    def describe(self, chunks: int) -> dict:
        """The row `assistant docs`, `ingest --json`, the UI and the API show for a document."""
        return {"file": self.file, "title": self.meta.title, "outlet": self.meta.outlet, "date": self.meta.date,
                "chunks": chunks, "repairs": list(self.repairs), "boilerplate_removed": list(self.boilerplate_removed),
                "duplicate_group": self.duplicate_group, "is_original": self.is_original}

    def line_of(self, char_offset: int) -> int:
        """1-based line number of a character offset in the cleaned text."""
        return self.text.count("\n", 0, char_offset) + 1


class Sentence(BaseModel):
    """The unit of evidence: citations quote whole sentences or clauses of them. Frozen: the
    index hands out one shared instance per row."""

    model_config = ConfigDict(frozen=True)
    file: str
    chunk_id: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str
    heading: bool = False  # on the article's headline line: a summary, rarely the answer


class Chunk(BaseModel):
    id: str
    file: str
    text: str
    start: int
    end: int
    line_start: int
    line_end: int
    tokens: int
    sentences: list[Sentence] = Field(default_factory=list)


class Citation(BaseModel):
    n: int
    file: str
    title: str | None = None
    lines: tuple[int, int]
    chars: tuple[int, int]
    quote: str
    score: float
    also_in: list[str] = Field(default_factory=list)


class ShortAnswer(BaseModel):
    """The span that answers (a name, place, amount, date, reason clause), exactly as it
    stands in the quote of citation `n`, at `chars` inside that quote."""

    text: str
    n: int
    label: str  # spaCy entity label (PERSON, ORG, GPE, DATE, MONEY, ...) or REASON
    chars: tuple[int, int]
    ask: int = 0  # which ask of a two-part question it answers (0: the first)


class Answer(BaseModel):
    answer: str
    abstained: bool
    short_answer: str | None = None  # the answer itself, before the quotes: "76% to $1.13bn"
    short_answer_citation: int | None = None  # the citation its (first) span lies in
    short_answers: list[ShortAnswer] = Field(default_factory=list)  # every span: list items, each ask
    fallback: bool = False
    query: str
    engine: str = "extractive"
    citations: list[Citation] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    note: str | None = None


ABSTAIN_TEXT = "The articles don't say."


# A follow-up that names nothing is sent on with the earlier questions appended:
# "Why? (context: When did Beijing break off talks?)". Checks of what the question
# itself asks (answer type, presuppositions) read only the part before the mark.
CONTEXT_MARK = " (context: "


def core_question(query: str) -> str:
    return query.split(CONTEXT_MARK, 1)[0]
