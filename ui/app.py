"""The Gradio chat page: streaming answers, clickable citations, source viewer, corpus panel.

`build_ui` only builds the Blocks; `ui.server.create_app` mounts it at `/` together
with CSS / HEAD from `ui.render` (Gradio 6 takes css/head at mount/launch time).
"""

from __future__ import annotations

import time

import gradio as gr

from assistant.chat.session import Conversation
from assistant.service import Assistant, InputError, StoreUnavailable
from assistant.settings import BUNDLED_SEEDS, Settings
from ui import render
from ui.core import Backend, engines_offered
from ui.streaming import answer_stream

BUNDLED_EXAMPLES = [  # for the bundled demo corpus (seeds/)
    "Why was Blinken's trip postponed?",
    "Who is China's No. 2 leader?",
    "What did he hope Washington would take?",
    "Who will Wang Wentao meet?",
]
MAX_EXAMPLES = 4
CORPUS_PAGE = 50  # documents per page of the corpus panel
ALL_FOLDERS = "All folders"
TOP_FOLDER = "(top level)"


def examples_for(assistant: Assistant, settings: Settings) -> list[str]:
    """Demo questions for the bundled articles; for any other corpus, one per real headline
    (a folder's first, so a corpus in topic folders shows several topics)."""
    if settings.corpus.resolve() == BUNDLED_SEEDS.resolve():
        return BUNDLED_EXAMPLES
    return [f"What does \u201c{t}\u201d report?" for t in assistant.documents.headlines(MAX_EXAMPLES)]


def corpus_page(assistant: Assistant, text: str, folder: str, page: int) -> tuple[str, int]:
    """One page of the corpus panel (search by file or title, one folder or all) and the page shown."""
    folder_filter = None if folder in (ALL_FOLDERS, None) else ("" if folder == TOP_FOLDER else folder)
    _, total = render.corpus_rows(assistant.documents, text, folder_filter, 0, 0)
    pages = max(1, -(-total // CORPUS_PAGE))
    page = min(max(1, int(page or 1)), pages)
    rows, _ = render.corpus_rows(assistant.documents, text, folder_filter, (page - 1) * CORPUS_PAGE, CORPUS_PAGE)
    return render.corpus_html(rows, total, page, pages, len(assistant.documents)), page
STREAM_STEPS = 8
STREAM_DELAY = 0.03


def theme() -> gr.themes.Base:
    """Gradio's default theme, but with the full Bold file for bold text (the bundled
    SourceSansPro-SemiBold.woff2 is a tiny subset, so 600-weight text mixed two fonts)."""
    return gr.themes.Default(font=(gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)),
                                   "ui-sans-serif", "system-ui", "sans-serif"))


def _stream_prefixes(text: str, steps: int = STREAM_STEPS) -> list[str]:
    words = text.split(" ")
    if len(words) <= 1:
        return []
    cuts = sorted({max(1, round(len(words) * i / steps)) for i in range(1, steps)})
    return [" ".join(words[:c]) for c in cuts if c < len(words)]


