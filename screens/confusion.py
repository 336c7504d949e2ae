"""The confusion matrix twice: drawn with plotext (cells shaded by row share on a heat scale, each
labelled with its count and row share; an 'invalid' column when any answer was invalid), and as a
DataTable in cell cursor mode, whose cells are selected from the keyboard to filter the example
browser. With many classes (workbench/confusions.py) the drawing is a grid of numbered columns
sized to the widget, with a legend, and the top confusions are listed in a table of their own.
Under the NO_COLOR environment variable (https://no-color.org) everything is drawn plain."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Static

from workbench.confusions import TOP_CONFUSIONS, fit_names, legend_lines, many_classes, short_labels, top_confusions
from workbench.safe_text import visible

from .format import SortCell

if TYPE_CHECKING:
    from workbench.results import Report

INVALID = "invalid"

HEAT = ((59, 82, 139), (33, 145, 140), (94, 201, 98), (181, 222, 43), (253, 231, 37))
"""The shades of a cell by its row share, in fifths (1-20% ... 81-100%): viridis' steps, apart in
hue and lightness on a dark or a light theme alike. An empty cell takes the theme's panel colour."""

SHADES = ".:░▒▓█"
"""Plain (NO_COLOR) marks of an empty cell and of the five steps where a count does not fit."""


