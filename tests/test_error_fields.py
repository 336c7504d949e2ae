"""Errors carry the field they are about: the engine's messages name no flag, the command line adds
the flag of the field, the terminal UI the name of the box the user sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input, Select
from tui_helpers import static_text, tiny_data, wait_for, wait_for_screen

from conftest import FLAG, write_jsonl
from fake_methods import KeywordMethod
from screens.app import WorkbenchApp
from screens.fields import FIELDS as TUI_FIELDS
from screens.fields import setup_widget, tui_field, tui_label, tui_message
from screens.file_picker import FilePickerScreen
from screens.setup_screen import SetupScreen
from workbench import errors as E
from workbench.cli import _build_parser, main
from workbench.cli_fields import FLAGS, PARAM_FLAGS, cli_flag, cli_message
from workbench.methods import METHODS
from workbench.store import RunStore

ENGINE = Path(__file__).resolve().parent.parent / "workbench"


def method_param_fields() -> set[str]:
    return {E.param(p.name) for cls in METHODS.values() for p in cls.params}


def eval_options() -> set[str]:
    parser = _build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    return {s for sub in commands.values() for a in sub._actions for s in a.option_strings} | {s for a in parser._actions for s in a.option_strings}


# ---------------------------------------------------------------- the vocabulary and its two mappings


def test_every_field_has_a_cli_flag_and_a_tui_label():
    fields = set(E.FIELDS) | method_param_fields() | {E.API_KEY_FILE, E.BASE_URL, E.param("labels"), E.param("prompt"), E.param("hypothesis"), E.param("few_shot")}
    assert set(FLAGS) == set(E.FIELDS) and set(TUI_FIELDS) == set(E.FIELDS)  # one entry each, no strays
    for field in sorted(fields):
        assert E.is_field(field)
        flag, label = cli_flag(field), tui_label(field)
        assert flag and label, field
        assert not FLAG.search(label), f"the UI's name for {field} is a flag: {label}"
        widget = tui_field(field)
        assert (widget.screen is None) == (widget.widget is None), field


def test_cli_flags_are_the_parsers_own():
    options = eval_options()
    for field, flag in FLAGS.items():
        assert flag in options or field == E.RUN, (field, flag)  # a run is named by the positional RUN
    for name, flag in PARAM_FLAGS.items():
        assert flag in options and any(name in {p.name for p in cls.params} for cls in METHODS.values()), (name, flag)
    assert cli_flag(E.param("max_iter")) == "-p max_iter=VALUE"  # a parameter with no flag of its own
    assert cli_flag(E.BASE_URL) == "--base-url" and cli_flag(E.API_KEY_FILE) == "--api-key-file"
    assert cli_flag(E.param("labels")) == "--labels" and cli_flag(E.param("few_shot")) == "--few-shot"


def test_the_setup_screens_fields_point_at_its_widgets():
    selectors = {f.widget for f in TUI_FIELDS.values() if f.screen == "setup"}
    source = (Path(__file__).resolve().parent.parent / "screens" / "setup_screen.py").read_text()
    for selector in selectors:
        assert f'id="{selector[1:]}"' in source, selector
    assert setup_widget(E.TEXT_COLUMN) == "#text-column" and setup_widget(E.param("labels")) is None and setup_widget(None) is None
    assert tui_field(E.param("labels")).widget == "#editor-labels" and tui_label(E.param("labels")) == "Prompt and labels › Label texts"


def test_an_error_keeps_its_field_and_refuses_an_unknown_one():
    err = E.DataError("no column 'txt'", fix="name the right text column", field=E.TEXT_COLUMN)
    assert err.field == E.TEXT_COLUMN and str(err) == "no column 'txt'; name the right text column"
    assert cli_message(err) == "no column 'txt'; name the right text column [--text-column]"
    assert tui_message(err) == "no column 'txt'; name the right text column (field: Columns › text)"
    assert cli_message(E.WorkbenchError("plain")) == "plain" == tui_message(E.WorkbenchError("plain"))
    assert cli_message("stored text", E.param("prompt")) == "stored text [--prompt]"
    assert E.WorkbenchError("x").field is None
    with pytest.raises(ValueError, match="unknown error field 'text-column'"):
        E.WorkbenchError("x", field="text-column")


def test_engine_messages_name_no_flag():
    """No message string in the engine, its methods included, names a command-line flag (the CLI
    itself aside)."""
    pending: tuple[str, ...] = ()
    message = re.compile(r"(Error\(|fix=|expected=)")
    for path in sorted([*ENGINE.glob("*.py"), *ENGINE.glob("methods/*.py")]):
        if path.name.startswith("cli") or path.name == "errors.py":  # the command line's own modules name its flags
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if message.search(line) and FLAG.search(line) and not any(p in line for p in pending):
                raise AssertionError(f"{path.name}:{n} names a flag: {line.strip()}")


# ---------------------------------------------------------------- the command line, end to end


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    rows = [{"text": "good one", "label": "pos"}, {"text": "bad one", "label": "neg"}]
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows).parent)


def cli_error_line(capsys, argv) -> str:
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_cli_names_the_flag_of_a_data_error(data, capsys):
    line = cli_error_line(capsys, ["eval", "--data", data, "--method", "keyword", "--text-column", "txt", "-q"])
    assert re.fullmatch(r"error: .*test\.jsonl line 1 has no column 'txt' \(columns: 'text', 'label'\); name the right text column \[--text-column\]", line), line


def test_cli_names_the_flag_of_a_model_error(data, tmp_path, capsys):
    (tmp_path / "not-a-model").mkdir()
    line = cli_error_line(capsys, ["eval", "--data", data, "--method", "keyword", "--model", str(tmp_path / "not-a-model"), "-q"])
    assert "is not a Hugging Face model folder; expected a folder with config.json" in line and line.endswith("[--model]"), line


def test_cli_names_the_flag_of_a_parameter_error(capsys):
    line = cli_error_line(capsys, ["eval", "--method", "embed-zeroshot", "--data", "sample", "--labels", "only one", "-q"])
    assert "labels gave 1 texts for 2 classes" in line and line.endswith("[--labels]"), line


# ---------------------------------------------------------------- the terminal UI


async def test_setup_screen_names_the_ui_field_not_the_flag(tmp_path):
    folder = tiny_data(tmp_path / "tiny")
    app = WorkbenchApp(RunStore())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await wait_for_screen(pilot, SetupScreen)
        screen.query_one("#source-kind", Select).value = "local"
        await pilot.pause()
        if isinstance(app.screen, FilePickerScreen):
            await pilot.press("escape")
        screen.query_one("#source", Input).value = folder
        screen.query_one("#text-column", Input).value = "txt"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: "no column 'txt'" in static_text(screen, "#setup-error"), what="the data error")
        error = static_text(screen, "#setup-error")
        assert error.startswith("data: ") and error.endswith("(field: Columns › text)"), error
        assert not FLAG.search(error), error
        box = screen.query_one("#text-column", Input)
        assert box.has_class("-invalid") and app.focused is box  # the cursor is where the fix goes
        box.value = "text"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: "22 examples" in static_text(screen, "#data-summary"), what="the summary")
        assert not box.has_class("-invalid")