def build_ui(assistant: Assistant, settings: Settings, backend: Backend | None = None) -> gr.Blocks:
    backend = backend or Backend(assistant, settings)
    documents = assistant.documents
    engines = engines_offered(settings)
    default_engine = settings.engine if settings.engine in engines else "extractive"
    default_sources = min(3, max(1, settings.max_answer_sentences))

    def add_question(question: str, history: list[dict]):
        question = question or ""
        if not question.strip():
            return gr.update(), history, history, ""
        history = history + [{"role": "user", "content": render.user_html(question)}]
        return "", history, history, question

    def respond(pending: str, history: list[dict], conversation: Conversation, engine: str, max_sources: float):
        if not pending:
            yield history, history, conversation
            return
        shown = ""
        try:  # LLM sentences appear as the guard keeps them; nothing shown is ever withdrawn
            for item in answer_stream(backend, pending, conversation, engine or None,
                                      int(max_sources) if max_sources else None):
                if isinstance(item, str):
                    shown += item
                    partial = {"role": "assistant", "content": render.partial_html(shown)}
                    yield history + [partial], history, conversation
                else:
                    answer = item
        except (InputError, StoreUnavailable) as e:
            history = history + [{"role": "assistant", "content": render.error_html(str(e))}]
            yield history, history, conversation
            return
        for prefix in ([] if shown else _stream_prefixes(answer.answer)):  # an extractive answer, in steps
            yield history + [{"role": "assistant", "content": render.partial_html(prefix)}], history, conversation
            time.sleep(STREAM_DELAY)
        history = history + [{"role": "assistant", "content": render.answer_html(answer, documents)}]
        yield history, history, conversation

    def new_chat():
        return [], [], Conversation(), "", render.VIEWER_EMPTY, ""

    def show_source(target: str):
        return render.viewer_html(render.parse_target(target), documents), target or ""

    with gr.Blocks(title="Article Assistant", analytics_enabled=False, fill_width=True) as demo:
        conversation = gr.State(Conversation())
        history = gr.State([])
        pending = gr.State("")
        gr.Markdown("## Article Assistant\nAsk about the indexed news articles. Every answer cites file and "
                    "lines; click a citation **[n]** to read it in its article.", elem_id="intro")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(elem_id="chat", show_label=False, height=640, latex_delimiters=[],
                                     buttons=["copy"], feedback_options=None, layout="bubble",
                                     group_consecutive_messages=False,
                                     placeholder="Ask a question about the articles to start.")
                with gr.Row():
                    question = gr.Textbox(elem_id="question", show_label=False, scale=6, lines=1, max_lines=4,
                                          placeholder="Ask about the articles… (Enter to send)",
                                          autofocus=True)
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask-button", scale=1, min_width=80)
                    new_btn = gr.Button("New chat", elem_id="new-chat", scale=1, min_width=100)
                gr.Examples(examples_for(assistant, settings), inputs=[question], label="Example questions")
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    engine = gr.Radio(engines, value=default_engine, label="Answer engine", elem_id="engine",
                                      info=None if settings.llm_url else "llm needs ASSISTANT_LLM_URL")
                    max_sources = gr.Slider(1, 3, value=default_sources, step=1, label="Number of sources",
                                            elem_id="max-sources")
            with gr.Column(scale=2, min_width=360):
                gr.Markdown("### Source", elem_id="source-heading")
                viewer = gr.HTML(render.VIEWER_EMPTY, elem_id="source-viewer", js_on_load=render.VIEWER_ON_LOAD)
                with gr.Accordion("Corpus", open=True, elem_id="corpus"):
                    folders = [f or TOP_FOLDER for f in assistant.documents.folders()]
                    with gr.Row():
                        corpus_search = gr.Textbox(placeholder="Search titles and file names", show_label=False,
                                                   elem_id="corpus-search", scale=3)
                        corpus_folder = gr.Dropdown([ALL_FOLDERS, *folders], value=ALL_FOLDERS, show_label=False,
                                                    elem_id="corpus-folder", scale=2, visible=len(folders) > 1)
                    first_page, _ = corpus_page(assistant, "", ALL_FOLDERS, 1)
                    corpus_panel = gr.HTML(first_page, elem_id="corpus-panel", js_on_load=None)
                    with gr.Row():
                        corpus_prev = gr.Button("\u2039 Previous", elem_id="corpus-prev", size="sm")
                        corpus_next = gr.Button("Next \u203a", elem_id="corpus-next", size="sm")
                    corpus_at = gr.State(1)
        # Citation clicks: the page script fills window.__citeTarget and clicks this hidden button.
        cite_target = gr.Textbox(elem_id="cite-target", show_label=False, container=False)
        cite_trigger = gr.Button("open source", elem_id="cite-trigger")

        submit_args = dict(fn=add_question, inputs=[question, history],
                           outputs=[question, chatbot, history, pending], queue=False)
        respond_args = dict(fn=respond, inputs=[pending, history, conversation, engine, max_sources],
                            outputs=[chatbot, history, conversation])
        question.submit(**submit_args).then(**respond_args)
        ask_btn.click(**submit_args).then(**respond_args)
        new_btn.click(new_chat, outputs=[chatbot, history, conversation, question, viewer, cite_target],
                      queue=False)
        cite_trigger.click(show_source, inputs=[cite_target], outputs=[viewer, cite_target],
                           js=render.READ_TARGET_JS, queue=False)

        def turn_page(step: int):
            def handler(text: str, folder: str, page: int):
                return corpus_page(assistant, text, folder, page + step)
            return handler

        corpus_inputs = [corpus_search, corpus_folder, corpus_at]
        corpus_outputs = [corpus_panel, corpus_at]
        corpus_search.change(lambda t, f, _p: corpus_page(assistant, t, f, 1), corpus_inputs, corpus_outputs,
                             queue=False)
        corpus_folder.change(lambda t, f, _p: corpus_page(assistant, t, f, 1), corpus_inputs, corpus_outputs,
                             queue=False)
        corpus_prev.click(turn_page(-1), corpus_inputs, corpus_outputs, queue=False)
        corpus_next.click(turn_page(+1), corpus_inputs, corpus_outputs, queue=False)
    return demo