def no_color() -> bool:
    """True when the NO_COLOR environment variable is set and not empty (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def heat_step(share: float) -> int:
    """0 for an empty cell, else 1-5: the fifth of the row its share falls in."""
    return 0 if share <= 0 else min(len(HEAT), max(1, math.ceil(share * len(HEAT) - 1e-9)))


def heat_color(share: float, empty: tuple[int, int, int]) -> tuple[int, int, int]:
    step = heat_step(share)
    return HEAT[step - 1] if step else empty


def ink_for(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black on a light shade, white on a dark one (by relative luminance)."""
    r, g, b = fill
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def _rgb(color: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def scale_key(empty: tuple[int, int, int], plain: bool | None = None, width: int | None = None) -> Text:
    """The shades named: 'row share  0  1-20%  21-40% ...', on more lines where ``width`` is short."""
    plain = no_color() if plain is None else plain
    text = Text("row share")
    line = len(text)
    for step, name in enumerate(("0", "1-20%", "21-40%", "41-60%", "61-80%", "81-100%")):
        entry = f" {SHADES[step]} {name} " if plain else f" {name} "
        if width is not None and line + 1 + len(entry) > width:
            text.append("\n")
            line = 0
        text.append(" ")
        if plain:
            text.append(entry)
        else:
            fill = HEAT[step - 1] if step else empty
            text.append(entry, Style(color=_rgb(ink_for(fill)), bgcolor=_rgb(fill)))
        line += 1 + len(entry)
    return text


def matrix_rows(report: "Report") -> tuple[list[str], list[str], list[list[int]]]:
    """(row labels, column labels, counts) with the invalid column appended when needed."""
    labels = [visible(name) for name in report.labels]  # drawn and shown: no control character (safe_text.py)
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
    row (1 beyond 4 classes); and the line of the scale's key below it."""
    return n_rows * (2 if n_rows <= 4 else 1) + 5


def draw_confusion(
    report: "Report",
    width: int,
    height: int,
    colors: tuple[tuple[int, int, int], tuple[int, int, int]] = ((40, 40, 40), (0, 120, 215)),
    title: str | None = None,
    plain: bool | None = None,
) -> Text:
    """The matrix (gold rows, predicted columns) as Rich text, cells shaded on the HEAT scale by
    row share: drawn by plotext, or with many classes a numbered grid (:func:`draw_grid`).
    ``colors``: the app's theme's panel (the shade of an empty cell) and primary colours.
    ``plain``: no colour at all (default: when NO_COLOR is set)."""
    plain = no_color() if plain is None else plain
    if many_classes(report):
        return draw_grid(report, width, colors[0], plain)
    import plotext as plt

    rows, columns, matrix = matrix_rows(report)
    fig = plt.figure
    fig.clear()
    fig.theme("colorless")
    low = colors[0]
    n_rows, n_cols = len(rows), len(columns)
    for i, row in enumerate(matrix):
        total = sum(row)
        for j, count in enumerate(row):
            share = count / total if total else 0.0
            y = n_rows - 1 - i
            if plain:
                fig.draw(fig.rectangle(x=(j, j + 1), y=(y, y + 1), marker=" ", fill=False, lines=True, label=f" {cell_text(count, total)} "))
                continue
            fill = heat_color(share, low)
            label = plt.colorize(f" {cell_text(count, total)} ", (ink_for(fill), fill))
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
    if plain:
        text = Text(text.plain)
    return Text("\n").join([text, scale_key(low, plain, max(width, 20))])


def draw_grid(report: "Report", width: int, empty: tuple[int, int, int] = (40, 40, 40), plain: bool | None = None) -> Text:
    """A matrix of many classes in ``width`` columns: classes by number (a legend below names
    them), gold rows led by their number and name, predicted columns numbered downwards (a digit
    a line), each cell shaded by row share and showing its count where it fits with a space before
    it (else the shade alone: the table and the top confusions give the counts); the columns in
    bands where they do not all fit. Plain: counts or shade marks (SHADES), no colour."""
    plain = no_color() if plain is None else plain
    labels, _columns, matrix = matrix_rows(report)
    short = short_labels(labels) + (["x"] if len(_columns) > len(labels) else [])
    num_w = max(len(x) for x in short)
    most = max((c for row in matrix for c in row), default=0)
    name_w = min(max((len(n) for n in labels), default=0), 16 if width >= 60 else 0)
    head_w = num_w + (1 + name_w if name_w else 0) + 1
    row_names = fit_names(labels, name_w) if name_w else []
    cell_w = next((w for w in (len(str(most)) + 1, 2, 1) if head_w + w * len(short) <= width), 1)
    per_band = max(1, (width - head_w) // cell_w)
    out = Text()
    for start in range(0, len(short), per_band):
        band = range(start, min(start + per_band, len(short)))
        if start:
            out.append("\n")
        for d in range(num_w):  # column numbers downwards: a digit a line
            out.append(("gold" if d == num_w - 1 and head_w > 4 else "").ljust(head_w))
            out.append("".join(short[j].rjust(num_w)[d].rjust(cell_w) for j in band).rstrip() + "\n", "bold")
        for i, row in enumerate(matrix):
            total = sum(row)
            head = short[i].rjust(num_w) + (" " + row_names[i].ljust(name_w) if name_w else "") + " "
            out.append(head, "bold")
            for j in band:
                share = row[j] / total if total else 0.0
                count = str(row[j]) if row[j] else ""
                shown = count if len(count) < cell_w else ""  # a space between counts, or none shown
                if plain:
                    out.append((shown or SHADES[heat_step(share)]).rjust(cell_w), "bold" if i == j else "")
                else:
                    fill = heat_color(share, empty)
                    out.append(shown.rjust(cell_w), Style(color=_rgb(ink_for(fill)), bgcolor=_rgb(fill), bold=i == j))
            out.append("\n")
    out.append("\n")
    legend = legend_lines(labels, width, entry_max=max(24, width // 2 - 2)) + (["x  an invalid answer"] if len(short) > len(labels) else [])
    out.append("\n".join(legend) + "\n")
    out.append_text(scale_key(empty, plain, width))
    if plain:
        out = Text(out.plain)
    return out


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
        many = many_classes(report)  # numbered columns (the legend is the row names), counts only
        self.fixed_columns = 1 if many else 0  # the row's class stays in view as the columns scroll
        heads = short_labels(rows) + [INVALID] * (len(columns) - len(rows)) if many else columns
        self.add_column(Text("gold \\ pred", style="italic"), key="gold")
        for j, name in enumerate(heads):
            self.add_column(Text(name, justify="right"), key=f"col-{j}")
        row_names = fit_names(rows, 24)
        for i, (name, row) in enumerate(zip(rows, matrix)):
            total = sum(row)
            cells = [SortCell(c, (str(c) if c else ".") if many else cell_text(c, total)) for c in row]
            for j, cell in enumerate(cells):
                if j == i:
                    cell.text.stylize("bold")
            head = f"{i + 1:>{len(str(len(rows)))}} {row_names[i]}" if many else name
            self.add_row(Text(head, style="bold"), *cells, key=f"row-{i}")
        if len(columns) > 0:  # the first confusion of two classes; the first column of many
            self.move_cursor(row=0, column=min(2, len(columns)) if len(columns) > 1 and not many else 1)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = event.coordinate.row, event.coordinate.column - 1
        if column < 0:
            return
        self.post_message(self.CellChosen(row, column if column < self.n_labels else None))


class TopConfusions(DataTable):
    """The report's top confusions, ranked by the engine (workbench/confusions.py): gold ->
    predicted, count, share of the gold class; enter on one posts ConfusionTable.CellChosen."""

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.cells: list[tuple[int, int | None]] = []

    def show(self, report: "Report", k: int = TOP_CONFUSIONS) -> None:
        self.clear(columns=True)
        self.add_column("gold", key="gold")
        self.add_column("predicted", key="pred")
        self.add_column(Text("count", justify="right"), key="count")
        self.add_column(Text("of gold", justify="right"), key="share")
        top = top_confusions(report, k)
        self.cells = [(c.gold, c.pred) for c in top]
        names = fit_names([visible(n) for n in report.labels], 30)
        for n, c in enumerate(top):
            pred = INVALID if c.pred is None else names[c.pred]
            self.add_row(Text(names[c.gold]), Text(pred), SortCell(c.count, str(c.count)), SortCell(c.share, f"{c.share:.0%}"), key=f"top-{n}")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.cells):
            gold, pred = self.cells[event.cursor_row]
            self.post_message(ConfusionTable.CellChosen(gold, pred))


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
        many = many_classes(report)  # the grid's height follows its width (bands, legend)
        self.styles.height = "auto" if many else plot_height(len(report.labels)) + (1 if self.title else 0)
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
        drawn = draw_confusion(self.report, self.size.width, self.size.height - 1, theme_colors(self.app), self.title)  # 1: the scale's key
        if self.title and many_classes(self.report):
            drawn = Text("\n").join([Text(self.title, style="bold"), drawn])
        self.update(drawn)
