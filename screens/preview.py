"""The live preview on the prompt/labels screen: what the model is given for one real example,
rendered with the templates and label texts being edited."""

from __future__ import annotations

from typing import Any, Sequence

from textual.content import Content


def preview_content(
    param_names: Sequence[str],
    values: dict[str, Any],
    label_names: Sequence[str],
    label_texts: Sequence[str] | None,
    example: tuple[int, int, str, str],
) -> Content:
    """``values``: the edited parameter values (None where refused); ``example``: (position,
    count, text, gold label name)."""
    from workbench.prompts import render

    pos, count, text, gold = example
    parts: list[Any] = [(f"example {pos + 1} of {count}", "bold"), f"  (gold: {gold})  ctrl+n: next example\n"]
    if "prompt" in param_names:
        system, template = values.get("system"), values.get("prompt")
        if system:
            parts += [("system  ", "$accent bold"), system, "\n"]
        if template:
            parts += [("prompt  ", "$accent bold"), render(template, text)]
        else:
            parts.append(("the prompt template is refused (see above): nothing to render", "$error"))
        shots = values.get("few_shot") or 0
        if shots:
            parts.append((f"\n(+ {shots} few-shot examples from the train split before it)", "$text-muted"))
        if label_texts:
            parts += ["\n", ("answers ", "$accent bold"), " | ".join(f"{n} = {t!r}" for n, t in zip(label_names, label_texts))]
    elif "hypothesis" in param_names:
        hypothesis = values.get("hypothesis")
        parts += [("premise     ", "$accent bold"), text]
        for name, label_text in zip(label_names, label_texts or []):
            shown = hypothesis.replace("{}", label_text) if hypothesis else "(hypothesis refused)"
            parts += ["\n", ("hypothesis  ", "$accent bold"), f"{shown}  ", (f"→ {name}", "$text-muted")]
    elif label_texts:
        parts += [("text  ", "$accent bold"), text, "\n", ("compared (cosine similarity of embeddings) with:", "$text-muted")]
        for name, label_text in zip(label_names, label_texts):
            parts += ["\n", (f"  {name}: ", "bold"), label_text or ("(empty: refused)", "$error")]
    else:
        parts += [("text  ", "$accent bold"), text, "\n", ("this method takes the text as it is (no prompt or label texts)", "$text-muted")]
    return Content.assemble(*parts)
