"""Share a result: a stored run, or two compared, as one self-contained HTML page, GitHub
Markdown, CSV (one row per prediction) or JSON (``workbench export``, the TUI's export key).

    export = engine.export("a1b2c3", "html", compare="d4e5f6")   # an Export: content and a file name
    path = write_export(export, None)                            # ./workbench-a1b2c3d4e5f6-vs-d4e5f6a7b8c9.html

gather.py reads what an export holds; html.py (with svg.py and style.py), markdown.py and
csv_rows.py write it; nothing here imports a UI."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..errors import WorkbenchError
from .gather import ExportData, gather

if TYPE_CHECKING:
    from ..engine import Engine

FORMATS = {"html": "html", "md": "md", "csv": "csv", "json": "json"}
"""Format name -> file extension."""


@dataclass(frozen=True)
class Export:
    fmt: str
    content: str
    name: str
    """The file name it is written to by default: ``workbench-<run>[-vs-<run>].<ext>``."""


def render(data: ExportData, fmt: str) -> str:
    """``data`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "html":
        from .html import render_html

        return render_html(data)
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(data)
    if fmt == "csv":
        from .csv_rows import render_csv

        return render_csv(data)
    if fmt == "json":
        if data.compared and data.b is not None and data.comparison is not None:
            from ..cli_compare import comparison_json  # what `workbench compare --json` writes

            comparison = comparison_json(data.a.run.run_id, data.b.run.run_id, data.comparison, data.a.label_names, data.slice_deltas)
            body = {"a": data.a.report.to_json(), "b": data.b.report.to_json(), "comparison": comparison}
        else:
            body = data.a.report.to_json()
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    raise WorkbenchError(f"unknown export format {fmt!r}", expected=f"one of {', '.join(FORMATS)}")


def export_run(engine: "Engine", run_ref: str, fmt: str = "html", *, compare: str | None = None, slice_by: Sequence[str] = ()) -> Export:
    """Run ``run_ref`` (compared with ``compare`` when given) in format ``fmt``, with its figures
    per slice of each of ``slice_by`` (columns of the data, or ``length``)."""
    if fmt not in FORMATS:
        raise WorkbenchError(f"unknown export format {fmt!r}", expected=f"one of {', '.join(FORMATS)}")
    data = gather(engine, run_ref, compare, slice_by)
    name = f"workbench-{data.a.run.run_id[:12]}" + (f"-vs-{data.b.run.run_id[:12]}" if data.b else "") + f".{FORMATS[fmt]}"
    return Export(fmt, render(data, fmt), name)


def write_export(export: Export, out: str | os.PathLike[str] | None = None) -> Path:
    """Write ``export`` to ``out`` (a file, or a folder to put it in under its own name; the
    current folder when None) and return the path written. Refuses with a WorkbenchError when it
    cannot be written."""
    path = Path(out).expanduser() if out is not None else Path(".")
    try:
        if path.is_dir():
            path = path.absolute() / export.name
        path.write_text(export.content, encoding="utf-8", newline="")
        return path.resolve()
    except OSError as e:  # a folder that is gone (the current one too), read-only, full
        where = "the current folder" if path == Path(".") else str(path)
        raise WorkbenchError(f"cannot write the {export.fmt} export to {where} ({e.strerror or e})", fix="choose a file in a folder you can write to") from None
