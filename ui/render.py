"""HTML for the browser UI: answers with citation links, the source viewer, the corpus panel.

Every string that comes from a document, a question or an answer goes through
`esc` (html.escape, quotes included) before it is put into HTML, so an article
containing `<script>` or `<img onerror=...>` is shown as text and never runs.

A citation link carries its target as "file:START-END@C1-C2" (lines, then the
character span of the quote) in `data-cite` and, URL-encoded, in its `href`
(`#cite=...`). The page script (`HEAD`) catches clicks on `a.cite` / `a.doc-link`,
puts the target into `window.__citeTarget` and clicks the hidden `#cite-trigger`
button, whose event reads that value and renders the viewer in Python.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from assistant.answer.lead import split_lead
from assistant.models import Answer, Citation, Document

CITE_MARK = re.compile(r"\[(\d+)\]")
TARGET = re.compile(r"^(?P<file>.+?)(?::(?P<a>\d+)-(?P<b>\d+))?(?:@(?P<c1>\d+)-(?P<c2>\d+))?$")
MAX_TARGET_CHARS = 1200


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _one_line(text: str) -> str:
    """No blank lines inside chat HTML: a blank line would end Markdown's raw-HTML block."""
    return " ".join(text.split())


# ----------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    file: str
    lines: tuple[int, int] | None = None
    chars: tuple[int, int] | None = None

    def encode(self) -> str:
        out = self.file
        if self.lines:
            out += f":{self.lines[0]}-{self.lines[1]}"
        if self.chars:
            out += f"@{self.chars[0]}-{self.chars[1]}"
        return out


def parse_target(value: str | None) -> Target | None:
    if not value or len(value) > MAX_TARGET_CHARS:
        return None
    m = TARGET.match(value.strip())
    if not m:
        return None
    lines = (int(m["a"]), int(m["b"])) if m["a"] else None
    chars = (int(m["c1"]), int(m["c2"])) if m["c1"] else None
    return Target(m["file"], lines, chars)


def citation_target(c: Citation) -> Target:
    return Target(c.file, (c.lines[0], c.lines[1]), (c.chars[0], c.chars[1]))


def _link(target: Target, label: str, cls: str, title: str) -> str:
    t = target.encode()
    return (f'<a class="{cls}" href="#cite={esc(url_quote(t, safe=""))}" data-cite="{esc(t)}" '
            f'title="{esc(title)}">{label}</a>')


def _lines_label(lines: tuple[int, int]) -> str:
    a, b = lines
    return f"line {a}" if a == b else f"lines {a}\u2013{b}"


# ----------------------------------------------------------------------------- answers
def _meta_bits(doc: Document | None) -> list[str]:
    if doc is None:
        return []
    return [x for x in (doc.meta.outlet, doc.meta.date) if x]


def answer_html(answer: Answer, documents: dict[str, Document]) -> str:
    """One chat message: the answer with clickable [n] markers, then its sources."""
    by_n = {c.n: c for c in answer.citations}

    def marker(m: re.Match) -> str:
        c = by_n.get(int(m.group(1)))
        if c is None:
            return m.group(0)
        return _link(citation_target(c), f"[{c.n}]", "cite", f"{c.file}, {_lines_label(c.lines)}")

    classes = "answer abstained" if answer.abstained else "answer"
    icon = ('<span class="abstain-icon" aria-hidden="true">\u26a0</span> '
            if answer.abstained else "")
    lead, quotes = split_lead(answer.answer, answer.short_answers)
    body = CITE_MARK.sub(marker, esc(_one_line(quotes)))
    parts = [f'<div class="{classes}" data-abstained="{str(answer.abstained).lower()}">']
    if lead:  # the answer itself, before the sentences that state it
        parts.append(f'<div class="short-answer">{CITE_MARK.sub(marker, esc(_one_line(lead)))}</div>')
    parts.append(f'<div class="answer-text">{icon}{body}</div>')
    if answer.abstained:
        parts.append('<div class="abstain-note">No passage in the indexed articles supports an answer.</div>')
    notes = []
    if answer.fallback:
        notes.append("The language model's answer was not supported by the articles; "
                     "the extractive answer is shown instead.")
    if answer.note:
        notes.append(answer.note)
    for note in notes:
        parts.append(f'<div class="answer-note">{esc(_one_line(note))}</div>')
    if answer.citations:
        parts.append('<ol class="sources">')
        for c in answer.citations:
            doc = documents.get(c.file)
            title = c.title or (doc.meta.title if doc else None) or c.file
            meta = " \u00b7 ".join(esc(x) for x in _meta_bits(doc))
            also = ""
            if c.also_in:
                also = f'<div class="also-in">also in: {esc(", ".join(c.also_in))}</div>'
            parts.append(
                '<li class="source">'
                + _link(citation_target(c), f"[{c.n}]", "cite", f"Open {c.file}")
                + f' <span class="source-title">{esc(_one_line(title))}</span>'
                + (f' <span class="source-meta">{meta}</span>' if meta else "")
                + f' <span class="source-file">{esc(c.file)}, {_lines_label(c.lines)}</span>'
                + f'<blockquote class="source-quote">{esc(_one_line(c.quote))}</blockquote>'
                + also + "</li>")
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)


