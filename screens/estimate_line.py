"""The prompt screen's live estimate, laid out: accuracy and macro F1 on the sample with their
intervals and the change from the configuration it is measured against. The engine computes it
(workbench/live_estimate.py); this module only writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content

if TYPE_CHECKING:
    from workbench.live_estimate import SampleEstimate


def _delta(value: float, base: float | None) -> list[Any]:
    if base is None:
        return []
    d = value - base
    style = "$success" if d > 0 else "$error" if d < 0 else "$text-muted"
    return [" ", (f"{d:+.3f}", style)]


def estimate_content(estimate: "SampleEstimate | None", baseline: "SampleEstimate | None", against: str, busy: bool) -> Content:
    """One or two lines: 'estimate on 200 examples (seed 0) · accuracy 0.785 [0.730, 0.840] +0.020
    · macro F1 ... · vs <against> · 43 errors (ctrl+o: the next)'. ``busy``: a newer edit is being
    estimated (the figures shown are the last edit's)."""
    if estimate is None:
        return Content.assemble(("estimate: ", "$accent bold"), ("computing on a sample of the evaluated split …" if busy else "", "$text-muted"))
    parts: list[Any] = [(f"estimate on {estimate.n} examples", "$accent bold"), (f" (seed {estimate.seed}): ", "$text-muted")]
    lo, hi = estimate.accuracy_ci
    parts += ["accuracy ", (f"{estimate.accuracy:.3f}", "bold"), f" [{lo:.3f}–{hi:.3f}]", *_delta(estimate.accuracy, baseline.accuracy if baseline else None)]
    lo, hi = estimate.f1_ci
    parts += [" · macro F1 ", (f"{estimate.f1_macro:.3f}", "bold"), f" [{lo:.3f}–{hi:.3f}]", *_delta(estimate.f1_macro, baseline.f1_macro if baseline else None)]
    if baseline is not None:
        parts.append((f" · change vs {against}, same sample", "$text-muted"))
    tail = f"{len(estimate.errors)} errors (ctrl+o shows the next)" if estimate.errors else "no errors"
    parts += [" · ", tail]
    if estimate.invalid:
        parts.append(f", {estimate.invalid} invalid")
    if busy:
        parts.append(("  · updating …", "$text-muted"))
    return Content.assemble(*parts)
