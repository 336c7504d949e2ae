import threading

import pytest

from conftest import write_jsonl
from fake_methods import KeywordMethod
from workbench.data import DataSpec
from workbench.methods import METHODS
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    KeywordMethod.batches_seen = 0
    return KeywordMethod


@pytest.fixture
def data(tmp_path):
    rows = [{"text": f"good film {i}", "label": 1} for i in range(20)]
    rows += [{"text": f"bad film {i}", "label": 0} for i in range(15)]
    rows += [{"text": f"a film {i}", "label": 0} for i in range(3)]  # no keyword: invalid
    rows += [{"text": "bad but good", "label": 0}]  # wrong: 'good' wins
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    (tmp_path / "d" / "labels.json").write_text('["neg", "pos"]')
    return str(tmp_path / "d")


def test_run_reports_invalid_and_stores_every_prediction(keyword, data, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(data), "keyword", batch_size=8)), store)
    assert out.status == "done" and not out.reused
    r = out.report
    assert r.n == 39 and r.invalid == 3 and r.accuracy == pytest.approx(35 / 39)
    assert r.confusion_matrix == [[15, 1], [0, 20]] and r.invalid_by_gold == [3, 0]
    assert r.details == {"rule": "good->pos, bad->neg"}
    preds = store.predictions(out.run_id)
    assert len(preds) == 39 and [p.idx for p in preds] == list(range(39))
    invalid = [p for p in preds if p.pred is None]
    assert len(invalid) == 3 and all(p.raw.startswith("no keyword") for p in invalid)
    assert store.get(out.run_id[:12]).status == "done"


def test_identical_run_is_reused_and_rerun_recomputes(keyword, data, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    first = execute(prepare(RunSpec(DataSpec(data), "keyword")), store)
    batches = keyword.batches_seen
    again = execute(prepare(RunSpec(DataSpec(data), "keyword")), store)
    assert again.reused and again.run_id == first.run_id and keyword.batches_seen == batches
    forced = execute(prepare(RunSpec(DataSpec(data), "keyword")), store, rerun=True)
    assert not forced.reused and keyword.batches_seen > batches
    assert len(store.list_runs()) == 1


def test_identity_changes_with_what_determines_the_result(keyword, data, tmp_path):
    base = prepare(RunSpec(DataSpec(data), "keyword"))
    assert prepare(RunSpec(DataSpec(data), "keyword", batch_size=4)).run_id == base.run_id  # batching is not identity
    assert prepare(RunSpec(DataSpec(data), "keyword", params={"patience": "0.5"})).run_id != base.run_id
    assert prepare(RunSpec(DataSpec(data, limit=10), "keyword")).run_id != base.run_id
    assert prepare(RunSpec(DataSpec(data), "keyword", model="other-model")).run_id != base.run_id


def test_one_failing_example_is_data_not_a_crash(keyword, tmp_path):
    rows = [{"text": "good", "label": 1}, {"text": "EXPLODE here", "label": 0}, {"text": "bad", "label": 0}]
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    store = RunStore(tmp_path / "s.sqlite")
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "keyword")), store)
    assert out.status == "done" and out.report.invalid == 1 and out.report.accuracy == pytest.approx(2 / 3)
    bad = [p for p in store.predictions(out.run_id) if p.pred is None]
    assert bad[0].error.startswith("RuntimeError: boom on EXPLODE")


def test_cancel_between_batches_keeps_finished_predictions(keyword, data, tmp_path):
    store = RunStore(tmp_path / "s.sqlite")
    cancel = threading.Event()
    seen = []

    def on_progress(ev):
        seen.append(ev)
        if ev.phase == "predicting" and ev.done >= 8:
            cancel.set()

    out = execute(prepare(RunSpec(DataSpec(data), "keyword", batch_size=4)), store, on_progress=on_progress, cancel_event=cancel)
    assert out.status == "cancelled"
    assert store.find(out.run_id).status == "cancelled"
    assert store.count_predictions(out.run_id) == 8 and out.report.n == 8
    phases = [e.phase for e in seen]
    assert phases[0] == "loading model" and "predicting" in phases
    last = [e for e in seen if e.phase == "predicting"][-1]
    assert last.correct is not None and last.correct <= last.done
    # a cancelled run is not reused: the next identical run computes everything
    again = execute(prepare(RunSpec(DataSpec(data), "keyword", batch_size=4)), store)
    assert again.status == "done" and store.count_predictions(again.run_id) == 39