def partial_html(text: str) -> str:
    """The answer while it is still streaming: plain escaped text."""
    return f'<div class="answer streaming"><div class="answer-text">{esc(_one_line(text))}</div></div>'


def error_html(message: str) -> str:
    return (f'<div class="answer input-error"><span aria-hidden="true">\u2716</span> '
            f'{esc(_one_line(message))}</div>')


def user_html(question: str) -> str:
    return f'<div class="question">{esc(_one_line(question))}</div>'


# ----------------------------------------------------------------------------- viewer
VIEWER_EMPTY = ('<div class="viewer empty"><p>Click a citation <span class="cite-sample">[1]</span> '
                'or an article in the corpus list to read it here, with the cited lines highlighted.</p></div>')


def viewer_html(target: Target | None, documents: dict[str, Document]) -> str:
    """The cleaned article with line numbers; cited lines get class `cited`, the quote a <mark>."""
    if target is None:
        return VIEWER_EMPTY
    doc = documents.get(target.file)  # look-up only: never a path on disk
    if doc is None:
        return f'<div class="viewer missing"><p>Unknown document: {esc(target.file)}</p></div>'
    lines = doc.text.split("\n")
    a, b = target.lines or (0, -1)
    c1, c2 = target.chars or (0, 0)
    head = [f'<div class="viewer" data-file="{esc(doc.file)}">',
            '<div class="viewer-head">',
            f'<div class="viewer-title">{esc(doc.meta.title or doc.file)}</div>',
            '<div class="viewer-meta">' + " \u00b7 ".join(esc(x) for x in [*_meta_bits(doc), doc.file])]
    if target.lines:
        head.append(f' \u00b7 <span class="viewer-cited-label">cited: {_lines_label((a, b))}</span>')
    head.append("</div></div>")
    rows = ['<div class="doc-lines">']
    offset = 0
    width = len(str(len(lines)))
    for n, line in enumerate(lines, start=1):
        start, end = offset, offset + len(line)
        offset = end + 1
        if c2 > c1 and c1 < end and c2 > start:
            s, e = max(c1, start) - start, min(c2, end) - start
            text = esc(line[:s]) + '<mark class="quote">' + esc(line[s:e]) + "</mark>" + esc(line[e:])
        else:
            text = esc(line)
        cls = "line cited" if a <= n <= b else "line"
        rows.append(f'<div class="{cls}" data-line="{n}"><span class="ln">{n:>{width}}</span>'
                    f'<span class="lt">{text or "&#8203;"}</span></div>')
    rows.append("</div></div>")
    return "".join(head) + "".join(rows)


# ----------------------------------------------------------------------------- corpus
def corpus_rows(documents, text: str, folder: str | None, offset: int, limit: int) -> tuple[list[dict], int]:
    """A page of what `assistant docs --json` lists, and how many documents match."""
    docs, total = documents.search(text or "", folder, offset, limit)
    counts = documents.chunk_counts_of([d.file for d in docs])
    return [d.describe(counts.get(d.file, 0)) for d in docs], total


