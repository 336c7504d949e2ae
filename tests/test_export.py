"""`workbench export`: a run (or two compared) as one self-contained HTML page, GitHub Markdown,
CSV (one row per prediction) and JSON; a 77-class run, a run whose labels and texts carry HTML,
Markdown and CSV metacharacters, and a real Rotten Tomatoes comparison."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from export_runs import NASTY_GOLD, NASTY_LABELS, NASTY_TEXTS, banking_run, nasty_run
from many_classes import CARD_ARRIVAL, CARD_DELIVERY, NAMES

from workbench.cli import main
from workbench.engine import Engine
from workbench.export import write_export


@pytest.fixture(scope="module")
def banking(tmp_path_factory):
    """One 77-class run in a store of its own, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("banking")
    engine = Engine(folder / "store.sqlite")
    return engine, banking_run(engine, folder).run_id


class Page(HTMLParser):
    """The parts of an exported page a test looks at: every element's tag, the text of each
    section (by its h2 heading), the cell titles of the confusion matrix, what would be fetched."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.fetches: list[str] = []
        self.headings: list[str] = []
        self.titles: list[str] = []
        self._in: list[str] = []
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster") or (value and "url(" in value):
                self.fetches.append(f"{tag} {name}={value}")
        if tag in ("h2", "title"):
            self._text = []

    def handle_endtag(self, tag):
        if tag == "h2":
            self.headings.append("".join(self._text))
        elif tag == "title" and "svg" in self._in:
            self.titles.append("".join(self._text))
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        self._text.append(data)


def test_a_77_class_run_as_one_self_contained_page(banking, tmp_path):
    engine, run_id = banking
    page_text = engine.export(run_id, "html").content
    page = Page(page_text)
    assert page.fetches == [] and "script" not in page.tags and "<link" not in page_text and "@import" not in page_text
    assert "Content-Security-Policy" in page_text and "default-src 'none'" in page_text
    assert page.headings == ["Metrics", "Confusion matrix", "Top confusions", "Confidence", "Per class", "Settings"]
    # the matrix: a cell (with its title) for each of 77 x 77 pairs and the invalid column, every name on both axes
    cells = [t for t in page.titles if t.startswith("gold ")]
    assert len(cells) == 77 * 78
    assert "gold card_arrival → predicted card_delivery_estimate: 7 (70% of gold card_arrival)" in cells
    assert "gold activate_my_card → predicted invalid: 1 (10% of gold activate_my_card)" in cells
    assert all(page.titles.count(name) >= 2 for name in NAMES)  # row and column labels
    assert page.titles.count("reliability diagram") == 1 and page.titles.count("risk-coverage curve") == 1
    # the top confusions, with examples (the texts that named the other class)
    confusions = page_text[page_text.index("<h2>Top confusions</h2>") : page_text.index("<h2>Confidence</h2>")]
    rows = confusions.split("<tr>")[2:]
    assert len(rows) == 10 and "<td>exchange_rate</td><td>card_payment_wrong_exchange_rate</td>" in rows[0]
    assert "<td>card_arrival</td><td>card_delivery_estimate</td>" in rows[1] and "question 0: card delivery estimate" in rows[1] and ">70%<" in rows[1]


def cells_of(line: str) -> list[str]:
    """The cells of a Markdown table row, as GitHub splits it (``\\|`` is no separator)."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def table_widths(md: str) -> list[int]:
    """The cell count of each table in ``md``; AssertionError when a row of one has another."""
    widths: list[int] = []
    previous = ""
    for line in md.splitlines():
        if line.startswith("|"):
            n = len(cells_of(line))
            if previous.startswith("|"):
                assert n == widths[-1], line
            else:
                widths.append(n)
        previous = line
    return widths


def test_a_77_class_run_as_markdown_tables(banking):
    engine, run_id = banking
    md = engine.export(run_id, "md").content
    lines = md.splitlines()
    assert table_widths(md) == [3, 5, 5]  # metrics, per class, top confusions: every row whole
    assert "| card_arrival | 1.0000 | 0.3000 | 0.4615 | 10 |" in lines
    head = lines.index("### Top confusions")
    assert lines[head + 2] == "| gold | predicted | count | share of gold | example |"
    assert lines[head + 3] == "|---|---|---:|---:|---|"
    assert lines[head + 4].startswith("| exchange_rate | card_payment_wrong_exchange_rate | 10 | 100% | id q32-0 (row 320): question 0: exchange rate")
    assert lines[head + 5] == "| card_arrival | card_delivery_estimate | 7 | 70% | id q11-0 (row 110): question 0: card delivery estimate |"
    assert "| accuracy | 0.9519 | [" in md
    assert md.count("\n") == len(lines)




