"""Terminal rendering for the CLI (rich). Library code never prints; this is the CLI's edge."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_answer(answer) -> None:
    """The short answer on its own line (bold), then the quoted sentences, then the sources."""
    from assistant.answer.lead import split_lead

    style = "bold yellow" if answer.abstained else "bold"
    lead, quotes = split_lead(answer.answer, answer.short_answers)
    if lead:
        console.print(escape(lead), style="bold")
    console.print(escape(quotes), style="" if lead else style)
    if answer.fallback and answer.note:
        console.print(f"({escape(answer.note)})", style="dim")
    if not answer.citations:
        return
    console.print()
    console.print("Sources:", style="bold")
    for c in answer.citations:
        lines = f"{c.lines[0]}" if c.lines[0] == c.lines[1] else f"{c.lines[0]}-{c.lines[1]}"
        title = f" \u2014 {escape(c.title)}" if c.title else ""
        console.print(f"[{c.n}] {escape(c.file)}, line {lines}{title}")
        console.print(f"    \u201c{escape(' '.join(c.quote.split()))}\u201d", style="dim")  # a quote may span paragraphs
        if c.also_in:
            console.print(f"    also in: {escape(', '.join(c.also_in))}", style="dim")


LOG_EVERY_SECONDS = 5.0


def _eta(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or elapsed <= 0 or done >= total:
        return "0:00"
    left = int((total - done) * elapsed / done)
    return f"{left // 60}:{left % 60:02d}"


class _LineProgress:
    """Progress for a log (no terminal): one line per stage every few seconds, and at its end."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        start = self.started.setdefault(stage, now)
        if done < total and now - self.last.setdefault(stage, now) < LOG_EVERY_SECONDS:
            return
        self.last[stage] = now
        elapsed = now - start
        rate = done / elapsed if elapsed > 0 else 0.0
        err_console.print(f"{stage}: {done:,}/{total:,} \u00b7 {rate:,.0f}/s \u00b7 "
                          f"elapsed {elapsed:.0f} s \u00b7 ETA {_eta(done, total, elapsed)}", highlight=False)


@contextlib.contextmanager
def progress_reporter() -> Iterator[Callable[[str, int, int], None]]:
    """Per-stage progress on stderr: a rich bar with rate and ETA on a terminal, lines in a log."""
    if not sys.stderr.isatty():
        yield _LineProgress()
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   console=err_console, transient=True)
    tasks: dict[str, int] = {}
    started: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        start = started.setdefault(stage, now)
        rate = f"{done / (now - start):,.0f}/s" if now > start else ""
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total, rate=rate)
        bar.update(tasks[stage], completed=done, total=total, rate=rate)

    with bar:
        yield update


def _document_table(columns: tuple[str, ...]) -> Table:
    """Short columns never shrink below their header; the title takes what is left."""
    table = Table()
    for col in columns:
        if col == "title":
            table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=36)
        elif col == "file":
            table.add_column(col, no_wrap=True, min_width=24)
        elif col == "date":
            table.add_column(col, no_wrap=True, min_width=11)
        else:
            table.add_column(col, no_wrap=True, overflow="ellipsis", min_width=len(col), max_width=max(len(col), 20))
    return table


MAX_SKIPPED_LISTED = 10


def ingest_summary(report) -> None:
    """A few lines: counts, repairs, duplicate groups, skipped files (the full table is `assistant docs`)."""
    docs = report.documents
    repaired = sum(1 for d in docs if d.repairs)
    console.print(f"{len(docs):,} documents indexed, {sum(report.chunk_counts.values()):,} chunks; "
                  f"added {len(report.added):,}, updated {len(report.updated):,}, removed {len(report.removed):,}, "
                  f"unchanged {len(report.unchanged):,}")
    console.print(f"{repaired:,} documents repaired, "
                  f"{sum(len(d.boilerplate_removed) for d in docs):,} boilerplate lines removed, "
                  f"{report.duplicate_groups:,} duplicate groups "
                  f"({sum(1 for d in docs if d.duplicate_group and not d.is_original):,} copies)")
    console.print(f"embedded {report.embedded_texts:,} texts ({report.reused_vectors:,} reused), "
                  f"parsed {report.parsed_sentences:,} sentences, in {report.seconds:.1f} s")
    if report.skipped:
        console.print(f"skipped {len(report.skipped):,} files:", style="yellow")
        for file, reason in report.skipped[:MAX_SKIPPED_LISTED]:
            console.print(f"  {escape(file)}: {escape(reason)}", style="yellow")
        if len(report.skipped) > MAX_SKIPPED_LISTED:
            console.print(f"  \u2026 and {len(report.skipped) - MAX_SKIPPED_LISTED:,} more "
                          "(`assistant ingest --json` lists them all)", style="yellow")
    console.print("`assistant docs` lists every document.", style="dim")


def docs_table(rows: list[dict]) -> None:
    table = _document_table(("file", "title", "outlet", "date", "chunks", "repaired", "duplicates"))
    for r in rows:
        dup = "" if not r["duplicate_group"] else ("original" if r["is_original"] else "copy of " + r["duplicate_group"].split(":", 1)[1])
        table.add_row(r["file"], r["title"] or "", r["outlet"] or "", r["date"] or "", str(r["chunks"]),
                      "yes" if r["repairs"] else "", dup)
    console.print(table)
