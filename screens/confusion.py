"""The confusion matrix twice: drawn with plotext (cells shaded by row share, each labelled with its
count and row share; an 'invalid' column when any answer was invalid), and as a DataTable in cell
cursor mode, whose cells are selected from the keyboard to filter the example browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Static

from .format import SortCell

if TYPE_CHECKING:
    from workbench.results import Report

INVALID = "invalid"


def matrix_rows(report: "Report") -> tuple[list[str], list[str], list[list[int]]]:
    """(row labels, column labels, counts) with the invalid column appended when needed."""
    labels = list(report.labels)
    matrix = [list(r) for r in report.confusion_matrix]
    invalid = report.invalid_by_gold or [0] * len(labels)
    columns = list(labels)
    if any(invalid):
        columns.append(INVALID)
        matrix = [row + [invalid[i]] for i, row in enumerate(matrix)]
    return labels, columns, matrix


def cell_text(count: int, total: int) -> str:
    return f"{count} ({count / total:.0%})" if total else "0"


def plot_height(n_rows: int) -> int:
    """Lines for a drawing of ``n_rows`` classes: frame, tick labels and axis label, and 2 lines a
    row (1 beyond 4 classes)."""
    return n_rows * (2 if n_rows <= 4 else 1) + 4


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    return tuple(int(x + (y - x) * share) for x, y in zip(a, b))  # type: ignore[return-value]


def draw_confusion(
    report: "Report",
    width: int,
    height: int,
    colors: tuple[tuple[int, int, int], tuple[int, int, int]] = ((40, 40, 40), (0, 120, 215)),
    title: str | None = None,
) -> Text:
    """The matrix as plotext draws it (gold rows, predicted columns), as Rich text. ``colors``:
    the shade of a 0% cell and of a 100% cell (the app passes its theme's background and
    primary)."""
    import plotext as plt

    rows, columns, matrix = matrix_rows(report)
    fig = plt.figure
    fig.clear()
    fig.theme("colorless")
    low, high = colors
    n_rows, n_cols = len(rows), len(columns)
    for i, row in enumerate(matrix):
        total = sum(row)
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            fill = _blend(low, high, share)
            ink = (255, 255, 255) if sum(fill) < 400 else (0, 0, 0)
            y = n_rows - 1 - i
            label = plt.colorize(f" {cell_text(count, total)} ", (ink, fill))
            fig.draw(fig.rectangle(x=(j, j + 1), y=(y, y + 1), marker=plt.marker("█", plt.pixel(foreground=fill)), fill=True, lines=True, label=label))
    fig.ruler("x").ticks([j + 0.5 for j in range(n_cols)], columns)
    fig.ruler("y").ticks([n_rows - 1 - i + 0.5 for i in range(n_rows)], rows)
    fig.ruler("x").lim(0, n_cols)
    fig.ruler("y").lim(0, n_rows)
    fig.label("predicted", "x")
    fig.label("gold", "y")
    if title:
        fig.title(title)
    fig.plot_size(max(width, 20), max(height, n_rows + 4))
    text = Text.from_ansi(fig.build().string())
    fig.clear()
    return text


class ConfusionTable(DataTable):
    """Gold rows x predicted columns (and 'invalid'); enter on a cell posts :class:`CellChosen`."""

    class CellChosen(Message):
        def __init__(self, gold: int, pred: int | None):
            super().__init__()
            self.gold = gold
            self.pred = pred
            """A predicted class index, or None for the invalid column."""

    def __init__(self, **kwargs):
        super().__init__(cursor_type="cell", zebra_stripes=False, **kwargs)
        self.n_labels = 0

    def show(self, report: "Report") -> None:
        rows, columns, matrix = matrix_rows(report)
        self.n_labels = len(rows)
        self.clear(columns=True)
        self.add_column(Text("gold \\ pred", style="italic"), key="gold")
        for j, name in enumerate(columns):
            self.add_column(Text(name, justify="right"), key=f"col-{j}")
        for i, (name, row) in enumerate(zip(rows, matrix)):
            total = sum(row)
            cells = [SortCell(c, cell_text(c, total)) for c in row]
            for j, cell in enumerate(cells):
                if j == i:
                    cell.text.stylize("bold")
            self.add_row(Text(name, style="bold"), *cells, key=f"row-{i}")
        if len(columns) > 0:
            self.move_cursor(row=0, column=min(2, len(columns)) if len(columns) > 1 else 1)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = event.coordinate.row, event.coordinate.column - 1
        if column < 0:
            return
        self.post_message(self.CellChosen(row, column if column < self.n_labels else None))


def theme_colors(app) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(empty cell, full cell) shades from the app's Textual theme: its panel and primary colours."""
    from textual.color import Color

    theme = app.current_theme
    try:
        low = Color.parse(theme.panel or theme.surface or ("#e0e0e0" if not theme.dark else "#303030"))
        high = Color.parse(theme.primary)
    except Exception:  # a theme without parseable colours: the plain defaults
        return ((40, 40, 40), (0, 120, 215))
    return (low.rgb, high.rgb)


class ConfusionPlot(Static):
    """The plotext drawing, redrawn to its size whenever it changes."""

    def __init__(self, report: "Report | None" = None, title: str | None = None, **kwargs):
        super().__init__("", **kwargs)
        self.report: Report | None = None
        self.title = title
        if report is not None:
            self.show(report)

    def show(self, report: "Report") -> None:
        self.report = report
        self.styles.height = plot_height(len(report.labels)) + (1 if self.title else 0)
        self.redraw()

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self.redraw(), init=False)  # shades follow the theme

    def on_resize(self) -> None:
        self.redraw()

    def on_show(self) -> None:
        self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        if self.report is None or self.size.width < 10:
            return
        self.update(draw_confusion(self.report, self.size.width, self.size.height, theme_colors(self.app), self.title))
