"""The live preview on the prompt/labels screen: what the model is given for one real example.
The method builds it (``Method.preview``), so the screen shows exactly what a run would send; this
module only lays it out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content

if TYPE_CHECKING:
    from workbench.methods import Prediction, Preview


def preview_content(
    preview: "Preview | None", example: tuple[int, int, str, str], problem: str | None = None,
    scored: "tuple[Prediction, list[str], int] | None" = None,
) -> Content:  # fmt: skip
    """``preview``: the method's, or None when a field is refused (``problem`` says which);
    ``example``: (position, count, text, gold label name); ``scored``: the example's prediction
    with these parameters, the label names and its gold label, when it has been scored."""
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
    if scored is not None and preview is not None:
        parts += ["\n", *score_parts(*scored)]
    return Content.assemble(*parts)


def score_parts(prediction: "Prediction", labels: list[str], gold: int) -> list[Any]:
    """One line: each class's score, then the predicted label marked right or wrong."""
    out: list[Any] = [("scores  ", "$accent bold")]
    if prediction.scores is not None:
        out.append("  ".join(f"{name} {s:.3f}" for name, s in zip(labels, prediction.scores)) + "  ")
    if prediction.label is None:
        why = prediction.error or prediction.raw or ""
        return [*out, ("→ invalid", "$error bold"), f"  {why[:60]}"]
    right = prediction.label == gold
    mark = ("✓ right", "$success bold") if right else (f"✗ wrong (gold {labels[gold]})", "$error bold")
    return [*out, (f"→ {labels[prediction.label]} ", "bold"), mark]
