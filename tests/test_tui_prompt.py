"""Prompt and labels: editors per the method's parameters, refusal in place, live preview."""

from dataclasses import replace

from fake_methods import LabelWordMethod
from textual.widgets import Input, TextArea
from tui_helpers import open_prompt, static_text, wait_for

from screens.app import WorkbenchApp
from screens.param_editors import LabelTextsEditor, LineEditor, TemplateEditor, make_editor
from screens.prompt_screen import PromptScreen
from screens.report_screen import ReportScreen
from screens.run_screen import RunScreen
from screens.session import default_spec
from workbench.methods import METHODS
from workbench.store import RunStore


def spec_for(method: str, **params):
    return replace(default_spec(), method=method, params=params)


async def test_zeroshot_label_texts_edit_refuse_and_preview():
    app = WorkbenchApp(RunStore(), spec_for("embed-zeroshot"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(pilot)
        assert app.session.spec.params == {}  # unchanged defaults are left out: the CLI's run identity
        editors = list(screen.query(".param-editor"))
        assert [type(e) for e in editors] == [LabelTextsEditor, LineEditor]  # label texts and the temperature
        boxes = list(screen.query(".label-text-row Input").results(Input))
        assert [b.value for b in boxes] == ["A negative review", "A positive review"]  # the default: phrases from the names
        preview = static_text(screen, "#preview")
        assert "example 1 of 120" in preview and "neg: A negative review" in preview
        boxes[0].value = "A very negative movie review"
        boxes[1].value = "A very positive movie review"
        await pilot.pause()
        assert "neg: A very negative movie review" in static_text(screen, "#preview")
        assert app.session.spec.params == {"labels": ["A very negative movie review", "A very positive movie review"]}
        boxes[1].value = "   "
        await pilot.pause()
        assert "refused: the label text for pos is empty" in static_text(screen, "#editor-labels .editor-error")
        assert app.session.spec.params["labels"][1] == "A very positive movie review"  # the last valid one stays
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)  # the run is refused while a field is
        await pilot.press("ctrl+n")
        assert "example 2 of 120" in static_text(screen, "#preview")


async def test_zeroshot_temperature_is_checked_by_the_engine_and_fit_is_kept_as_text():
    app = WorkbenchApp(RunStore(), spec_for("embed-zeroshot"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(pilot)
        field = screen.query_one("#param-temperature", Input)
        assert field.value == "0.05"
        field.value = "-1"
        await pilot.pause()
        assert "temperature='-1' given; expected a number >= 1e-06 or 'fit'" in static_text(screen, "#prompt-error")
        assert not screen.valid
        field.value = "fit"
        await pilot.pause()
        assert static_text(screen, "#prompt-error") == "" and screen.valid
        assert app.session.spec.params == {"temperature": "fit"}


async def test_prompt_method_template_and_system_editors_refuse_a_template_without_placeholder():
    app = WorkbenchApp(RunStore(), spec_for("seq2seq"))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_prompt(pilot)
        kinds = {e.param.name: type(e) for e in screen.query(".param-editor")}
        assert kinds["prompt"] is TemplateEditor and kinds["labels"] is LabelTextsEditor
        assert kinds["few_shot"] is LineEditor and "hypothesis" not in kinds  # only the method's own params
        area = screen.query_one("#template-prompt", TextArea)
        assert "positive or negative? the villain is so cartoonish" in static_text(screen, "#preview")
        area.text = "Is this review good or bad?"
        await pilot.pause()
        error = static_text(screen, "#editor-prompt .editor-error")
        assert "refused" in error and "{text} or [DOCUMENT]" in error
        assert not screen.valid
        area.text = "Review: [DOCUMENT]\nIs it positive or negative?"
        await pilot.pause()
        assert static_text(screen, "#editor-prompt .editor-error") == ""
        preview = static_text(screen, "#preview")
        assert "Review: the villain is so cartoonish" in preview  # the real first example, rendered
        assert app.session.spec.params["prompt"] == "Review: [DOCUMENT]\nIs it positive or negative?"


async def test_nli_hypothesis_needs_one_placeholder():
    app = WorkbenchApp(RunStore(), spec_for("nli-zeroshot"))
    async with app.run_test(size=(100, 36)) as pilot:
        screen = await open_prompt(pilot)
        box = screen.query_one("#param-hypothesis", Input)
        assert "hypothesis  This example is negative." in static_text(screen, "#preview")
        box.value = "This review is positive."
        await pilot.pause()
        assert "exactly one {}" in static_text(screen, "#editor-hypothesis .editor-error")
        box.value = "The sentiment is {}."
        await pilot.pause()
        assert "The sentiment is positive." in static_text(screen, "#preview")
        assert app.session.spec.params == {"hypothesis": "The sentiment is {}."}
        boxes = list(screen.query(".label-text-row Input").results(Input))
        boxes[0].value = boxes[1].value = "same"  # only the method's own check refuses this
        await pilot.pause()
        assert "same label text" in static_text(screen, "#prompt-error")
        assert not screen.valid


async def test_fake_method_params_drive_the_editors_and_ctrl_r_runs(monkeypatch, tmp_path):
    monkeypatch.setitem(METHODS, "label-words", LabelWordMethod)
    app = WorkbenchApp(RunStore(), spec_for("label-words"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(pilot)
        assert {e.param.name for e in screen.query(".param-editor")} == {"labels", "gate", "patience"}
        patience = screen.query_one("#param-patience", Input)
        patience.value = "soon"
        await pilot.pause()
        assert "not a valid float" in static_text(screen, "#editor-patience .editor-error")
        patience.value = ""
        await pilot.pause()
        assert screen.valid
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, (RunScreen, ReportScreen)), what="the run")  # it may finish at once


def test_every_registered_method_gets_an_editor_per_parameter():
    """Editors follow what each parameter declares (``Param.editor_kind``): texts -> label texts,
    template and message -> several lines, the rest one-line fields; every parameter of every
    method gets exactly one."""
    names = ["neg", "pos"]
    for name, cls in METHODS.items():
        editors = [make_editor(p, None, names, names) for p in cls.params]
        assert [e.param.name for e in editors] == [p.name for p in cls.params], name
        for param, editor in zip(cls.params, editors):
            expected = {"texts": LabelTextsEditor, "template": TemplateEditor, "message": TemplateEditor}.get(param.editor_kind, LineEditor)
            assert type(editor) is expected, (name, param.name)
    assert METHODS["seq2seq"].params[0].editor_kind == "template" and METHODS["nli-zeroshot"].params[0].editor_kind == "template-line"
    assert {p.name: p.editor_kind for p in METHODS["local-chat"].params}["system"] == "message"