def test_unknown_method_and_param_are_config_errors(keyword, data):
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown method 'nope'.*keyword"):
        prepare(RunSpec(DataSpec(data), "nope"))
    with pytest.raises(ConfigError, match="no parameter zap.*patience"):
        prepare(RunSpec(DataSpec(data), "keyword", params={"zap": "1"}))
    with pytest.raises(ConfigError, match="not a valid float"):
        prepare(RunSpec(DataSpec(data), "keyword", params={"patience": "soon"}))


def test_fitted_method_is_kept_for_reruns_and_try_it(keyword, data, tmp_path):
    from workbench.engine import Engine

    engine = Engine(tmp_path / "s.sqlite")  # fitted methods are kept by the engine, between its runs
    phases = []
    engine.execute(engine.prepare(RunSpec(DataSpec(data), "keyword")), on_progress=lambda e: phases.append(e.phase))
    assert "loading model" in phases
    phases.clear()
    again = engine.execute(engine.prepare(RunSpec(DataSpec(data, limit=5), "keyword")), on_progress=lambda e: phases.append(e.phase))
    assert "loading model" not in phases and again.report.timing.load_s == 0.0 and again.report.n == 5
    preds = engine.classify(engine.prepare(RunSpec(DataSpec(data), "keyword")), ["a good one", "so bad", "nothing"])
    assert [p.label for p in preds] == [1, 0, None]


def test_a_batch_that_fails_only_as_a_batch_is_run_one_at_a_time_and_said(keyword, data, tmp_path, monkeypatch):
    real = KeywordMethod.predict

    def batch_hostile(self, texts, ctx):
        if len(texts) > 1:
            raise RuntimeError("view size is not compatible with input tensor's size and stride")
        return real(self, texts, ctx)

    monkeypatch.setattr(KeywordMethod, "predict", batch_hostile)
    out = execute(prepare(RunSpec(DataSpec(data), "keyword", batch_size=8)), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "done" and out.report.accuracy == pytest.approx(35 / 39)
    notes = [n for n in out.report.notes if "one at a time" in n]
    assert len(notes) == 1 and "view size is not compatible" in notes[0]


def test_batches_are_ordered_by_tokens_and_truncation_is_counted_over_what_finished(tmp_path, monkeypatch):
    """Where a method says how its model reads (the token_limit hook), texts go to it longest
    first in tokens, not characters: a long word is one token, 'a b c d' four. The report's
    truncated count covers the examples that finished, also in a cancelled run."""

    def words(texts, **kwargs):  # a whitespace tokenizer: one token per word
        return {"input_ids": [t.split() for t in texts]}

    class ByWords(KeywordMethod):
        batches: list[list[str]] = []

        def token_limit(self):
            return words, 6

        def model_token_limit(self):  # the text's 6 and 2 around it
            return 8

        def predict(self, texts, ctx):
            type(self).batches.append(list(texts))
            return super().predict(texts, ctx)

    rows = [{"text": "good " + "x" * (40 - 3 * n) + " w" * n, "label": 1} for n in range(0, 10)]  # chars fall as words rise
    rows += [{"text": "bad " + "y" * 60, "label": 0}, {"text": "bad " + "z" * 70, "label": 0}]
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    (tmp_path / "d" / "labels.json").write_text('["neg", "pos"]')
    monkeypatch.setitem(METHODS, "keyword", ByWords)
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "keyword", batch_size=3)), RunStore(tmp_path / "s.sqlite"))
    sent = [len(t.split()) for batch in ByWords.batches for t in batch]
    assert sent == sorted(sent, reverse=True) and len(sent) == 12
    assert [len(t) for batch in ByWords.batches for t in batch] != sorted((len(r["text"]) for r in rows), reverse=True)
    # 2 + n words for n = 5..9 are over the 6-token limit: five texts
    assert out.report.truncated == 5 and any("5 texts were longer than the model reads: 8 tokens (6 for text)" in n for n in out.report.notes)

    # Cancelled after the first batch (the three longest, all over the limit): its count is theirs.
    ByWords.batches = []
    cancel = threading.Event()
    out = execute(
        prepare(RunSpec(DataSpec(str(tmp_path / "d")), "keyword", batch_size=3)), RunStore(tmp_path / "s.sqlite"), rerun=True,
        on_progress=lambda ev: ev.phase == "predicting" and ev.done >= 3 and cancel.set(), cancel_event=cancel,
    )  # fmt: skip
    assert out.status == "cancelled" and out.report.n == 3 and out.report.truncated == 3


