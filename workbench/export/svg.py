"""The export's plots as inline SVG: the confusion matrix as a heat map, the reliability diagram
and the risk-coverage curve. Plain strings, no plotting library: a few rectangles and lines, and
every text that comes from the data goes through :func:`esc`. Colours are CSS classes and
variables of the page (html.py's style), so the same SVG reads on a light and a dark page."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ..confidence_figures import CalibrationBin

CUT = 60
"""Characters of a class name written on an axis (the whole name is in the cell's title)."""


def esc(value: Any) -> str:
    """A value as HTML/SVG text: ``&``, ``<``, ``>`` and both quotes escaped."""
    return html.escape(str(value), quote=True)


def _cut(name: str, width: int = CUT) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _geometry(n: int) -> tuple[int, int]:
    """(cell size, font size) for an n x n matrix: big cells with counts for a few classes, small
    ones for many (77 classes: 12 px cells, 10 px names: the matrix fits 1280 pixels)."""
    if n <= 4:
        return 64, 13
    if n <= 12:
        return 40, 12
    if n <= 30:
        return 20, 11
    return 12, 10


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], invalid_by_gold: Sequence[int] | None = None, *, caption: str = "") -> str:
    """Gold rows, predicted columns, in label order (as the per-class table), each cell coloured
    by its share of the gold row: the diagonal in one colour, errors in another, so the errors
    stand out at 77 classes. Every cell has a ``<title>`` (gold, predicted, count, share); counts
    are written in the cells when they fit. An 'invalid' column when any answer was invalid."""
    n = len(labels)
    show_invalid = bool(invalid_by_gold) and any(invalid_by_gold or [])
    cols = list(labels) + (["invalid"] if show_invalid else [])
    cell, font = _geometry(max(n, 1))
    char_w = font * 0.58  # a sans-serif character's mean width, a little over
    name_w = max((len(_cut(c)) for c in cols), default=1) * char_w
    horizontal = name_w <= cell  # column names across when they fit their cell, else upwards
    left = int(max((len(_cut(name)) for name in labels), default=1) * char_w) + 12
    top = int((font + 8) if horizontal else name_w + 12) + 18
    width, height = left + len(cols) * cell + 4, top + n * cell + 4
    counts = cell >= 20  # counts written in the cells, at a size their cells hold
    num_font = min(15, max(9, cell // 4))
    out = [
        f'<svg class="cm" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(caption or "confusion matrix")}" font-size="{font}">',
        f"<title>{esc(caption or 'confusion matrix')}: rows gold, columns predicted</title>",
        f'<text class="axis" x="{left}" y="12">predicted →</text>',
        f'<text class="axis" x="4" y="{top - 4}">gold ↓</text>',
    ]
    for j, name in enumerate(cols):
        x = left + j * cell + cell / 2
        klass = "lab inv" if show_invalid and j == n else "lab"
        if horizontal:
            out.append(f'<text class="{klass}" x="{_num(x)}" y="{top - 6}" text-anchor="middle"><title>{esc(name)}</title>{esc(_cut(name))}</text>')
        else:
            out.append(
                f'<text class="{klass}" transform="translate({_num(x + font / 3)},{top - 6}) rotate(-90)"><title>{esc(name)}</title>{esc(_cut(name))}</text>'
            )
    for i, name in enumerate(labels):
        row = list(matrix[i]) + ([invalid_by_gold[i]] if show_invalid and invalid_by_gold else [])
        total = sum(row)
        y = top + i * cell
        out.append(f'<text class="lab" x="{left - 6}" y="{_num(y + cell / 2 + font / 3)}" text-anchor="end"><title>{esc(name)}</title>{esc(_cut(name))}</text>')
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            kind = "z" if not count else "d" if j == i else "o"
            # an error of any share must show at 77 classes: errors start at 0.35, the diagonal at 0.12
            strength = 0.0 if not count else max(0.12, share) if j == i else 0.35 + 0.65 * share
            opacity = f' fill-opacity="{strength:.3f}"' if count else ""
            tip = f"gold {name} → predicted {cols[j]}: {count}" + (f" ({share:.0%} of gold {name})" if count else "")
            out.append(f'<rect class="{kind}" x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}"{opacity}><title>{esc(tip)}</title></rect>')
            if counts and count:
                on = " on" if strength > 0.55 else ""  # white on a dark cell
                out.append(
                    f'<text class="num{on}" x="{_num(left + j * cell + cell / 2)}" y="{_num(y + cell / 2 + num_font / 3)}" text-anchor="middle" font-size="{num_font}">{count}</text>'
                )
    out.append("</svg>")
    return "".join(out)


PLOT = 300
"""Side of the square plot area of the reliability diagram and the risk-coverage curve."""
_L, _T, _B = 48, 14, 40  # margins: left (tick labels), top, bottom (axis title)


def _frame(x_title: str, y_title: str, y_low: float = 0.0) -> list[str]:
    """Axes, grid and tick labels of a unit plot (x in [0, 1], y in [y_low, 1])."""
    out = [f'<rect class="plot" x="{_L}" y="{_T}" width="{PLOT}" height="{PLOT}"/>']
    for k in range(5):
        f = k / 4
        x = _L + f * PLOT
        yv = y_low + f * (1 - y_low)
        y = _T + PLOT - f * PLOT
        out.append(f'<line class="grid" x1="{_num(x)}" y1="{_T}" x2="{_num(x)}" y2="{_T + PLOT}"/>')
        out.append(f'<line class="grid" x1="{_L}" y1="{_num(y)}" x2="{_L + PLOT}" y2="{_num(y)}"/>')
        out.append(f'<text class="tick" x="{_num(x)}" y="{_T + PLOT + 14}" text-anchor="middle">{f:g}</text>')
        out.append(f'<text class="tick" x="{_L - 5}" y="{_num(y + 4)}" text-anchor="end">{yv:.2f}</text>')
    out.append(f'<text class="axis" x="{_L + PLOT / 2:g}" y="{_T + PLOT + 32}" text-anchor="middle">{esc(x_title)}</text>')
    out.append(f'<text class="axis" transform="translate(12,{_T + PLOT / 2:g}) rotate(-90)" text-anchor="middle">{esc(y_title)}</text>')
    return out


def _svg(kind: str, caption: str, body: list[str]) -> str:
    w, h = _L + PLOT + 12, _T + PLOT + _B
    head = f'<svg class="{kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{esc(caption)}" font-size="11">'
    return head + f"<title>{esc(caption)}</title>" + "".join(body) + "</svg>"


def reliability_svg(bins: "Sequence[CalibrationBin]") -> str:
    """The reliability diagram of the report's calibration bins (workbench/calibration.py): a bar
    per non-empty bin at its accuracy, a dot at its mean confidence, and the diagonal a perfectly
    calibrated method follows. Each bar's title gives the bin's figures."""
    body = _frame("confidence of the predicted class", "accuracy")
    body.append(f'<line class="ideal" x1="{_L}" y1="{_T + PLOT}" x2="{_L + PLOT}" y2="{_T}"/>')
    total = sum(b.count for b in bins) or 1
    for b in bins:
        count = b.count
        if not count or b.accuracy is None or b.confidence is None:
            continue
        lo, hi, acc, conf = b.lower, b.upper, b.accuracy, b.confidence
        x, w = _L + lo * PLOT + 1, (hi - lo) * PLOT - 2
        tip = f"confidence ({lo:.2f}, {hi:.2f}]: {count} examples ({count / total:.1%}), accuracy {acc:.3f}, mean confidence {conf:.3f}"
        body.append(
            f'<rect class="bar" x="{_num(x)}" y="{_num(_T + PLOT - acc * PLOT)}" width="{_num(max(w, 1))}" height="{_num(acc * PLOT)}"><title>{esc(tip)}</title></rect>'
        )
        body.append(f'<circle class="dot" cx="{_num(_L + conf * PLOT)}" cy="{_num(_T + PLOT - conf * PLOT)}" r="3"><title>{esc(tip)}</title></circle>')
    return _svg("rel", "reliability diagram", body)


def risk_coverage_svg(points: Sequence[tuple[float, float]], target: float | None = None, coverage_at_target: float | None = None) -> str:
    """Accuracy among the answered examples as the method answers more of them, most confident
    first (coverage from 0 to 1), with the target accuracy and the highest coverage reaching it."""
    accs = [a for _, a in points]
    floor = min(accs + ([target] if target is not None else [])) if accs else 0.0
    y_low = max(0.0, min(0.9, int(floor * 10) / 10))  # a scale that shows the curve's range
    body = _frame("coverage (the most confident answered first)", "accuracy of the answered", y_low)

    def y_of(a: float) -> float:
        return _T + PLOT - (a - y_low) / (1 - y_low) * PLOT

    if target is not None and target >= y_low:
        body.append(f'<line class="target" x1="{_L}" y1="{_num(y_of(target))}" x2="{_L + PLOT}" y2="{_num(y_of(target))}"><title>target accuracy {target:g}</title></line>')
    if points:
        path = " ".join(f"{_num(_L + c * PLOT)},{_num(y_of(a))}" for c, a in points)
        body.append(f'<polyline class="curve" points="{path}"><title>accuracy at coverage 1: {points[-1][1]:.3f}</title></polyline>')
    if target is not None and coverage_at_target is not None:
        tip = f"highest coverage at accuracy >= {target:g}: {coverage_at_target:.1%}"
        body.append(f'<circle class="dot" cx="{_num(_L + coverage_at_target * PLOT)}" cy="{_num(y_of(target))}" r="4"><title>{esc(tip)}</title></circle>')
    return _svg("rc", "risk-coverage curve", body)
