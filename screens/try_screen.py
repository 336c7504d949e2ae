"""Try it: classify a typed or pasted text with the current configuration (the engine's
``classify``; instant after a run of the same setup, which left the fitted method in memory) and
show the per-class scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Header, Static, TextArea

from .crash import reporting_failures

if TYPE_CHECKING:  # the engine's types; the modules load in the workers
    from workbench.methods import ProgressEvent

from .base import WorkbenchScreen
from .format import Plain, label_name, model_name
from .messages import Classified, ClassifyFailed, ClassifyProgress

BAR_WIDTH = 30


def result_content(prediction, labels: list[str]) -> Content:
    parts: list = [("predicted: ", "bold"), (label_name(labels, prediction.label), "$accent bold")]
    if prediction.scores:
        top = max(prediction.scores)
        low = min(0.0, min(prediction.scores))
        span = (top - low) or 1.0
        width = max(len(n) for n in labels)
        order = sorted(range(len(prediction.scores)), key=lambda i: -prediction.scores[i])
        for i in order:
            score = prediction.scores[i]
            bar = "█" * max(0, round(BAR_WIDTH * (score - low) / span))
            style = "$accent" if i == prediction.label else "$text-muted"
            parts += ["\n", (f"{label_name(labels, i):<{width}} ", "bold"), f"{score:8.4f} ", (bar, style)]
    if prediction.raw:
        parts += ["\n", ("raw answer: ", "bold"), prediction.raw]
    if prediction.error:
        parts += ["\n", ("error: ", "$error bold"), prediction.error]
    return Content.assemble(*parts)


class TryScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("ctrl+r", "classify", "Classify"),
        Binding("ctrl+l", "clear", "Clear"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        spec = self.spec
        yield Header()
        yield Plain(f"{spec.method} · {model_name(spec)} · labels of {spec.data.source}", id="try-head")
        yield TextArea("", id="try-text", soft_wrap=True, tab_behavior="focus", placeholder="type or paste a text, then ctrl+r")
        yield Plain("ctrl+r classifies the text with the current configuration", id="try-status")
        yield Plain("", id="try-result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "try it"
        self.query_one("#try-text", TextArea).focus()

    def action_classify(self) -> None:
        text = self.query_one("#try-text", TextArea).text
        if not text.strip():
            self.query_one("#try-status", Static).update(Content.styled("type a text first", "$error"))
            return
        self.query_one("#try-status", Static).update("classifying … (the first time loads and fits the model)")
        self.classify(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="try")
    def classify(self, text: str) -> None:
        def progress(event: ProgressEvent) -> None:
            self.post_message(ClassifyProgress(event.label))

        with reporting_failures(self, ClassifyFailed):
            prep = self.app.engine.prepare(self.spec)
            predictions = self.app.engine.classify(prep, [text], on_progress=progress)
            self.post_message(Classified(predictions[0], prep.dataset.label_names, text))

    @on(ClassifyProgress)
    def classify_progress(self, message: ClassifyProgress) -> None:
        self.query_one("#try-status", Static).update(f"classifying … ({message.phase})")

    @on(Classified)
    def classified(self, message: Classified) -> None:
        self.query_one("#try-status", Static).update(f"classified ({len(message.text)} characters)")
        self.query_one("#try-result", Static).update(result_content(message.prediction, message.labels))

    @on(ClassifyFailed)
    def classify_failed(self, message: ClassifyFailed) -> None:
        self.query_one("#try-status", Static).update(Content.styled(message.error, "$error"))

    def action_clear(self) -> None:
        self.query_one("#try-text", TextArea).clear()
        self.query_one("#try-result", Static).update("")

    def action_back(self) -> None:
        self.app.pop_screen()
