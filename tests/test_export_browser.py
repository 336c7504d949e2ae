"""The exported HTML in a real browser (headless Chromium, Debian's `chromium` package): it loads
with no console error, makes no request beyond its own file, and draws the confusion matrix and
the confidence plots (pixels other than the page's background where they are), in light and dark."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browser import PACKAGE, chromium_path, visit
from export_runs import banking_run

from workbench.engine import Engine
from workbench.export import write_export

pytestmark = pytest.mark.skipif(chromium_path() is None, reason=f"needs headless Chromium: apt-get install {PACKAGE}")


def region(png: bytes, box: dict[str, float]) -> list[tuple[int, int, int]]:
    """The RGB pixels of the screenshot inside ``box`` (page pixels)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top = int(box["x"]), int(box["y"])
    cropped = image.crop((left, top, left + int(box["width"]), top + int(box["height"])))
    pixels = getattr(cropped, "get_flattened_data", cropped.getdata)  # getdata is deprecated from Pillow 13
    return list(pixels())


def share_near(pixels: list[tuple[int, int, int]], colour: tuple[int, int, int], within: int) -> float:
    return sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, colour)) <= within) / max(1, len(pixels))


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    engine = Engine(folder / "store.sqlite")
    run_id = banking_run(engine, folder).run_id
    return write_export(engine.export(run_id, "html"), folder)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_exported_page_loads_offline_and_draws_its_plots(page, dark):
    pytest.importorskip("PIL", reason="reads the screenshot: pip install pillow (the test extra)")
    seen = visit(page, ("svg.cm", "svg.rel", "svg.rc"), dark=dark, timeout=120)
    assert seen.errors == []
    assert seen.requests == [page.resolve().as_uri()]  # the file itself, nothing else
    background, diagonal = ((13, 17, 23), (68, 147, 248)) if dark else ((255, 255, 255), (9, 105, 218))  # style.py's --bg, --diag
    for selector, least in (("svg.cm", 0.3), ("svg.rel", 0.1), ("svg.rc", 0.03)):
        box = seen.boxes[selector]
        assert box and box["width"] > 200 and box["height"] > 200, (selector, box)
        assert 1 - share_near(region(seen.screenshot, box), background, 8) > least, selector
    matrix = seen.boxes["svg.cm"]
    assert matrix and matrix["x"] + matrix["width"] <= 1400  # 77 classes fit the window, no sideways scroll
    cells = share_near(region(seen.screenshot, matrix), diagonal, 40) * matrix["width"] * matrix["height"]
    assert cells > 70 * 11 * 11  # the diagonal's cells (12 px, at least 70 of 77 classes mostly right) are drawn
