"""Editors for a method's parameters, chosen by what the parameter declares (``Param.editor_kind``):
label texts (one line per class), a template (several lines: a prompt), a one-line template (the
NLI hypothesis), a message (a system message: any text or none), and a plain field for every
other parameter. A value is checked by the parameter's own engine check (``Param.check``) or its
coercion (``Param.coerce``).

Each editor validates as it is edited and shows the reason it refuses a value in place, under the
field; it posts :class:`ParamEdited` so the screen can refresh the preview."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static, TextArea

from .format import Plain, PlainLabel
from .validation import check_label_texts, check_param_text, param_text, parse_param_text


class ParamEdited(Message):
    """Some editor's value changed (valid or not)."""


class ParamEditor(Vertical):
    """Base: a titled block with a refusal line. ``value()`` returns the edited value or raises
    ValueError with the reason; ``is_default()`` says whether it equals the method's default."""

    DEFAULT_CLASSES = "param-editor"

    def __init__(self, param, **kwargs):
        super().__init__(**kwargs)
        self.param = param

    def title(self) -> str:
        return f"{self.param.name}: {self.param.help}"

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield PlainLabel(self.title(), classes="editor-title")
        yield from self.compose_fields()
        yield Plain("", classes="error-line editor-error")

    def value(self) -> Any:
        raise NotImplementedError

    def is_default(self, value: Any) -> bool:
        return value == self.param.default

    def error(self) -> str | None:
        try:
            self.value()
        except ValueError as e:
            return str(e)
        return None

    def revalidate(self) -> str | None:
        error = self.error()
        self.query_one(".editor-error", Static).update(f"refused: {error}" if error else "")
        self.set_class(error is not None, "-invalid")
        return error

    def edited(self) -> None:
        self.revalidate()
        self.post_message(ParamEdited())


class LabelTextsEditor(ParamEditor):
    """One text per class, in label order."""

    def __init__(self, param, label_names: list[str], texts: list[str], defaults: list[str]):
        super().__init__(param, id=f"editor-{param.name}")
        self.label_names = list(label_names)
        self.texts = list(texts)
        self.defaults = list(defaults)

    def title(self) -> str:
        return f"Label texts ({self.param.name}): one per class, what each class is compared with"

    def compose_fields(self) -> ComposeResult:
        width = max(len(n) for n in self.label_names) if self.label_names else 5
        for i, (name, text) in enumerate(zip(self.label_names, self.texts)):
            with Horizontal(classes="label-text-row"):
                yield PlainLabel(name.ljust(width), classes="label-name")
                yield Input(text, id=f"label-text-{i}", compact=True, placeholder="a descriptive text for this class")

    def inputs(self) -> list[Input]:
        return list(self.query(".label-text-row Input").results(Input))

    def value(self) -> list[str]:
        texts = [box.value for box in self.inputs()]
        check_label_texts(self.label_names, texts)
        return texts

    def is_default(self, value: Any) -> bool:
        return list(value) == self.defaults

    @on(Input.Changed)
    def text_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.edited()


class TemplateEditor(ParamEditor):
    """A multi-line template that must hold {text} or [DOCUMENT]; with ``required=False`` (the
    system message) any text, or none, is accepted."""

    def __init__(self, param, value: str | None, required: bool = True):
        super().__init__(param, id=f"editor-{param.name}")
        self.initial = value or ""
        self.required = required

    def compose_fields(self) -> ComposeResult:
        area = TextArea(self.initial, id=f"template-{self.param.name}", soft_wrap=True, compact=True, tab_behavior="focus")
        area.show_line_numbers = False
        yield area

    def value(self) -> str | None:
        text = self.query_one(TextArea).text
        if not self.required:
            return text if text.strip() else None
        return check_param_text(self.param, text)

    @on(TextArea.Changed)
    def text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.edited()


class LineEditor(ParamEditor):
    """A one-line field: a one-line template (checked by the parameter's engine check), or any
    other parameter (coerced by the engine's ``Param.coerce``; empty means the default)."""

    def __init__(self, param, value: Any):
        super().__init__(param, id=f"editor-{param.name}")
        self.initial = param_text(value)

    def compose_fields(self) -> ComposeResult:
        placeholder = f"default: {param_text(self.param.default) or 'none'}"
        yield Input(self.initial, id=f"param-{self.param.name}", placeholder=placeholder, compact=True)

    def value(self) -> Any:
        return parse_param_text(self.param, self.query_one(Input).value)

    @on(Input.Changed)
    def text_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.edited()


def make_editor(param, current: Any, label_names: list[str], default_texts: list[str]) -> ParamEditor:
    kind = param.editor_kind
    if kind == "texts":
        fits = current and len(current) == len(label_names)  # texts for another dataset's classes do not
        return LabelTextsEditor(param, label_names, list(current) if fits else list(default_texts), default_texts)
    if kind in ("template", "message"):
        return TemplateEditor(param, current if current is not None else param.default, required=kind == "template")
    return LineEditor(param, current if current is not None else param.default)
