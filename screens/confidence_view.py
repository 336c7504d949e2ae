"""The report's Confidence tab: the calibration figures (ECE with its interval, MCE, Brier,
log-loss, AURC), the reliability diagram (accuracy per confidence bin against the diagonal of
perfect calibration) and the risk-coverage curve drawn with plotext, and a confidence threshold
moved from the keyboard that shows what the method answers at it. Every figure comes from the
engine: the report's ``calibration`` and ``selective`` entries, and the run's
``selective.ConfidenceCurve`` (computed in the report screen's worker) for the curve and the
threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from .confusion import theme_colors
from .format import Plain

if TYPE_CHECKING:
    from workbench.confidence_figures import CalibrationBin
    from workbench.results import Report
    from workbench.selective import ConfidenceCurve, ThresholdPoint

STEP = 0.05
"""How far one key press moves the threshold."""
START = 0.5

Color = tuple[int, int, int]


def no_scores_line(report: Report) -> str:
    """Why a report has no confidence figures, in one line."""
    rule = report.score_rule or ""
    if rule.startswith("none"):
        return f"no confidence figures: the method gives no class probabilities ({rule})"
    return "no confidence figures: this report has none (made before they were computed, or no valid prediction has scores)"


def figures_text(report: Report) -> str:
    """The calibration and selective-prediction figures, as lines (within 80 columns); "CI" is
    the ECE's 95% bootstrap interval, an invalid prediction has confidence 0."""
    cal, sel = report.calibration, report.selective

    def num(value) -> str:
        return "-" if value is None else f"{value:.4f}"

    lines = []
    if cal is not None:
        lo, hi = cal.ece_ci95
        lines.append(f"ECE {num(cal.ece)} (CI {num(lo)}–{num(hi)}) · MCE {num(cal.mce)} · Brier {num(cal.brier)} · log-loss {num(cal.log_loss)}")
    if sel is not None:
        line = f"AURC {num(sel.aurc)}"
        reach = sel.coverage_at_target
        line += f" · coverage at accuracy ≥ {sel.target_accuracy:g}: {'none' if reach is None else f'{reach:.1%}'}"
        if cal is not None and cal.invalid:
            line += f" · {cal.invalid} of {cal.n} invalid"
        lines.append(line)
    after = cal.after_scaling if cal is not None else None
    if after is not None:
        lines.append(
            f"after temperature scaling (T {after.temperature or 0:.3f}, fitted on {after.fitted_on}): "
            f"ECE {num(after.ece)} · log-loss {num(after.log_loss)}"
        )
    return "\n".join(lines)


def threshold_text(point: ThresholdPoint) -> str:
    accuracy = "-" if point.accuracy is None else f"{point.accuracy:.1%}"
    return (
        f"threshold {point.threshold:.2f}: answers {point.answered} of {point.n} "
        f"(coverage {point.coverage:.1%}), accuracy {accuracy}  (←/→)"
    )


def _frame(fig, width: int, height: int, x_label: str, y_label: str, title: str) -> None:
    ticks = [0, 0.25, 0.5, 0.75, 1]
    fig.ruler("x").lim(0, 1)
    fig.ruler("y").lim(0, 1)
    fig.ruler("x").ticks(ticks, ["0", ".25", ".5", ".75", "1"])
    fig.ruler("y").ticks(ticks, ["0", ".25", ".5", ".75", "1"])
    fig.label(x_label, "x")
    fig.label(y_label, "y")
    fig.title(title)
    fig.plot_size(max(width, 20), max(height, 8))


def draw_reliability(bins: Sequence[CalibrationBin], width: int, height: int, color: Color = (0, 120, 215), threshold: float | None = None) -> Text:
    """Accuracy per confidence bin (a bar over each non-empty bin) with the diagonal of perfect
    calibration, and the threshold as a vertical line (drawn over the bars); as Rich text."""
    import plotext as plt

    fig = plt.figure
    fig.clear()
    fig.theme("colorless")
    bar = plt.marker("█", plt.pixel(foreground=color))
    for b in bins:
        if not b.count or b.accuracy is None:
            continue
        gap = (b.upper - b.lower) * 0.15
        if b.accuracy > 0:
            fig.draw(fig.rectangle(x=(b.lower + gap, b.upper - gap), y=(0, b.accuracy), marker=bar, fill=True, lines=True))
    fig.draw(fig.segment((0, 1), (0, 1), marker="dot"))
    if threshold is not None:
        fig.draw(fig.segment((threshold, threshold), (0, 1), marker="│"))
    _frame(fig, width, height, "confidence", "accuracy", "accuracy per confidence bin")
    text = Text.from_ansi(fig.build().string())
    fig.clear()
    return text


