"""Slices: a run's figures per value of a column of its data, from the stored predictions (no
re-run), from the engine, the CLI (text and --json) and the report screen's Slices tab."""

import json

import pytest
from conftest import write_jsonl
from textual.widgets import DataTable, Select, TabbedContent
from tui_helpers import wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.report_screen import ReportScreen
from screens.setup_screen import SetupScreen
from workbench.cli import main
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.errors import SLICE_BY, ConfigError
from workbench.runner import RunSpec
from workbench.slices import LENGTH, MISSING, available_columns, compute_slices


def sourced_data(folder, n: int = 90):
    """A split whose 'source' column decides how well label-words does: 'web' rows carry their
    label word, 'mail' rows carry none (invalid), 'print' rows carry the wrong one."""
    rows = []
    for i in range(n):
        label = i % 2
        source = ("web", "mail", "print")[i % 3]
        word = {"web": ("bad", "good")[label], "mail": "so-so", "print": ("good", "bad")[label]}[source]
        row = {"text": f"a {word} film number {i}" + " long" * (i % 7), "label": label, "id": f"r{i}", "source": source, "stars": i % 40 * 0.25}
        if i == 5:
            del row["source"]  # a row without a value: the '(missing)' slice
        rows.append(row)
    write_jsonl(folder / "test.jsonl", rows)
    (folder / "labels.json").write_text('["neg", "pos"]')
    return folder


@pytest.fixture
def sourced_run(tmp_path, label_words):
    data = sourced_data(tmp_path / "data")
    engine = Engine(tmp_path / "s.sqlite")
    spec = RunSpec(DataSpec(str(data), train_split=None, id_column="id"), "label-words", params={"labels": ["bad", "good"]})
    out = engine.execute(engine.prepare(spec))
    assert out.status == "done"
    return engine, out.report, data


def test_slices_add_up_and_name_the_weakest(sourced_run):
    engine, report, _ = sourced_run
    sliced = engine.with_slices(report, ["source", LENGTH, "stars"])
    by_value = {s.value: s for s in sliced.slices["source"]}
    assert set(by_value) == {"web", "mail", "print", MISSING}
    assert sum(s.n for s in sliced.slices["source"]) == report.n == sum(s.n for s in sliced.slices[LENGTH])
    assert by_value["web"].accuracy == 1.0 and by_value["print"].accuracy == 0.0
    assert by_value["mail"].invalid == by_value["mail"].n and by_value["mail"].accuracy == 0.0
    lo, hi = by_value["web"].ci95.accuracy
    assert lo <= by_value["web"].accuracy <= hi
    assert by_value[MISSING].n == 1 and by_value[MISSING].small and not by_value["web"].small
    assert [s.value for s in sliced.slices["source"]][-1] == MISSING
    assert all(s.value.startswith("Q") for s in sliced.slices["stars"])  # 40 distinct numbers: quartiles
    column, weakest = sliced.weakest_slice()
    assert weakest.accuracy == 0.0 and weakest.n >= 30 and column == "source"
    assert available_columns(engine.predictions(report.run_id)) == [LENGTH, "source", "stars"]


def test_an_unknown_column_names_the_ones_there_are(sourced_run):
    engine, report, _ = sourced_run
    with pytest.raises(ConfigError) as e:
        engine.with_slices(report, ["annotator"])
    assert e.value.field == SLICE_BY and "length, source, stars" in str(e.value)


def test_macro_f1_of_a_slice_averages_the_classes_it_holds():
    from types import SimpleNamespace

    P = lambda g, p: SimpleNamespace(gold=g, pred=p, meta={"c": "x"}, tokens=None, text="t")  # noqa: E731
    (only,) = compute_slices([P(0, 0), P(0, 0), P(0, 1)], ["c"], 3)["c"]
    assert only.f1_macro == pytest.approx(0.8)  # class 0 only: F1 0.8, not averaged with absent classes


