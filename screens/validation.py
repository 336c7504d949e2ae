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
    """What refuses a label text on its own (the engine's ``check_each_label_text``: an empty
    one); the rest (count, duplicates) is the method's ``validate``, whose reason the screen shows
    under all the editors."""
    from workbench.answers import check_each_label_text

    _engine_check(check_each_label_text, label_names, texts)
    return list(texts)


def check_param_text(param, text: str) -> Any:
    """A multi-line field (a template) through the parameter's own engine check, if it has one."""
    return _engine_check(param.check, text) if param.check is not None else text


def param_text(value: Any) -> str:
    """How a parameter value is written in a one-line field, as the engine reads it back
    (``Param.coerce``: texts split at '|', pairs at ',')."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " | ".join(map(str, value))
    return str(value)


def parse_param_text(param, text: str) -> Any:
    """A one-line field back to the parameter's value: the engine's own check of the parameter
    when it has one, else its coercion (``Param.coerce``); empty means the default."""
    if param.check is not None:
        return _engine_check(param.check, text)
    text = text.strip()
    if not text:
        return param.default
    return _engine_check(param.coerce, text)


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