def corpus_html(rows: list[dict], matching: int, page: int, pages: int, indexed: int) -> str:
    """One page of the corpus list. Duplicate badges name the group's original (its id says which)."""
    found = f"{matching:,} of {indexed:,} articles" if matching != indexed else f"{indexed:,} indexed articles"
    out = [f'<div class="corpus"><div class="corpus-count">{found} \u00b7 page {page} of {pages}</div>'
           '<ul class="corpus-list">']
    for r in rows:
        badges = []
        if r["repairs"]:
            badges.append(f'<span class="badge repaired" title="{esc("; ".join(r["repairs"]))}">repaired</span>')
        if r["duplicate_group"]:
            original = r["duplicate_group"].split(":", 1)[1]
            badges.append('<span class="badge original">original of a duplicate group</span>' if r["is_original"]
                          else f'<span class="badge duplicate">duplicate of {esc(original)}</span>')
        meta = "".join(f"{esc(x)} \u00b7 " for x in (r["outlet"], r["date"]) if x)
        repairs = ""
        if r["repairs"]:
            repairs = ('<details class="repairs"><summary>repairs</summary><ul>'
                       + "".join(f"<li>{esc(x)}</li>" for x in r["repairs"]) + "</ul></details>")
        out.append(
            f'<li class="corpus-doc" data-file="{esc(r["file"])}">'
            + _link(Target(r["file"]), esc(r["title"] or r["file"]), "doc-link", f"Open {r['file']}")
            + f'<div class="doc-meta">{meta}'
            + f'{r["chunks"]} chunk{"s" if r["chunks"] != 1 else ""}'
            + f' \u00b7 <span class="doc-file">{esc(r["file"])}</span></div>'
            + (f'<div class="badges">{"".join(badges)}</div>' if badges else "")
            + repairs + "</li>")
    out.append("</ul></div>")
    return "".join(out)