def draw_risk_coverage(points: list[tuple[float, float]], width: int, height: int, color: Color = (0, 120, 215), at: ThresholdPoint | None = None) -> Text:
    """Accuracy among the most confident examples against the share answered (coverage), with
    the point the threshold gives; as Rich text."""
    import plotext as plt

    fig = plt.figure
    fig.clear()
    fig.theme("colorless")
    if points:
        xs, ys = [c for c, _ in points], [a for _, a in points]
        fig.draw(fig.signal(xs, ys, marker=plt.marker("hd", plt.pixel(foreground=color))).lines())
    if at is not None and at.accuracy is not None:
        fig.draw(fig.signal([at.coverage], [at.accuracy], marker="●"))
    _frame(fig, width, height, "coverage", "accuracy", "accuracy by coverage")
    text = Text.from_ansi(fig.build().string())
    fig.clear()
    return text


class _Plot(Static):
    """A plotext drawing, redrawn to its size whenever it or the threshold changes."""

    def __init__(self, confidence: ConfidenceView, **kwargs):
        super().__init__("", **kwargs)
        self.confidence = confidence

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self.redraw(), init=False)

    def on_resize(self) -> None:
        self.redraw()

    def on_show(self) -> None:
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        if self.size.width >= 20 and self.size.height >= 8:
            self.update(self.draw(self.size.width, self.size.height, theme_colors(self.app)[1]))

    def draw(self, width: int, height: int, color: Color) -> Text:
        raise NotImplementedError


class ReliabilityPlot(_Plot):
    def draw(self, width: int, height: int, color: Color) -> Text:
        cal = self.confidence.report.calibration
        bins = cal.bins if cal is not None else ()
        return draw_reliability(bins, width, height, color, self.confidence.threshold)


class RiskCoveragePlot(_Plot):
    def draw(self, width: int, height: int, color: Color) -> Text:
        curve = self.confidence.curve
        return draw_risk_coverage(curve.points() if curve else [], width, height, color, self.confidence.point())


class ConfidenceView(VerticalScroll):
    """The Confidence tab's content; focused, the arrow keys (or − and +) move the threshold."""

    BINDINGS = [
        Binding("left,minus", "step(-1)", "lower", key_display="←", group=Binding.Group("Threshold", compact=True)),
        Binding("right,plus,equals_sign", "step(1)", "raise", key_display="→", group=Binding.Group("Threshold", compact=True)),
    ]

    def __init__(self, report: Report, curve: ConfidenceCurve | None, **kwargs):
        super().__init__(**kwargs)
        self.report = report
        self.curve = curve
        self.threshold = START
        self.has_figures = report.calibration is not None and curve is not None

    def compose(self) -> ComposeResult:
        if not self.has_figures:
            yield Plain(no_scores_line(self.report), id="confidence-none")
            return
        yield Plain(figures_text(self.report), id="confidence-figures")
        yield Plain(self.threshold_line(), id="confidence-threshold")
        with Horizontal(id="confidence-plots"):
            yield ReliabilityPlot(self, id="reliability-plot")
            yield RiskCoveragePlot(self, id="risk-coverage-plot")

    def point(self) -> ThresholdPoint | None:
        return self.curve.at(self.threshold) if self.curve is not None else None

    def threshold_line(self) -> str:
        point = self.point()
        return threshold_text(point) if point is not None else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.has_figures if action == "step" else True

    def action_step(self, direction: int) -> None:
        threshold = min(1.0, max(0.0, round(self.threshold + direction * STEP, 2)))
        if threshold == self.threshold:
            return
        self.threshold = threshold
        self.query_one("#confidence-threshold", Static).update(self.threshold_line())
        for plot in self.query(_Plot):
            plot.redraw()
