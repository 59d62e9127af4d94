"""Terminal rendering for the CLI (rich). Library code never prints; this is the CLI's edge."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)


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


def ingest_summary(report) -> None:
    table = _document_table(("file", "title", "outlet", "date", "chunks", "repairs", "cleaned", "duplicate of"))
    for d in report.documents:
        group = "" if not d.duplicate_group else ("original" if d.is_original else d.duplicate_group.split(":", 1)[1])
        table.add_row(d.file, d.meta.title or "", d.meta.outlet or "", d.meta.date or "",
                      str(report.chunk_counts.get(d.file, 0)), str(len(d.repairs)),
                      str(len(d.boilerplate_removed)), group)
    console.print(table)
    groups = {d.duplicate_group for d in report.documents if d.duplicate_group}
    console.print(f"{len(report.documents)} documents, {sum(report.chunk_counts.values())} chunks, "
                  f"{sum(len(d.repairs) for d in report.documents)} repairs, "
                  f"{sum(len(d.boilerplate_removed) for d in report.documents)} boilerplate lines removed, "
                  f"{len(groups)} duplicate groups; "
                  f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
                  f"unchanged {len(report.unchanged)}; embedded {report.embedded_texts} texts in {report.seconds:.1f} s")
    for file, reason in report.skipped:
        console.print(f"skipped {escape(file)}: {escape(reason)}", style="yellow")


def docs_table(rows: list[dict]) -> None:
    table = _document_table(("file", "title", "outlet", "date", "chunks", "repaired", "duplicates"))
    for r in rows:
        dup = "" if not r["duplicate_group"] else ("original" if r["is_original"] else "copy of " + r["duplicate_group"].split(":", 1)[1])
        table.add_row(r["file"], r["title"] or "", r["outlet"] or "", r["date"] or "", str(r["chunks"]),
                      "yes" if r["repairs"] else "", dup)
    console.print(table)
