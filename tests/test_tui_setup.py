"""Setup screen: dataset choice and summary, splits and columns, method and model, precision and
trust_remote_code, file picker."""

from dataclasses import replace

from textual.widgets import Checkbox, DirectoryTree, Input, Select
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.file_picker import FilePickerScreen
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.store import RunStore



async def test_opens_on_the_sample_with_its_size_and_balance():
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        await wait_for(pilot, lambda: "120 examples" in static_text(screen, "#data-summary"), what="the summary")
        summary = static_text(screen, "#data-summary")
        assert "eval 'test': 120 examples" in summary and "neg" in summary and "60 ( 50.0%)" in summary
        assert screen.query_one("#source", Input).disabled  # the sample needs no name
        assert "sample" in app.session.spec.data.source


async def test_method_choice_shows_its_description_default_model_and_recent_models(label_words):
    store = RunStore()
    store.start_run("f" * 64, method="embed-zeroshot", model="all-MiniLM-L6-v2", dataset="sample", split="test", n=1, config={})
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        assert "descriptive text per label" in static_text(screen, "#method-description")
        # the starter's MiniLM is in the field; the method's own default (the CLI's) is named beside it
        assert static_text(screen, "#method-description").endswith("· default model all-mpnet-base-v2")
        recent = screen.query_one("#recent-models", Select)
        assert [v for _, v in recent._options if v is not Select.NULL][:2] == ["sentence-transformers/all-mpnet-base-v2", "all-MiniLM-L6-v2"]
        recent.value = "all-MiniLM-L6-v2"
        await pilot.pause()
        assert screen.query_one("#model", Input).value == "all-MiniLM-L6-v2"
        screen.query_one("#method", Select).value = "label-words"
        await pilot.pause()
        assert screen.query_one("#model", Input).value == "all-MiniLM-L6-v2"  # a typed model is kept
        assert "label texts are keywords" in static_text(screen, "#method-description")
        screen.query_one("#model", Input).value = ""
        screen.query_one("#method", Select).value = "embed-logreg"
        await pilot.pause()
        assert screen.query_one("#model", Input).value == METHODS["embed-logreg"].default_model
        assert "fits on" in static_text(screen, "#method-description") or "train" in static_text(screen, "#method-description")


async def test_local_folder_through_the_file_picker_loads_its_summary(tmp_path, label_words):
    folder = tiny_data(tmp_path / "tiny")
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source", Input).value = str(tmp_path)
        screen.query_one("#source-kind", Select).value = "local"
        await pilot.pause()
        await pilot.press("ctrl+o")
        picker = await wait_for_screen(pilot, FilePickerScreen)
        tree = picker.query_one(DirectoryTree)
        await wait_for(pilot, lambda: tree.cursor_node is not None and len(tree.root.children) > 0, what="the tree")
        await pilot.press("down")  # the root's first child: the tiny folder
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, SetupScreen)
        assert screen.query_one("#source", Input).value == folder
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the summary")
        assert app.session.spec.data.source == folder


async def test_bad_data_and_bad_fields_are_refused_in_place(tmp_path):
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source-kind", Select).value = "local"
        await pilot.pause()
        if isinstance(app.screen, FilePickerScreen):  # choosing 'local' with no path opens the picker
            await pilot.press("escape")
        screen.query_one("#source", Input).value = str(tmp_path / "missing")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: "no file or folder" in static_text(screen, "#setup-error"), what="the data error")
        screen.query_one("#source-kind", Select).value = "sample"
        await pilot.pause()
        screen.query_one("#limit", Input).value = "0"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "limit must be 1 or more" in static_text(screen, "#setup-error")
        assert isinstance(app.screen, SetupScreen)  # refused: no run started


async def test_splits_and_columns_go_into_the_configuration(tmp_path, label_words):
    folder = tmp_path / "cols"
    from conftest import write_jsonl

    write_jsonl(folder / "dev.jsonl", [{"review": "good", "y": "pos"}, {"review": "bad", "y": "neg"}])
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source-kind", Select).value = "local"
        await pilot.pause()
        if isinstance(app.screen, FilePickerScreen):
            await pilot.press("escape")
        for selector, value in (("#source", str(folder)), ("#split", "dev"), ("#train-split", ""), ("#text-column", "review"), ("#label-column", "y")):
            screen.query_one(selector, Input).value = value
        screen.query_one("#method", Select).value = "label-words"
        await pilot.pause()
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: "2 examples" in static_text(screen, "#data-summary"), what="the summary")
        data = app.session.spec.data
        assert (data.split, data.train_split, data.text_column, data.label_column) == ("dev", None, "review", "y")
        await pilot.press("ctrl+n")
        await wait_for_screen(pilot, PromptScreen)


async def test_precision_and_trust_remote_code_reach_the_run(tmp_path, label_words):
    store = RunStore()
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "good"]})
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        assert screen.query_one("#dtype", Select).value == "auto"
        assert "bfloat16 on CUDA and on CPUs with bfloat16 instructions, else float32" in static_text(screen, "#dtype-hint")
        assert screen.query_one("#batch-size", Input).placeholder == "auto"
        trust = screen.query_one("#trust-remote-code", Checkbox)
        assert trust.value is False
        notice = static_text(screen, "#trust-notice")
        assert "Models load with trust_remote_code off: no Python code from a model folder runs." in notice
        assert "Tick only for models whose authors you trust." in notice

        screen.query_one("#dtype", Select).value = "bfloat16"
        await pilot.click("#trust-remote-code")
        await pilot.pause()
        assert trust.value is True
        assert "trust_remote_code on" in static_text(screen, "#trust-notice")
        await pilot.press("ctrl+r")  # this fast method may finish before the run screen is seen
        report = await wait_for_screen(pilot, ReportScreen)
        assert "device cpu bfloat16" in static_text(report, "#report-details")
        run = store.find(report.run_id)
        assert run.report.dtype == "bfloat16"
        assert run.config.spec().dtype == "bfloat16" and run.config.spec().trust_remote_code is True


async def test_precision_and_trust_round_trip_through_a_stored_configuration():
    store = RunStore()
    old = {"data": {"source": "sample"}, "method": "embed-zeroshot", "model": "all-MiniLM-L6-v2", "params": {}, "device": None, "batch_size": 8}
    new = dict(old, dtype="bf16", trust_remote_code=True)  # a CLI run may spell the dtype bf16
    for run_id, spec in (("a" * 64, old), ("b" * 64, new)):
        store.start_run(run_id, method="embed-zeroshot", model="all-MiniLM-L6-v2", dataset="sample", split="test", n=1, config={"spec": spec})
    app = WorkbenchApp(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        assert app.use_config_of("b" * 64)
        screen.load_form(app.session.spec)
        await pilot.pause()
        assert screen.query_one("#dtype", Select).value == "bfloat16"
        assert screen.query_one("#trust-remote-code", Checkbox).value is True
        spec = screen.form_spec()
        assert (spec.dtype, spec.trust_remote_code, spec.batch_size) == ("bfloat16", True, 8)

        assert app.use_config_of("a" * 64)  # saved before these settings existed: their defaults
        assert (app.session.spec.dtype, app.session.spec.trust_remote_code) == ("auto", False)
        screen.load_form(app.session.spec)
        await pilot.pause()
        assert screen.query_one("#dtype", Select).value == "auto"
        assert screen.query_one("#trust-remote-code", Checkbox).value is False
        assert "trust_remote_code off" in static_text(screen, "#trust-notice")
        spec = screen.form_spec()
        assert (spec.dtype, spec.trust_remote_code) == ("auto", False)