def test_a_77_class_run_as_csv_one_row_per_prediction(banking):
    engine, run_id = banking
    rows = list(csv.DictReader(io.StringIO(engine.export(run_id, "csv").content)))
    assert len(rows) == 770
    first = rows[0]
    assert list(first)[:10] == ["run", "row", "row_id", "example", "split", "text", "gold", "predicted", "correct", "score"]
    assert [k for k in first if k.startswith("score:")] == [f"score:{n}" for n in NAMES]
    assert first["invalid_reason"] == "no class in the answer: no class word in the text" and first["predicted"] == "" and first["correct"] == "0"
    arrival = [r for r in rows if r["gold"] == NAMES[CARD_ARRIVAL]]
    assert [r["predicted"] for r in arrival].count(NAMES[CARD_DELIVERY]) == 7
    wrong = next(r for r in arrival if r["predicted"] == NAMES[CARD_DELIVERY])
    assert float(wrong["score"]) == pytest.approx(float(wrong[f"score:{NAMES[CARD_DELIVERY]}"])) and wrong["correct"] == "0"
    assert sum(float(wrong[f"score:{n}"]) for n in NAMES) == pytest.approx(1.0, abs=1e-4)
    assert [int(r["example"]) for r in rows] == list(range(770)) and {r["split"] for r in rows} == {"test"}
    assert [int(r["row"]) for r in rows] == list(range(770))


def test_json_export_is_the_report(banking):
    engine, run_id = banking
    data = json.loads(engine.export(run_id, "json").content)
    assert data["run_id"] == run_id and len(data["labels"]) == 77 and data["n"] == 770


def test_labels_and_texts_with_markup_are_escaped_in_every_format(tmp_path):
    engine = Engine(tmp_path / "store.sqlite")
    run_id = nasty_run(engine, tmp_path).run_id
    page = engine.export(run_id, "html").content
    parsed = Page(page)
    assert "script" not in parsed.tags and "i" not in parsed.tags and parsed.fetches == []
    assert "&lt;/td&gt;&lt;/table&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;i&gt;neg&lt;/i&gt;" in page and "a|b &amp; &quot;q&quot;" in page
    assert "gold &lt;i&gt;neg&lt;/i&gt; → predicted a|b &amp; &quot;q&quot;: 1 (100% of gold &lt;i&gt;neg&lt;/i&gt;)" in page
    assert "plain | a b\nsecond line" in page  # a newline kept in the cell (shown by white-space: pre-wrap)

    md = engine.export(run_id, "md").content
    assert table_widths(md) == [3, 5, 5]  # no | or newline of the data splits a row
    assert "&lt;i&gt;neg&lt;/i&gt;" in md and "a\\|b &amp; \"q\"" in md and "<i>" not in md and "<script>" not in md
    assert "plain \\| a b second line" in md

    table = list(csv.reader(io.StringIO(engine.export(run_id, "csv").content)))
    assert [r[5] for r in table[1:]] == NASTY_TEXTS  # texts with commas, quotes and newlines read back whole
    assert [r[6] for r in table[1:]] == [NASTY_LABELS[g] for g in NASTY_GOLD]


def test_cli_export_writes_each_format_and_says_where(banking, tmp_path, capsys, monkeypatch):
    engine, run_id = banking
    store = str(engine.store.path)
    monkeypatch.chdir(tmp_path)
    for fmt in ("html", "md", "csv", "json"):
        assert main(["--store", store, "export", run_id[:8], "--format", fmt]) == 0
        written = tmp_path / f"workbench-{run_id[:12]}.{fmt}"
        assert capsys.readouterr().out.startswith(f"wrote {written} ({fmt}, ")
        assert written.read_text(encoding="utf-8") == engine.export(run_id, fmt).content
    assert main(["--store", store, "export", run_id[:8], "--format", "md", "--out", "-"]) == 0
    assert capsys.readouterr().out == engine.export(run_id, "md").content
    assert main(["--store", store, "export", run_id[:8], "--out", str(tmp_path / "no" / "such" / "folder.html")]) == 2
    assert "cannot write the html export to" in capsys.readouterr().err
    assert main(["--store", store, "export", "zzzz"]) == 2


def test_write_export_into_a_folder_uses_the_export_name(banking, tmp_path):
    engine, run_id = banking
    path = write_export(engine.export(run_id, "md"), tmp_path)
    assert path == tmp_path / f"workbench-{run_id[:12]}.md"


