"""Checks behind the editors: each returns the accepted value or raises ValueError with a one-line
reason. Template and method checks are the engine's own (``workbench.prompts.check_template``,
the method's ``validate``), so the UI refuses exactly what a run would refuse."""

from __future__ import annotations

from typing import Any, Sequence

from workbench.errors import WorkbenchError


def _engine_check(check, *args) -> Any:
    try:
        return check(*args)
    except WorkbenchError as e:
        raise ValueError(str(e)) from None


def check_label_texts(label_names: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Only what each editor can refuse on its own (an empty text); the rest (count, duplicates)
    is the method's ``validate``, whose reason the screen shows under all the editors."""
    empty = [label_names[i] for i, t in enumerate(texts) if not str(t).strip()]
    if empty:
        raise ValueError(f"the label text for {', '.join(empty)} is empty: give every class a descriptive text")
    return list(texts)


def check_template(text: str, what: str = "prompt") -> str:
    from workbench.prompts import check_template as engine_check

    return _engine_check(engine_check, text, what)


def check_hypothesis(text: str) -> str:
    from workbench.methods.nli import check_hypothesis as engine_check  # lazy: the registry pulls numpy

    return _engine_check(engine_check, text)


def param_text(value: Any) -> str:
    """How a parameter value is written in a one-line field."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " | ".join(map(str, value))
    return str(value)


def parse_param_text(param, text: str) -> Any:
    """A one-line field back to the parameter's value; empty means the default."""
    text = text.strip()
    if not text:
        return param.default
    if param.kind == "mapping":
        out = {}
        for item in text.replace(",", " ").split():
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"{param.name}: '{item}' is not KEY=VALUE")
            out[key] = value
        return out
    if param.kind == "texts":
        return [t.strip() for t in text.split("|")]
    try:
        return param.coerce(text)
    except WorkbenchError as e:
        raise ValueError(str(e)) from None


def method_instance(method_cls, label_names: Sequence[str], params: dict[str, Any]):
    """The method built with these parameters (no model loaded), for its defaults, checks and
    preview."""
    from workbench.methods import MethodConfig, resolve_params

    return method_cls(MethodConfig(None, list(label_names), resolve_params(method_cls, dict(params))))


def default_label_texts(method_cls, label_names: Sequence[str]) -> list[str]:
    """The label texts a method uses when none are given (the method's own ``label_texts``)."""
    try:
        texts = method_instance(method_cls, label_names, {}).label_texts()
    except WorkbenchError:
        texts = None
    if texts is not None:
        return list(texts)
    from workbench.answers import default_label_texts as spelled_out

    return spelled_out(label_names)


def method_error(method_cls, label_names: Sequence[str], params: dict[str, Any]) -> str | None:
    """What the method's own validation refuses in these parameters, or None."""
    try:
        method_instance(method_cls, label_names, params).validate()
    except WorkbenchError as e:
        from .fields import tui_message

        return tui_message(e)
    return None
