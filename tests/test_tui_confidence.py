"""Confidence in the TUI: the report's Confidence tab (figures, reliability diagram, risk-coverage
curve, a threshold moved with keys), the error browser sorted by confidence and filtered to suspect
labels, and the calibration figures side by side on the compare screen."""

from dataclasses import replace

from textual.widgets import DataTable, TabbedContent
from tui_helpers import SEED_GOLD, SEED_IDS, SEED_TEXTS, seed_runs, static_text, stored_report, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.compare_screen import CompareScreen
from screens.confidence_view import ConfidenceView, draw_reliability, draw_risk_coverage
from screens.example_browser import ExampleBrowser
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import Prediction
from workbench.metrics import compute_metrics
from workbench.selective import confidence_curve
from workbench.store import RunStore
from workbench.suspects import Suspect, Suspects


def table_rows(table: DataTable) -> list[list[str]]:
    return [[str(getattr(c, "plain", getattr(c, "text", c))) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_report(pilot, run_id: str, tab_key: str | None = None) -> ReportScreen:
    await wait_for_screen(pilot, SetupScreen)
    pilot.app.open_report(run_id)
    screen = await wait_for_screen(pilot, ReportScreen)
    if tab_key:
        await pilot.press(tab_key)
        await pilot.pause()
    return screen


def footer_keys(screen) -> set[str]:
    """What the footer names: its keys' descriptions and its binding groups' labels."""
    return {k.description for k in screen.query("FooterKey")} | {str(label.render()) for label in screen.query("FooterLabel")}


def expected_at(store: RunStore, run_id: str, threshold: float):
    preds = store.predictions(run_id)
    return confidence_curve([p.gold for p in preds], [p.pred for p in preds], [p.scores for p in preds], 2).at(threshold)


def test_curve_and_threshold_figures_come_from_the_engine():
    store = RunStore()
    seed_runs(store)
    at = expected_at(store, SEED_IDS["a"], 0.8)
    # run A: 2 invalid (confidence 0), 7 of 12 at or above 0.8 (idx 0-4, 9, 10), 4 of them right
    assert (at.answered, at.n, round(at.coverage, 4), round(at.accuracy, 4)) == (7, 12, round(7 / 12, 4), round(4 / 7, 4))
    assert expected_at(store, SEED_IDS["a"], 0.0).answered == 12 and expected_at(store, SEED_IDS["a"], 1.0).accuracy is None
    drawing = draw_reliability(store.find(SEED_IDS["a"]).report.calibration.bins, 60, 16, threshold=0.8).plain
    assert "confidence bin" in drawing and "confidence" in drawing and "█" in drawing
    assert "coverage" in draw_risk_coverage([(0.5, 1.0), (1.0, 0.5)], 60, 16).plain


async def test_confidence_tab_shows_the_figures_and_moves_the_threshold():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_report(pilot, SEED_IDS["a"], "k")
        assert screen.query_one(TabbedContent).active == "tab-confidence"
        view = screen.query_one(ConfidenceView)
        assert app.focused is view
        await pilot.pause()
        assert "Threshold" in footer_keys(screen) and not {"Sort", "Suspect"} & footer_keys(screen)
        report = stored_report(store, SEED_IDS["a"])
        cal, sel = report["calibration"], report["selective"]
        figures = static_text(screen, "#confidence-figures")
        for part in (f"ECE {cal['ece']:.4f}", f"MCE {cal['mce']:.4f}", f"Brier {cal['brier']:.4f}", f"log-loss {cal['log_loss']:.4f}", f"AURC {sel['aurc']:.4f}"):
            assert part in figures
        assert "2 of 12 invalid" in figures

        def line() -> str:
            return static_text(screen, "#confidence-threshold")

        assert line().startswith("threshold 0.50: answers 10 of 12 (coverage 83.3%), accuracy 70.0%")
        await pilot.press(*["right"] * 6)  # 0.80
        await pilot.pause()
        assert line().startswith("threshold 0.80: answers 7 of 12 (coverage 58.3%), accuracy 57.1%")
        await pilot.press("minus")
        await pilot.pause()
        at = expected_at(store, SEED_IDS["a"], 0.75)
        assert line().startswith(f"threshold 0.75: answers {at.answered} of 12 (coverage {at.coverage:.1%}), accuracy {at.accuracy:.1%}")
        await pilot.press("plus", *["right"] * 10)  # clamped at 1
        await pilot.pause()
        assert line().startswith("threshold 1.00: answers 0 of 12 (coverage 0.0%), accuracy -")
        assert "confidence bin" in str(screen.query_one("#reliability-plot").render())
        assert "coverage" in str(screen.query_one("#risk-coverage-plot").render())


def seed_unscored(store: RunStore) -> str:
    run_id = "d" * 64
    preds = [g if i % 3 else 1 - g for i, g in enumerate(SEED_GOLD)]
    store.start_run(run_id, method="label-words", model=None, dataset="tiny", split="test", n=12, config={})
    store.add_predictions(run_id, [(i, t, g, Prediction(p, None)) for i, (t, g, p) in enumerate(zip(SEED_TEXTS, SEED_GOLD, preds))])
    report = {"run_id": run_id, "method": "label-words", "dataset": "tiny", "split": "test", **compute_metrics(SEED_GOLD, preds, ["neg", "pos"]),
              "score_rule": "none: the method answers with a label only", "calibration": None, "selective": None}  # fmt: skip
    store.finish_run(run_id, "done", report)
    return run_id


async def test_a_method_without_scores_gets_one_line():
    store = RunStore()
    run_id = seed_unscored(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_report(pilot, run_id, "k")
        text = static_text(screen, "#confidence-none")
        assert text.startswith("no confidence figures: the method gives no class probabilities")
        assert "none: the method answers with a label only" in text
        assert not screen.query("#confidence-threshold")
        await pilot.press("right")  # nothing to move: no crash


async def test_errors_sort_by_confidence():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_report(pilot, SEED_IDS["a"])
        browser = screen.query_one(ExampleBrowser)
        await pilot.press("s")  # not on the metrics tab
        await pilot.pause()
        assert not browser.by_confidence
        await pilot.press("e")
        await pilot.pause()
        assert {"Sort", "Suspect"} <= footer_keys(screen)  # the browser's keys show on its tab
        await pilot.press("s")
        await pilot.pause()
        # errors of run A: 4 (0.9), 9 and 10 (0.8), 5 and 11 invalid (last, in order)
        assert [p.idx for p in browser.shown] == [4, 9, 10, 5, 11]
        assert "most confident first" in static_text(screen, "#examples-filter")
        assert [r[3] for r in table_rows(screen.query_one("#examples", DataTable))][:3] == ["0.900", "0.800", "0.800"]
        await pilot.press("s")
        await pilot.pause()
        assert [p.idx for p in browser.shown] == [4, 5, 9, 10, 11]


async def test_suspects_filter_marks_the_evaluated_splits_suspects(monkeypatch):
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    asked = []

    def suspects(run_ref):
        asked.append(run_ref)
        return Suspects(run_ref, (Suspect("test", 9, SEED_TEXTS[9], "pos", "neg", 0.8), Suspect("train", 4, "x", "neg", "pos", 0.7)), ())

    monkeypatch.setattr(app.engine, "suspects", suspects)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_report(pilot, SEED_IDS["a"], "e")
        browser = screen.query_one(ExampleBrowser)
        await pilot.press("u")
        await wait_for(pilot, lambda: browser.only_suspects, what="the suspects")
        assert asked == [SEED_IDS["a"]]
        assert [p.idx for p in browser.shown] == [9]  # the train split's row 4 is not this split's
        assert "suspect labels only: 1" in static_text(screen, "#examples-filter")
        assert table_rows(screen.query_one("#examples", DataTable))[0][0] == "! 9"
        assert "suspect label: the evidence suggests neg (0.800 against pos)" in static_text(screen, "#example-detail")
        await pilot.press("u")  # back to every error, the suspect still marked; no second search
        await pilot.pause()
        assert [r[0] for r in table_rows(screen.query_one("#examples", DataTable))] == ["4", "5", "! 9", "10", "11"]
        assert asked == [SEED_IDS["a"]]


async def test_suspects_failure_is_shown_in_place():
    store = RunStore()
    seed_runs(store)  # its data source "tiny" is not there to read again
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_report(pilot, SEED_IDS["a"], "e")
        await pilot.press("u")
        await wait_for(pilot, lambda: "cannot find suspect labels" in static_text(screen, "#examples-filter"), what="the failure")
        assert len(screen.query_one(ExampleBrowser).shown) == 5


async def test_suspects_of_a_real_run(label_words, tmp_path):
    store = RunStore()
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "good"]})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+r")
        screen = await wait_for_screen(pilot, ReportScreen)
        await pilot.press("e")
        await pilot.pause()
        browser = screen.query_one(ExampleBrowser)
        errors = {p.idx for p in browser.shown if p.pred is not None and p.scores}
        await pilot.press("u")
        await wait_for(pilot, lambda: browser.suspects is not None, what="the suspects")
        assert browser.only_suspects and {p.idx for p in browser.shown} == errors  # the evaluated split: the scored errors


