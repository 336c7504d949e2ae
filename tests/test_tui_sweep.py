"""Sweeps in the UI: variants added from prompt/labels (ctrl+s), the sweep run on the sweep screen
(ctrl+g) with its leaderboard, the test confirmation, enter opening a variant's report, cancel and
running it again (the engine continues)."""

from dataclasses import replace

import pytest
from conftest import write_jsonl
from fake_methods import open_gate
from textual.widgets import DataTable, Input
from tui_helpers import TINY_ROWS, open_prompt, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.session import Session, default_spec
from screens.setup_screen import SetupScreen
from screens.sweep_screen import SweepScreen
from workbench.data import DataSpec
from workbench.store import RunStore
from workbench.sweep_config import SweepConfigError, sweep_from_spec


def words_spec(source: str, **params):
    return replace(default_spec(), data=DataSpec(source), method="label-words", params=params, batch_size=4)


async def set_labels(pilot, screen, texts) -> None:
    boxes = list(screen.query(".label-text-row Input").results(Input))
    for box, text in zip(boxes, texts):
        box.value = text
    await pilot.pause()


def rows_in_order(screen) -> list[str]:
    table = screen.query_one("#leaderboard", DataTable)
    return [str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


def cell(screen, name: str, column: str) -> str:
    value = screen.query_one("#leaderboard", DataTable).get_cell(name, column)
    return str(getattr(value, "text", value))


async def test_variants_from_the_prompt_screen_sweep_leaderboard_and_report(label_words, tmp_path):
    store = RunStore()
    app = WorkbenchApp(store, words_spec(tiny_data(tmp_path / "d")))
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = await open_prompt(pilot)
        keys = lambda: {k for k, b in prompt.active_bindings.items() if b.enabled}  # noqa: E731 - the footer's keys
        assert "ctrl+s" in keys() and "ctrl+g" not in keys()  # nothing to sweep yet
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await set_labels(pilot, prompt, ["bad", " "])
        assert "ctrl+s" not in keys()  # a refused field: nothing to add
        await pilot.press("ctrl+s")
        assert app.session.variants == []
        await set_labels(pilot, prompt, ["neg", "pos"])
        await pilot.press("ctrl+s")  # the defaults (the label names): the baseline, v1
        assert "ctrl+g" in keys() and "sweep: 1 variant" in prompt.sub_title
        await set_labels(pilot, prompt, ["bad", "good"])
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.session.variants == [("v1", {}), ("v2", {"labels": ["bad", "good"]})]
        assert "sweep: 2 variants" in prompt.sub_title
        await pilot.press("ctrl+s")  # the same texts again: refused, not a third variant
        assert len(app.session.variants) == 2

        await pilot.press("ctrl+g")
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: screen.result is not None, what="the sweep to finish")
        res = screen.result
        assert res.status == "done" and res.metric == "f1_macro" and res.baseline == "v1" and res.best == "v2"
        assert res.select_split == "train[20% seed 0]"  # no validation split: the engine holds out part of train
        assert rows_in_order(screen) == ["v2", "v1"]  # sorted by the metric, best first
        v1, v2 = res.result("v1"), res.result("v2")
        assert cell(screen, "v2", "metric") == f"{v2.value('f1_macro'):.4f}"
        assert cell(screen, "v2", "diff") == f"{v2.value('f1_macro') - v1.value('f1_macro'):+.4f}"
        assert cell(screen, "v1", "diff") == "+0.0000"
        assert cell(screen, "v2", "variant") == "v2 · best" and cell(screen, "v1", "variant") == "v1 · baseline"
        assert cell(screen, "v2", "status") == "done" and cell(screen, "v2", "params") == "labels=bad|good"
        assert cell(screen, "v2", "ci").startswith("[")
        test = static_text(screen, "#sweep-test")
        assert "test confirmation on test" in test and "v1 (baseline)" in test and "v2 (best)" in test and "McNemar's p = " in test
        assert "done: best on train[20% seed 0] is v2" in static_text(screen, "#sweep-phase")
        assert store.list_sweeps()[0]["status"] == "done"  # recorded like a CLI sweep

        await pilot.press("s")  # variant order
        assert rows_in_order(screen) == ["v1", "v2"] and "by variant order (asc)" in screen.sub_title
        await pilot.press("o")
        assert rows_in_order(screen) == ["v2", "v1"]
        await pilot.press("s", "s", "s")  # back to the metric, best first
        assert rows_in_order(screen) == ["v2", "v1"] and "by f1_macro (desc)" in screen.sub_title
        await pilot.press("o")
        assert rows_in_order(screen) == ["v1", "v2"]
        await pilot.press("o")

        await pilot.press("enter")  # the highlighted (first) row: the best
        report = await wait_for_screen(pilot, ReportScreen)
        assert report.run_id == v2.run_id and store.find(v2.run_id).split == "train[20% seed 0]"
        await pilot.press("escape")
        await wait_for_screen(pilot, SweepScreen)
        await pilot.press("r")  # the same sweep again: every run reused
        await wait_for(pilot, lambda: screen.result is not None and screen.result is not res, what="the second sweep")
        assert all(v.reused for v in screen.result.variants)
        assert cell(screen, "v1", "time") == "cached"