def test_cli_eval_and_show_slice_by(tmp_path, label_words, capsys):
    data = sourced_data(tmp_path / "data")
    store = str(tmp_path / "s.sqlite")
    base = ["--store", store, "eval", "--data", str(data), "--train-split", "", "--method", "label-words", "--labels", "bad", "good", "--id-column", "id"]
    assert main(base + ["--slice-by", "source", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "slices by source" in out and "weakest slice: source = " in out and "n < 30: wide interval" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert sum(s["n"] for s in report["slices"]["source"]) == report["n"]
    first = report["slices"]["source"][0]
    assert set(first) >= {"value", "n", "accuracy", "f1_macro", "ci95", "invalid"} and len(first["ci95"]["accuracy"]) == 2
    assert main(["--store", store, "show", report["run_id"][:12], "--slice-by", "length", "--json", str(tmp_path / "s.json")]) == 0
    shown = json.loads((tmp_path / "s.json").read_text())
    assert list(shown["slices"]) == ["length"] and shown["weakest_slice"]["column"] == "length"
    assert main(["--store", store, "show", report["run_id"][:12], "--slice-by", "nope"]) == 2
    assert "--slice-by" in capsys.readouterr().err


async def test_slices_tab(sourced_run):
    engine, report, _ = sourced_run
    app = WorkbenchApp(engine.store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_report(report.run_id)
        screen = await wait_for_screen(pilot, ReportScreen)
        await pilot.press("l")
        assert screen.query_one(TabbedContent).active == "tab-slices"
        table = screen.query_one("#slices", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4, what="the length quartiles")
        screen.query_one("#slice-column", Select).value = "source"
        await wait_for(pilot, lambda: table.row_count == 4 and not str(table.get_row_at(0)[0]).startswith("Q"), what="the source slices")
        values = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert set(values) == {"web", "mail", "print", MISSING}
        status = str(screen.query_one("#slices-status").render())
        assert f"n adds up to {report.n}" in status and "weakest" in status


def test_compare_gives_per_slice_deltas_from_cli_and_tui(tmp_path, label_words, capsys):
    data = sourced_data(tmp_path / "data")
    store = str(tmp_path / "s.sqlite")
    base = ["--store", store, "eval", "--data", str(data), "--train-split", "", "--method", "label-words", "--id-column", "id", "-q"]
    assert main(base + ["--labels", "bad", "good", "--json", str(tmp_path / "a.json")]) == 0
    assert main(base + ["--labels", "bad", "good film", "--json", str(tmp_path / "b.json")]) == 0
    a, b = (json.loads((tmp_path / f"{x}.json").read_text())["run_id"] for x in "ab")
    capsys.readouterr()
    assert main(["--store", store, "compare", a[:12], b[:12], "--slice-by", "source", "--json", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "slices by source" in out and "McNemar" in out and "row r" in out  # flips named by their id
    c = json.loads((tmp_path / "c.json").read_text())
    deltas = {d["value"]: d for d in c["slices"]["source"]}
    assert sum(d["n"] for d in deltas.values()) == c["paired"] == 90
    # 'good film' as the pos text: 'print' rows of neg gold ('a good film ...') gain a pos score too
    assert all(d["accuracy_delta"] == pytest.approx(d["b"]["accuracy"] - d["a"]["accuracy"]) for d in deltas.values())
    assert {f["row"] for f in c["right_to_wrong"] + c["wrong_to_right"]} <= {f"r{i}" for i in range(90)}

    app = WorkbenchApp(Engine(store).store)
    async_test = _compare_slices_tab(app, a, b)
    import asyncio

    asyncio.run(async_test)


async def _compare_slices_tab(app, a: str, b: str) -> None:
    from screens.compare_screen import CompareScreen

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.push_screen(CompareScreen(a, b))
        screen = await wait_for_screen(pilot, CompareScreen)
        await pilot.press("l")
        table = screen.query_one("#slices", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4, what="the length quartiles of both runs")
        assert [str(c.label) for c in table.columns.values()][:5] == ["value", "n", "acc A", "acc B", "B - A"]