@pytest.fixture(scope="module")
def rt_pair(tmp_path_factory):
    """embed-zeroshot (MiniLM; it fits nothing, so it is quick) and the majority baseline on the same
    200 Rotten Tomatoes reviews."""
    from conftest import RT_DIR

    from workbench.models import models_dir

    model = models_dir() / "all-MiniLM-L6-v2"
    if not (RT_DIR / "test.jsonl").is_file() or not model.is_dir():
        pytest.skip(f"needs {RT_DIR} and {model}")
    from workbench.data import DataSpec
    from workbench.spec import RunSpec

    engine = Engine(tmp_path_factory.mktemp("rt") / "store.sqlite")
    data = DataSpec(str(RT_DIR), "test", limit=200)
    zeroshot = engine.execute(engine.prepare(RunSpec(data, "embed-zeroshot", model=str(model), dtype="float32")))
    majority = engine.execute(engine.prepare(RunSpec(data, "majority")))
    return engine, majority.run_id, zeroshot.run_id


@pytest.mark.integration
def test_rotten_tomatoes_comparison_in_every_format(rt_pair):
    engine, a, b = rt_pair
    page = engine.export(a, "html", compare=b).content
    parsed = Page(page)
    assert parsed.fetches == [] and "script" not in parsed.tags
    for part in ("Metric deltas", "McNemar's test", "Configuration diff"):
        assert part in parsed.headings
    assert parsed.headings.count("Confusion matrix") == 2 and parsed.headings.count("Settings") == 2
    assert "wrong in A, right in B: " in page and "spec.method" in page
    comparison = engine.compare(a, b)
    assert f"right only in A: {comparison.mcnemar.a_only}, right only in B: {comparison.mcnemar.b_only}" in page

    md = engine.export(a, "md", compare=b).content
    assert "| figure | A | B | B − A |" in md and "| paired | right only in A | right only in B | test |" in md.replace(" | statistic | p | verdict", "")
    delta = comparison.deltas["accuracy"][2]
    assert f"| accuracy | {comparison.deltas['accuracy'][0]:.4f} | {comparison.deltas['accuracy'][1]:.4f} | {delta:+.4f} (better) |" in md

    rows = list(csv.DictReader(io.StringIO(engine.export(a, "csv", compare=b).content)))
    assert len(rows) == 400 and {r["run"] for r in rows} == {a[:12], b[:12]}
    assert {r["gold"] for r in rows} == {"neg", "pos"} and all(r["score:neg"] and r["score:pos"] for r in rows)

    sliced = engine.export(a, "html", compare=b, slice_by=["length"]).content
    assert "<h2>Slices, A and B</h2>" in sliced and sliced.count("<h2>Slices</h2>") == 2  # the pair's, then each run's

    data = json.loads(engine.export(a, "json", compare=b).content)
    assert data["a"]["run_id"] == a and data["b"]["run_id"] == b
    assert data["comparison"]["mcnemar"]["a_only"] == comparison.mcnemar.a_only
    assert len(data["comparison"]["wrong_to_right"]) == len(comparison.wrong_to_right)


def test_the_risk_coverage_axis_is_scaled_to_the_curve():
    from workbench.export.svg import PLOT, _T, risk_coverage_svg

    svg = risk_coverage_svg([(0.25, 1.0), (0.5, 0.9), (1.0, 0.82)], target=0.9, coverage_at_target=0.5)
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="end">([0-9.]+)</text>', svg)
    assert ticks == ["0.80", "0.85", "0.90", "0.95", "1.00"]
    last = re.search(r'points="([^"]+)"', svg).group(1).split()[-1]
    x, y = map(float, last.split(","))
    assert y == pytest.approx(_T + PLOT - (0.82 - 0.8) / 0.2 * PLOT, abs=0.1)  # 0.82 drawn on the 0.80-1.00 scale


def test_row_ids_and_metadata_columns_reach_the_csv_and_the_page(banking):
    engine, run_id = banking
    table = list(csv.DictReader(io.StringIO(engine.export(run_id, "csv").content)))
    assert [(r["row"], r["row_id"], r["channel"]) for r in table[:3]] == [("0", "q00-0", "app"), ("1", "q00-1", "web"), ("2", "q00-2", "app")]
    assert list(table[0])[-1] == "channel"
    page = engine.export(run_id, "html").content
    assert "id q32-0 (row 320)</span> question 0: exchange rate" in page  # the top confusion's first example, by its id


def test_slices_by_a_column_in_the_page_and_the_markdown(banking):
    engine, run_id = banking
    page = engine.export(run_id, "html", slice_by=["channel"]).content
    section = page[page.index("<h2>Slices</h2>") : page.index("<h2>Settings</h2>")]
    assert "<h3>channel</h3>" in section and "<td>app</td><td class=\"n\">385</td>" in section and "weakest slice: <strong>channel = " in section
    md = engine.export(run_id, "md", slice_by=["channel"]).content
    assert "### Slices by channel" in md and re.search(r"^\| web \| 385 \| 0\.\d{4} \[", md, re.M)
    assert "<h2>Slices</h2>" not in engine.export(run_id, "html").content
