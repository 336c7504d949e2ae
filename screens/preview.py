"""The live preview on the prompt/labels screen: what the model is given for one real example.
The method builds it (``Method.preview``), so the screen shows exactly what a run would send; this
module only lays it out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content

if TYPE_CHECKING:
    from workbench.methods import Preview


def preview_content(preview: "Preview | None", example: tuple[int, int, str, str], problem: str | None = None) -> Content:
    """``preview``: the method's, or None when a field is refused (``problem`` says which);
    ``example``: (position, count, text, gold label name)."""
    pos, count, text, gold = example
    parts: list[Any] = [(f"example {pos + 1} of {count}", "bold"), f"  (gold: {gold})  ctrl+n: next example\n"]
    if preview is None:
        parts += [("text  ", "$accent bold"), text, "\n", (f"nothing to preview while {problem or 'a field is refused'}", "$error")]
    elif preview.kind == "prompt":
        if preview.system:
            parts += [("system  ", "$accent bold"), preview.system, "\n"]
        parts += [("prompt  ", "$accent bold"), preview.prompt or ""]
        if preview.few_shot:
            parts.append((f"\n(+ {preview.few_shot} few-shot examples from the train split before it)", "$text-muted"))
        if preview.pairs:
            parts += ["\n", ("answers ", "$accent bold"), " | ".join(f"{n} = {t!r}" for n, t in preview.pairs)]
    elif preview.kind == "hypothesis":
        parts += [("premise     ", "$accent bold"), preview.text]
        for name, hypothesis in preview.pairs:
            parts += ["\n", ("hypothesis  ", "$accent bold"), f"{hypothesis}  ", (f"→ {name}", "$text-muted")]
    elif preview.kind == "label_texts":
        parts += [("text  ", "$accent bold"), preview.text, "\n", (preview.note, "$text-muted")]
        for name, label_text in preview.pairs:
            parts += ["\n", (f"  {name}: ", "bold"), label_text]
    else:
        parts += [("text  ", "$accent bold"), preview.text, "\n", (preview.note, "$text-muted")]
    return Content.assemble(*parts)
