"""Command line: `ask "..."` and `assistant ingest|docs|show|ask|chat|serve|eval`."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask questions about a folder of news articles; every answer cites file and lines.")
EXIT_USAGE = 2
EXIT_FAILURE = 1


def fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings(corpus: Path | None = None):
    from assistant.settings import Settings, describe_settings_error

    try:
        settings = Settings()
    except Exception as e:  # pydantic validation of ASSISTANT_* variables
        fail(f"bad settings: {describe_settings_error(e)}")
    if corpus is not None:
        settings.corpus = corpus.resolve()
    return settings


def _open_assistant(settings):
    from assistant.service import Assistant

    from assistant.cli_render import progress_reporter

    try:
        with progress_reporter() as update:
            return Assistant.open(settings, progress=update)
    except FileNotFoundError as e:
        fail(str(e))


# ---------------------------------------------------------------------------- ingest
@app.command()
def ingest(path: Optional[Path] = typer.Argument(None, help="Corpus folder (default: settings / bundled seeds)."),
           as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Build or update the index (incremental: unchanged files are not re-embedded)."""
    from assistant.index.ingest import ingest as run_ingest

    settings = _settings(path)
    if not settings.corpus.is_dir():
        fail(f"corpus folder not found: {settings.corpus}")
    from assistant.cli_render import progress_reporter

    with progress_reporter() as update:  # on stderr: stdout stays one JSON object with --json
        report = run_ingest(settings, progress=update)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        return
    from assistant.cli_render import ingest_summary

    ingest_summary(report)