def test_a_cancelled_run_reports_its_real_predict_time_and_rate(keyword, data, tmp_path):
    cancel = threading.Event()

    def on_progress(ev):
        if ev.phase == "predicting" and ev.done >= 8:
            cancel.set()

    out = execute(prepare(RunSpec(DataSpec(data), "keyword", batch_size=4)), RunStore(tmp_path / "s.sqlite"), on_progress=on_progress, cancel_event=cancel)
    assert out.status == "cancelled" and out.report.n == 8
    assert out.report.timing.predict_s > 0 and out.report.timing.examples_per_s == pytest.approx(8 / out.report.timing.predict_s)


def test_train_texts_the_fit_read_cut_are_noted_too(tmp_path, monkeypatch):
    def words(texts, **kwargs):  # a whitespace tokenizer: one token per word
        return {"input_ids": [t.split() for t in texts]}

    class Fitting(KeywordMethod):
        fit_reads_texts = True

        @classmethod
        def uses_train(cls, params):
            return True

        def token_limit(self):
            return words, 4

    rows = [{"text": "good film", "label": 1}, {"text": "bad film", "label": 0}]
    train = [{"text": "a good film with many many words", "label": 1}, {"text": "bad", "label": 0}, {"text": "bad film with six words here", "label": 0}]
    write_jsonl(tmp_path / "d" / "test.jsonl", rows)
    write_jsonl(tmp_path / "d" / "train.jsonl", train)
    (tmp_path / "d" / "labels.json").write_text('["neg", "pos"]')
    monkeypatch.setitem(METHODS, "keyword", Fitting)
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "keyword")), RunStore(tmp_path / "s.sqlite"))
    assert out.report.truncated == 0
    assert "2 texts of the train split were longer than the model reads: 4 tokens of text, and were truncated" in out.report.notes

    # A method whose train split only supplies examples (few-shot prompts) does not cut them: no note.
    class ExamplesOnly(Fitting):
        fit_reads_texts = False

    monkeypatch.setitem(METHODS, "keyword", ExamplesOnly)
    out = execute(prepare(RunSpec(DataSpec(str(tmp_path / "d")), "keyword")), RunStore(tmp_path / "s2.sqlite"))
    assert not any("train split" in n for n in out.report.notes)


def test_the_data_a_front_end_loads_follows_the_methods_rule_on_resolved_params(tmp_path, monkeypatch):
    """``Engine.load_data_for`` (the setup screen's data) reads the train split exactly when a run
    would: the method's ``uses_train`` sees its parameters with defaults filled and strings
    coerced, never the front end's raw ones."""
    from workbench.engine import Engine
    from workbench.methods import Param

    class ShotsByDefault(KeywordMethod):
        params = (Param("shots", 2, "few-shot examples", "int"),)

        @classmethod
        def uses_train(cls, params):
            return params["shots"] > 0  # a KeyError or a str > int on unresolved parameters

    write_jsonl(tmp_path / "d" / "test.jsonl", [{"text": "good", "label": 1}, {"text": "bad", "label": 0}])
    write_jsonl(tmp_path / "d" / "train.jsonl", [{"text": "good film", "label": 1}, {"text": "bad film", "label": 0}])
    monkeypatch.setitem(METHODS, "keyword", ShotsByDefault)
    engine = Engine(tmp_path / "s.sqlite")
    assert engine.load_data_for(RunSpec(DataSpec(str(tmp_path / "d")), "keyword")).train is not None  # the default: 2
    assert engine.load_data_for(RunSpec(DataSpec(str(tmp_path / "d")), "keyword", params={"shots": "0"})).train is None