# ----------------------------------------------------------------------------- page assets
CSS = """
#chat .answer { line-height: 1.5; }
#chat .answer .answer-text { margin-bottom: 0.4em; }
#chat .answer .short-answer { font-weight: 600; font-size: 1.05em; margin-bottom: 0.3em; }
#chat a.cite, #source-viewer a.cite { display: inline-block; padding: 0 0.35em; margin: 0 0.1em; border-radius: 0.4em;
  background: #dbeafe; color: #1d4ed8 !important; font-weight: 700; text-decoration: none; font-size: 0.85em; cursor: pointer; }
#chat a.cite:hover, #chat a.cite:focus { background: #1d4ed8; color: #fff !important; }
#chat ol.sources { margin: 0.5em 0 0 0; padding-left: 0; list-style: none; border-top: 1px solid #e5e7eb; padding-top: 0.4em; }
#chat li.source { margin: 0.35em 0; font-size: 0.92em; }
#chat .source-title { font-weight: 700; }
#chat .source-meta, #chat .source-file { color: #6b7280; font-size: 0.9em; }
#chat .source-file { font-family: ui-monospace, monospace; }
#chat blockquote.source-quote { margin: 0.25em 0 0 0.3em; padding: 0.2em 0.6em; border-left: 3px solid #93c5fd;
  color: #374151; font-style: italic; background: #f8fafc; }
#chat .also-in { color: #6b7280; font-size: 0.85em; }
#chat .answer.abstained { border-left: 4px solid #d97706; background: #fff7ed; padding: 0.5em 0.7em; border-radius: 0.4em; color: #7c2d12; }
#chat .answer.abstained .abstain-icon { font-size: 1.1em; }
#chat .abstain-note, #chat .answer-note { font-size: 0.85em; color: #9a3412; }
#chat .answer.input-error { border-left: 4px solid #dc2626; background: #fef2f2; padding: 0.5em 0.7em; color: #991b1b; }
#chat .answer.streaming .answer-text::after { content: "\\258D"; animation: blink 1s steps(1) infinite; }
@keyframes blink { 50% { opacity: 0; } }
#source-viewer .viewer-head { margin-bottom: 0.4em; }
#source-viewer .viewer-title { font-weight: 700; font-size: 1.05em; }
#source-viewer .viewer-meta { color: #6b7280; font-size: 0.85em; }
#source-viewer .doc-lines { max-height: 480px; overflow-y: auto; border: 1px solid #e5e7eb; border-radius: 0.4em;
  font-size: 0.86em; line-height: 1.45; background: #fff; color: #111827; }
#source-viewer .line { display: flex; padding: 0.05em 0.4em; }
#source-viewer .line .ln { flex: 0 0 auto; min-width: 2.5em; padding-right: 0.8em; text-align: right; color: #9ca3af;
  font-family: ui-monospace, monospace; user-select: none; white-space: pre; }
#source-viewer .line .lt { white-space: pre-wrap; word-break: break-word; }
#source-viewer .line.cited { background: #fef3c7; border-left: 3px solid #f59e0b; }
#source-viewer .line.cited .ln { color: #b45309; font-weight: 700; }
#source-viewer mark.quote { background: #fde68a; color: inherit; padding: 0; }
#source-viewer .viewer.empty, #source-viewer .viewer.missing { color: #6b7280; font-size: 0.9em; padding: 0.5em; }
#source-viewer .cite-sample { background: #dbeafe; color: #1d4ed8; border-radius: 0.4em; padding: 0 0.3em; font-weight: 700; }
#corpus-panel .corpus-count { color: #6b7280; font-size: 0.85em; margin-bottom: 0.3em; }
#corpus-panel ul.corpus-list { list-style: none; padding: 0; margin: 0; }
#corpus-panel li.corpus-doc { padding: 0.45em 0; border-bottom: 1px solid #f3f4f6; }
#corpus-panel a.doc-link { display: block; text-align: left; font-weight: 700; text-decoration: none; color: #1d4ed8 !important; cursor: pointer; }
#corpus-panel .doc-meta { color: #6b7280; font-size: 0.82em; }
#corpus-panel .doc-file { font-family: ui-monospace, monospace; }
#corpus-panel .badge { display: inline-block; font-size: 0.75em; border-radius: 1em; padding: 0 0.6em; margin: 0.15em 0.3em 0 0; }
#corpus-panel .badge.repaired { background: #ede9fe; color: #5b21b6; }
#corpus-panel .badge.original { background: #dcfce7; color: #166534; }
#corpus-panel .badge.duplicate { background: #fee2e2; color: #991b1b; }
#corpus-panel details.repairs { font-size: 0.8em; color: #4b5563; }
#cite-trigger, #cite-target { display: none !important; }
"""

# Runs once as a document-level <script>: one delegated, capturing click handler.
HEAD = """
<script>
(function () {
  if (window.__citeHandlerInstalled) return;
  window.__citeHandlerInstalled = true;
  function targetOf(a) {
    var t = a.getAttribute('data-cite');
    if (t) return t;
    var m = (a.getAttribute('href') || '').match(/^#cite=(.*)$/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a.cite, a.doc-link') : null;
    if (!a) return;
    var t = targetOf(a);
    if (!t) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__citeTarget = t;
    var btn = document.querySelector('button#cite-trigger') || document.querySelector('#cite-trigger button');
    if (btn) btn.click();
  }, true);
})();
</script>
"""

# js of the hidden button's click event: hand the clicked target to the Python callback.
READ_TARGET_JS = "(current) => { const t = window.__citeTarget || current || ''; window.__citeTarget = null; return [t]; }"

# js_on_load of the viewer: after each render, scroll the cited lines into view.
VIEWER_ON_LOAD = """
function scrollToCited() {
  const box = element.querySelector('.doc-lines');
  const first = element.querySelector('.line.cited');
  if (!box) return;
  if (first) {
    box.scrollTop = Math.max(0, first.offsetTop - box.offsetTop - box.clientHeight / 3);
    const r = element.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight) element.scrollIntoView({block: 'start', behavior: 'instant'});
  } else {
    box.scrollTop = 0;
  }
}
watch('value', () => requestAnimationFrame(scrollToCited));
"""