@app.command()
def docs(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the indexed documents with their metadata."""
    assistant = _open_assistant(_settings())
    rows = assistant.describe_documents()
    if as_json:
        typer.echo(json.dumps({"documents": rows}, ensure_ascii=False))
        return
    from assistant.cli_render import docs_table

    docs_table(rows)


def _parse_lines(spec: str | None, total: int) -> tuple[int, int]:
    if not spec:
        return 1, total
    try:
        a, _, b = spec.partition("-")
        start, end = int(a), int(b or a)
    except ValueError:
        fail(f"--lines takes A-B, e.g. 3-5 (got {spec!r})")
    if start < 1 or end < start or start > total:
        fail(f"--lines {spec} is outside the document (1-{total})")
    return start, min(end, total)


@app.command()
def show(file: str = typer.Argument(..., help="Document name, as listed by `assistant docs`."),
         lines: Optional[str] = typer.Option(None, "--lines", help="A-B: only these lines.")) -> None:
    """Print a document's cleaned text with line numbers (what citations point into)."""
    from assistant.service import InputError

    assistant = _open_assistant(_settings())
    try:
        doc = assistant.document(file)
    except InputError as e:
        fail(str(e))
    text_lines = doc.text.split("\n")
    start, end = _parse_lines(lines, len(text_lines))
    width = len(str(end))
    for n in range(start, end + 1):
        typer.echo(f"{n:>{width}}  {text_lines[n - 1]}")


# ---------------------------------------------------------------------------- ask / chat
def _answer_or_fail(assistant, question: str, conversation=None, engine: str | None = None):
    from assistant.service import InputError

    try:
        return assistant.ask(question, conversation=conversation, engine=engine)
    except InputError as e:
        fail(str(e))


def _decode_input(data: bytes) -> str:
    """Text typed or piped in; invalid UTF-8 is bad input, not a crash."""
    from assistant.service import InputError

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"the input is not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None


def _stdin_question(max_chars: int) -> str:
    """`ask -`: the question is read from stdin (at most a little over the length limit)."""
    from assistant.service import InputError

    cap = max_chars * 4 + 8  # UTF-8: at most 4 bytes a character
    data = sys.stdin.buffer.read(cap)
    if len(data) >= cap:
        fail(f"the question is too long (more than {max_chars} characters)")
    try:
        return _decode_input(data).rstrip("\r\n")
    except InputError as e:
        fail(str(e))


@app.command("ask")
def ask_command(question: str = typer.Argument(..., help="Your question, or - to read it from stdin."),
                as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
                session: Optional[str] = typer.Option(None, "--session", help="Continue a named conversation."),
                engine: Optional[str] = typer.Option(None, "--engine", help="extractive | llm")) -> None:
    """Answer one question (with citations) from the articles."""
    from assistant.service import InputError, validate_question

    settings = _settings()
    if engine not in (None, "extractive", "llm"):
        fail(f"--engine must be extractive or llm (got {engine!r})")
    if question == "-":
        question = _stdin_question(settings.max_question_chars)
    try:
        validate_question(question, settings.max_question_chars)
    except InputError as e:
        fail(str(e))
    store = conversation = None
    if session is not None:
        from assistant.chat.session import SessionStore

        store = SessionStore(settings.sessions_dir)
        try:
            conversation = store.load(session)
        except ValueError as e:
            fail(str(e))
    assistant = _open_assistant(settings)
    answer = _answer_or_fail(assistant, question, conversation, engine)
    if store is not None:
        store.save(session, conversation)
    if as_json:
        typer.echo(answer.model_dump_json())
        return
    from assistant.cli_render import print_answer

    print_answer(answer)


@app.command()
def chat(engine: Optional[str] = typer.Option(None, "--engine")) -> None:
    """Interactive multi-turn chat in the terminal (empty line or Ctrl-D to quit)."""
    from assistant.chat.session import Conversation
    from assistant.cli_render import print_answer

    assistant = _open_assistant(_settings())
    conversation = Conversation()
    typer.echo("Ask about the articles. Empty line or Ctrl-D quits; /new starts over.")
    from assistant.service import InputError

    while True:
        typer.echo("you> ", nl=False)
        try:
            line = sys.stdin.buffer.readline()
        except KeyboardInterrupt:
            line = b""
        if not line.strip():
            typer.echo("")
            return
        try:
            question = _decode_input(line)
            if question.strip() == "/new":
                conversation = Conversation()
                continue
            print_answer(assistant.ask(question, conversation=conversation, engine=engine))
        except InputError as e:
            typer.echo(f"error: {e}", err=True)


@app.command()
def serve(host: Optional[str] = typer.Option(None, "--host"), port: Optional[int] = typer.Option(None, "--port")) -> None:
    """Start the browser chat, JSON API and OpenAI-compatible endpoint on one server."""
    settings = _settings()
    try:
        from ui.server import listen_problem, run
    except ImportError as e:
        fail(f"the web front end is not installed ({e})")
    host, port = host or settings.host, port or settings.port
    if not 1 <= port <= 65535:
        fail(f"--port {port} is not a TCP port (1-65535)")
    if problem := listen_problem(host, port):
        fail(problem, EXIT_FAILURE)
    run(settings, host, port)


@app.command("eval")
def eval_command(
    gold: Path = typer.Option(Path("eval/gold.jsonl"), "--gold"),
    engine: str = typer.Option("extractive", "--engine"),
    as_json: bool = typer.Option(False, "--json"),
    out: Optional[Path] = typer.Option(None, "--out"),
    baseline: Optional[Path] = typer.Option(None, "--baseline"),
    update_baseline: bool = typer.Option(False, "--update-baseline"),
    systems: str = typer.Option("ours,bm25,llamaindex", "--systems", help="Comma-separated systems to compare."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="The folder the gold set is about; its index is "
                                          "built (or reused) in a home of its own under ASSISTANT_HOME."),
) -> None:
    """Run the gold set; report metrics; gate against a baseline."""
    try:
        from eval.runner import main as run_eval
    except ImportError as e:
        fail(f"the eval harness is not installed ({e})")
    settings = _settings()
    if corpus is not None:
        if not corpus.is_dir():
            fail(f"corpus folder not found: {corpus}")
        settings = corpus_settings(settings, corpus)
    code = run_eval(settings, gold=gold, engine=engine, as_json=as_json, out=out, baseline=baseline,
                    update_baseline=update_baseline, systems=[s.strip() for s in systems.split(",") if s.strip()])
    raise typer.Exit(code)


def corpus_settings(settings, corpus: Path):
    """Settings for `--corpus`: the home's own index if it is that folder's, else one of its own."""
    from assistant.settings import corpus_home_settings

    return settings if corpus.resolve() == settings.corpus.resolve() else corpus_home_settings(settings, corpus)


def ask_main() -> None:
    """Entry point of the `ask` console script: `ask [options] "question"`."""
    sys.argv = [sys.argv[0], "ask", *sys.argv[1:]]
    main()


def main() -> None:
    logging.basicConfig(level=os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # last line of defence: one line on stderr, never a traceback
        logging.getLogger("assistant.cli").debug("unexpected error", exc_info=True)
        typer.echo(f"error: {_one_line(e)} (ASSISTANT_LOG_LEVEL=DEBUG shows details)", err=True)
        sys.exit(EXIT_FAILURE)


def _one_line(e: BaseException) -> str:
    from assistant.service import describe_failure, store_failure
    from assistant.settings import Settings

    try:
        settings = Settings()
    except Exception:  # bad settings are reported elsewhere; describe the error itself
        return describe_failure(e)
    return store_failure(e, settings) or describe_failure(e)


if __name__ == "__main__":
    main()