async def test_compare_shows_calibration_figures_side_by_side():
    store = RunStore()
    seed_runs(store)
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_compare(SEED_IDS["a"], SEED_IDS["b"])
        compare = await wait_for_screen(pilot, CompareScreen)
        table = compare.query_one("#deltas", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0, what="the comparison")
        rows = {row[0]: row[1:] for row in table_rows(table)}
        a, b = stored_report(store, SEED_IDS["a"]), stored_report(store, SEED_IDS["b"])
        for name, entry, key in (("ECE", "calibration", "ece"), ("Brier", "calibration", "brier"), ("log-loss", "calibration", "log_loss"), ("AURC", "selective", "aurc")):
            va, vb = a[entry][key], b[entry][key]
            assert rows[name] == [f"{va:.4f}", f"{vb:.4f}", f"{vb - va:+.4f}"], name


def test_compare_figures_and_which_way_is_better():
    from workbench.engine import Engine
    from workbench.metric_registry import metric

    store = RunStore()
    seed_runs(store)
    unscored = seed_unscored(store)
    c = Engine(store).compare(SEED_IDS["a"], unscored)
    ece_a = stored_report(store, SEED_IDS["a"])["calibration"]["ece"]
    assert c.confidence["ece"] == (ece_a, None, None) and set(c.confidence) == {"ece", "brier", "log_loss", "aurc"}
    assert [m.label for m, _ in c.rows()][-4:] == ["ECE", "Brier", "log-loss", "AURC"]  # run A has them
    improved = [metric(name).improved(delta) for name, delta in (("ece", -0.1), ("invalid", -1), ("accuracy", -0.1), ("aurc", 0.0))]
    assert improved == [True, True, False, None]