async def test_cancel_reaches_the_engine_and_running_again_continues(label_words, tmp_path):
    folder = tmp_path / "d"
    tiny_data(folder)
    write_jsonl(folder / "validation.jsonl", TINY_ROWS)  # a validation split: the sweep selects on it
    gate = tmp_path / "go"  # every run holds after its first batch until the test opens it
    store = RunStore()
    app = WorkbenchApp(store, words_spec(str(folder), gate=str(gate)))
    app.session.variants[:] = [("v1", {"labels": ["bad", "good"], "gate": str(gate)}), ("v2", {"labels": ["bad film", "good film"], "gate": str(gate)})]
    app.session.sweep_method = "label-words"
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_sweep()
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: "predicting 4/22" in static_text(screen, "#sweep-phase"), what="the first batch of v1")
        assert "on validation (n=22)" in static_text(screen, "#sweep-title")
        await pilot.press("c")
        assert screen.cancel_event.is_set()  # the engine's cancel event
        assert "cancelling" in static_text(screen, "#sweep-phase")
        open_gate(gate)
        await wait_for(pilot, lambda: screen.result is not None, what="the cancelled sweep")
        assert screen.result.status == "cancelled"
        v1_id = screen.result.result("v1").run_id
        kept = store.count_predictions(v1_id)
        assert 0 < kept < 22 and store.find(v1_id).status == "cancelled"
        assert cell(screen, "v1", "status").startswith("cancelled") and cell(screen, "v2", "status") == "pending"
        assert "r runs the sweep again" in static_text(screen, "#sweep-phase")

        await pilot.press("r")
        await wait_for(pilot, lambda: screen.result is not None and screen.result.status != "cancelled", what="the continued sweep")
        res = screen.result
        assert res.status == "done" and res.result("v1").run_id == v1_id and not res.result("v1").reused
        assert any("resumed" in n for n in store.find(v1_id).report.notes)  # only the missing examples were predicted
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)


async def test_a_refused_variant_is_a_notice_and_x_clears_the_variants(label_words, tmp_path):
    app = WorkbenchApp(RunStore(), words_spec(tiny_data(tmp_path / "d")))
    app.session.variants[:] = [("v1", {"labels": ["bad", "good"]}), ("v2", {"labels": ["bad", " "]})]  # an empty label text: the method refuses it
    app.session.sweep_method = "label-words"
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_sweep()
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: static_text(screen, "#sweep-error"), what="the refusal")
        assert "variant 'v2': a label text is empty" in static_text(screen, "#sweep-error")
        await pilot.press("x")
        assert app.session.variants == []
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)


def test_session_names_variants_and_keeps_one_method():
    session = Session(replace(default_spec(), method="label-words"))
    assert session.add_variant({}) == "v1" and session.add_variant({"labels": ["a", "b"]}) == "v2"
    with pytest.raises(ValueError, match="already"):
        session.add_variant({"labels": ["a", "b"]})
    session.spec = replace(session.spec, method="embed-zeroshot")
    with pytest.raises(ValueError, match="for label-words"):
        session.add_variant({})
    session.clear_variants()
    assert session.add_variant({}) == "v1" and session.sweep_note() == "sweep: 1 variant"


def test_sweep_from_spec_checks_like_a_sweep_file(label_words):
    spec = replace(words_spec("sample"), model="m", dtype="float32")
    cfg = sweep_from_spec(spec, [("v1", {}), ("v2", {"labels": ["bad", "good"]})])
    assert (cfg.baseline, cfg.metric, cfg.data.source, cfg.data.select_split, cfg.data.test_split) == ("v1", "f1_macro", "sample", "validation", "test")
    assert cfg.variant("v2").settings == {"method": "label-words", "model": "m", "batch_size": 4, "dtype": "float32", "trust_remote_code": False, "labels": ["bad", "good"]}
    with pytest.raises(SweepConfigError) as e:
        sweep_from_spec(spec, [("v1", {"labelz": ["a"]})])
    assert (e.value.variant, e.value.key) == ("v1", "labelz")


async def test_a_large_sweep_asks_before_it_starts(label_words, tmp_path, monkeypatch):
    from screens.confirm import ConfirmScreen
    from workbench.errors import ConfigError
    from workbench.sweep_config import LARGE_SWEEP

    store = RunStore()
    app = WorkbenchApp(store, words_spec(tiny_data(tmp_path / "d")))
    app.session.variants[:] = [(f"v{i}", {"labels": ["bad", f"good {i}"]}) for i in range(LARGE_SWEEP + 1)]
    app.session.sweep_method = "label-words"
    asked: list[bool] = []

    def sweep(config, **kwargs):  # the engine's own refusal is tested in test_sweep.py; here: what the screen passes
        asked.append(kwargs["confirmed"])
        raise ConfigError("stopped by the test")

    monkeypatch.setattr(app.engine, "sweep", sweep)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        app.open_sweep()
        confirm = await wait_for_screen(pilot, ConfirmScreen)
        assert f"{LARGE_SWEEP + 1} variants" in static_text(confirm, "#confirm-question")
        await pilot.press("n")
        screen = await wait_for_screen(pilot, SweepScreen)
        assert "not started" in static_text(screen, "#sweep-phase") and f"{LARGE_SWEEP + 1} variants" in static_text(screen, "#sweep-phase")
        assert asked == [] and not screen.running
        await pilot.press("escape")
        await wait_for_screen(pilot, SetupScreen)

        app.open_sweep()
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        screen = await wait_for_screen(pilot, SweepScreen)
        await wait_for(pilot, lambda: "stopped by the test" in static_text(screen, "#sweep-error"), what="the sweep to start")
        assert asked == [True]
