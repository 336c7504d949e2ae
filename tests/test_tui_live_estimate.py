"""The live estimate on the prompt screen at 120x40 and 80x24: after a pause in typing the
accepted label texts are scored on the seeded sample, the line says it is an estimate on n
examples with intervals and the change from the texts the screen opened with, equals a run of the
same sample, and ctrl+o steps the preview through the sample's errors. (The real-model check on
Rotten Tomatoes is tests/test_live_estimate.py.)"""

from dataclasses import replace

import pytest
from fake_methods import LabelWordMethod
from textual.widgets import Input
from tui_helpers import key_burst, static_text, tiny_data, wait_for, wait_for_screen

from screens.app import WorkbenchApp
from screens.prompt_screen import PromptScreen
from screens.session import default_spec
from screens.setup_screen import SetupScreen
from workbench.data import DataSpec
from workbench.live_estimate import sample_spec
from workbench.store import RunStore


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_estimate_follows_the_label_texts(size, label_words, monkeypatch, tmp_path):
    monkeypatch.setattr(LabelWordMethod, "live_preview", True)  # as the embedding methods: scored while edited
    spec = replace(default_spec(), data=DataSpec(tiny_data(tmp_path / "d")), method="label-words", params={"labels": ["bad", "good"]}, batch_size=4)
    store = RunStore()
    app = WorkbenchApp(store, spec)
    async with app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, SetupScreen)
        await pilot.press("ctrl+n")
        screen = await wait_for_screen(pilot, PromptScreen)
        await wait_for(pilot, lambda: screen.estimate is not None and screen.estimated_seq == screen.estimate_seq, timeout=90, what="the first estimate")
        line = static_text(screen, "#estimate")
        assert line.startswith("estimate on 22 examples") and "accuracy " in line and "macro F1 " in line and "–" in line
        first = screen.estimate
        run = app.engine.execute(app.engine.prepare(sample_spec(app.session.spec))).report  # the run of the same sample
        assert (first.accuracy, first.f1_macro) == (run.accuracy, run.f1_macro)
        assert first.accuracy_ci == run.ci95.accuracy

        box = screen.query_one("#label-text-0", Input)
        box.focus()
        await pilot.press("end")
        key_burst(app, " film")  # "bad film": every "a good film" ties, and a tie goes to neg: worse
        await wait_for(pilot, lambda: box.value == "bad film", what="the typing")
        await wait_for(pilot, lambda: screen.estimated_seq == screen.estimate_seq and screen.estimate is not first, what="the new estimate")
        line = static_text(screen, "#estimate")
        assert "change vs the texts this screen opened with, same sample" in line
        delta = screen.estimate.accuracy - first.accuracy
        assert f"{delta:+.3f}" in line and delta < 0
        assert screen.query_one("#estimate").region.bottom <= size[1]

        texts = screen.dataset.eval.texts
        places = sorted(texts.index(t) for t, _ in screen.estimate.errors)
        assert screen.example == 0 and places[:2] == [0, 1]  # the first example is an error too
        await pilot.press("ctrl+o")
        assert screen.example == 1 and "a good film number 1" in static_text(screen, "#preview")  # the next error after it
        screen.example = places[-1]
        await pilot.press("ctrl+o")
        assert screen.example == places[0]  # round again
