"""Sweeps: the TOML file's checks, matrix expansion, proposals, the seeded select split, a real
label-text sweep on Rotten Tomatoes rows (reproducing single runs), cancel and resume, the CLI."""

import json
import threading

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod

from workbench.cli import main
from workbench.data import HOLDOUT_SPLIT, DataSpec, load_dataset
from workbench.engine import Engine
from workbench.methods import METHODS
from workbench.spec import RunSpec
from workbench.sweep_config import SweepConfigError, load_sweep, parse_sweep

MODEL = "all-MiniLM-L6-v2"
VARIANTS = {
    "plain": ["A negative review", "A positive review"],
    "very-movie": ["A very negative movie review", "A very positive movie review"],
    "names": ["negative", "positive"],
}


def _raw(**over):
    raw = {
        "data": {"source": "sample"},
        "sweep": {"metric": "f1_macro", "baseline": "plain"},
        "base": {"method": "embed-zeroshot", "model": MODEL, "dtype": "float32"},
        "variants": [{"name": n, "labels": t} for n, t in VARIANTS.items()],
    }
    for k, v in over.items():
        raw[k] = v
    return raw


# ---------------------------------------------------------------- the file's checks


def test_parse_fills_base_and_keeps_the_variants_own_params():
    cfg = parse_sweep(_raw())
    assert [v.name for v in cfg.variants] == list(VARIANTS)
    v = cfg.variant("very-movie")
    assert v.settings == {"method": "embed-zeroshot", "model": MODEL, "dtype": "float32", "labels": VARIANTS["very-movie"]}
    assert v.own == {"labels": VARIANTS["very-movie"]}
    assert (cfg.metric, cfg.baseline, cfg.data.select_split, cfg.data.test_split) == ("f1_macro", "plain", "validation", "test")


@pytest.mark.parametrize(
    "edit, variant, key, words",
    [
        (lambda r: r["variants"][1].update(top_p=0.3), "very-movie", "top_p", "unknown key 'top_p'"),
        (lambda r: r["variants"][2].update(dtype="float64"), "names", "dtype", "does not fit"),
        (lambda r: r["variants"][0].update(batch_size=0), "plain", "batch_size", "does not fit"),
        (lambda r: r["variants"][0].update(labels=3), "plain", "labels", "does not fit"),
        (lambda r: r["variants"][1].update(method="nope"), "very-movie", "method", "unknown method 'nope'"),
        (lambda r: r["base"].update(prompt="x {text}"), "[base]", "prompt", "unknown key 'prompt'"),
        (lambda r: r["variants"][2].update(name="plain"), "plain", "name", "two variants"),
        (lambda r: r["sweep"].update(baseline="nope"), None, "baseline", "baseline 'nope' is not a variant"),
        (lambda r: r["sweep"].update(metric="loss"), None, "metric", "not a metric"),
        (lambda r: r.update(extra={}), None, "extra", "unknown section"),
        (lambda r: r["data"].update(split="test"), None, "split", "unknown key [data] 'split'"),
        (lambda r: r["data"].update(limit=0), None, "limit", "does not fit"),
        (lambda r: r.update(variants=[]), None, None, "no variants"),
    ],
)
def test_refusals_name_the_variant_and_the_key(edit, variant, key, words):
    raw = _raw()
    edit(raw)
    with pytest.raises(SweepConfigError) as e:
        parse_sweep(raw)
    assert words in str(e.value)
    assert (e.value.variant, e.value.key) == (variant, key)
    if variant:
        assert f"variant '{variant}'" in str(e.value)
    assert e.value.expected or e.value.fix or key is None


def test_bad_values_found_by_prepare_are_refused_before_anything_runs(tmp_path):
    raw = _raw()
    raw["variants"].append({"name": "three", "labels": ["a", "b", "c"]})  # 3 texts for 2 classes: the method's own check
    engine = Engine(tmp_path / "s.sqlite")
    with pytest.raises(SweepConfigError) as e:
        engine.sweep(parse_sweep(raw))
    assert e.value.variant == "three" and "3 texts for 2 classes" in str(e.value)
    assert engine.runs() == []  # nothing ran, not even the variants before it


def test_a_single_file_is_refused_it_has_no_select_and_test_splits(tmp_path):
    one = write_jsonl(tmp_path / "one.jsonl", [{"text": "good", "label": 1}, {"text": "bad", "label": 0}])
    with pytest.raises(SweepConfigError, match="single file") as e:
        Engine(tmp_path / "s.sqlite").sweep(parse_sweep(_raw(data={"source": str(one)})))
    assert e.value.key == "source"


def test_matrix_expands_to_the_product_named_from_the_values():
    raw = _raw(variants=[], matrix={"model": [MODEL, "sentence-transformers/all-mpnet-base-v2"], "dtype": ["float32", "bfloat16"]})
    raw["sweep"]["baseline"] = f"{MODEL},float32"
    cfg = parse_sweep(raw)
    assert [v.name for v in cfg.variants] == [
        f"{MODEL},float32", f"{MODEL},bfloat16", "all-mpnet-base-v2,float32", "all-mpnet-base-v2,bfloat16",
    ]  # fmt: skip
    assert cfg.variant("all-mpnet-base-v2,bfloat16").settings["model"] == "sentence-transformers/all-mpnet-base-v2"
    # with [[variants]] too: each variant crossed with the matrix
    raw = _raw(matrix={"dtype": ["float32", "bfloat16"]})
    raw["sweep"]["baseline"] = "plain/float32"
    cfg = parse_sweep(raw)
    assert len(cfg.variants) == 6 and cfg.variant("names/bfloat16").settings["labels"] == VARIANTS["names"]
    with pytest.raises(SweepConfigError, match="not a list of values"):
        parse_sweep(_raw(matrix={"dtype": "float32"}))


def test_proposals_fill_templates_over_spelled_out_label_names():
    from workbench.propose import fill

    cfg = parse_sweep(_raw(sweep={"baseline": "plain", "noun": "movie review"}), propose=5)
    proposed = cfg.variants[3:]
    assert len(proposed) == 5 and len({v.name for v in cfg.variants}) == 8
    assert proposed[0].name == "A {name} movie review"
    assert fill(proposed[0].settings["labels"], ["neg", "pos"]) == ["A negative movie review", "A positive movie review"]
    assert fill("{name}", ["neg", "pos", "meh"]) == ["Negative", "Positive", "Meh"]
    raw = _raw()
    raw["base"]["method"] = "embed-centroid"
    for v in raw["variants"]:
        del v["labels"]
    with pytest.raises(SweepConfigError, match="embed-zeroshot"):
        parse_sweep(raw, propose=3)


def test_holdout_select_split_never_reaches_the_train_split():
    spec = DataSpec("sample", split=HOLDOUT_SPLIT, holdout=0.2, seed=0)
    held = load_dataset(spec, need_train=True)
    full_train = load_dataset(DataSpec("sample", split="train"), need_train=False).eval
    assert held.eval.name == "train[20% seed 0]" and len(held.eval) == round(len(full_train) * 0.2)
    assert set(held.eval.texts).isdisjoint(held.train.texts)
    assert sorted(held.eval.texts + held.train.texts) == sorted(full_train.texts)
    test = load_dataset(DataSpec("sample", split="test", holdout=0.2, seed=0), need_train=True)
    assert test.train.texts == held.train.texts  # the test runs fit on the same 80%
    assert load_dataset(spec, need_train=False).eval.texts == held.eval.texts  # seeded: the same every time
    assert DataSpec().holdout is None  # existing runs' specs are unchanged


# ---------------------------------------------------------------- running


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)


def _keyword_raw(tmp_path):
    rows = [{"text": f"{w} film {i}", "label": "pos" if w == "good" else "neg"} for i in range(40) for w in ("good", "bad")]
    rows[::7] = [{"text": f"meh {i}", "label": "pos"} for i in range(len(rows[::7]))]
    folder = write_jsonl(tmp_path / "kw" / "train.jsonl", rows).parent
    write_jsonl(folder / "test.jsonl", rows[:30])
    return {
        "data": {"source": str(folder)},
        "sweep": {"metric": "accuracy", "baseline": "a"},
        "base": {"method": "keyword", "batch_size": 2},
        "variants": [{"name": "a"}, {"name": "b", "patience": 59.0}, {"name": "c", "patience": 58.0}],  # distinct runs, same answers
    }


def test_cancel_keeps_what_finished_and_the_same_sweep_resumes(tmp_path, keyword):
    cfg = parse_sweep(_keyword_raw(tmp_path))
    engine = Engine(tmp_path / "s.sqlite")
    stop = threading.Event()

    def progress(ev):
        if ev.phase == "predicting" and ev.done >= 6 and seen == ["a"]:
            stop.set()  # during variant b, after a few batches

    seen: list[str] = []
    res = engine.sweep(cfg, cancel_event=stop, on_progress=progress, on_variant=lambda vr, r: seen.append(vr.name))
    assert res.status == "cancelled" and [v.status for v in res.variants] == ["done", "cancelled", "pending"]
    b_id = res.variants[1].run_id
    kept = engine.store.count_predictions(b_id)
    assert 0 < kept < 16
    again = Engine(tmp_path / "s.sqlite").sweep(cfg)
    assert again.status == "done" and again.variants[0].reused and not again.variants[1].reused
    assert any("resumed" in n for n in engine.store.find(b_id).report.notes)
    assert {r["sweep_id"] for r in engine.store.list_sweeps()} == {res.sweep_id}
    assert engine.store.list_sweeps()[0]["status"] == "done"


def _rt_folder(tmp_path, rt_dir, n=200):
    folder = tmp_path / "rt"
    for split in ("validation", "test"):
        lines = (rt_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        step = len(lines) // n
        write_jsonl(folder / f"{split}.jsonl", [json.loads(line) for line in lines[::step][:n]])
    (folder / "labels.json").write_text((rt_dir / "labels.json").read_text())
    return folder


@pytest.mark.integration
def test_real_label_text_sweep_reproduces_single_runs(tmp_path, rt_dir):
    folder = _rt_folder(tmp_path, rt_dir)
    cfg = parse_sweep(_raw(data={"source": str(folder)}))
    engine = Engine(tmp_path / "sweep.sqlite")
    res = engine.sweep(cfg)
    assert res.status == "done" and res.select_split == "validation"
    single = Engine(tmp_path / "sweep.sqlite")  # a fresh engine; the store's embedding cache spares encoding again on a CPU
    for v in res.variants:
        spec = RunSpec(
            data=DataSpec(str(folder), split="validation"), method="embed-zeroshot", model=MODEL, params={"labels": VARIANTS[v.name]}, dtype="float32"
        )
        prep = single.prepare(spec)
        out = single.execute(prep, rerun=True)  # computed again by a single run, not read back
        assert out.status == "done" and not out.reused
        assert prep.run_id == v.run_id  # the very run a single eval makes
        assert v.select.accuracy == out.report.accuracy and v.select.f1_macro == out.report.f1_macro
    values = {v.name: v.value("f1_macro") for v in res.variants}
    assert res.best == max(values, key=values.get)
    tested = {v.name for v in res.variants if v.test is not None}
    assert tested == {res.best, "plain"}
    test_runs = [r for r in engine.runs() if r.split == "test"]
    assert len(test_runs) == len(tested)
    out = res.to_json()
    assert set(out) >= {"metric", "baseline", "best", "variants", "test_comparison"}
    assert set(out["variants"][0]) >= {"name", "params", "run_id", "select", "test"}
    assert out["variants"][0]["params"] == {"labels": VARIANTS["plain"]}
    assert {"accuracy", "f1_macro", "ci95", "n"} <= set(out["variants"][0]["select"])
    tc = out["test_comparison"]
    assert {"mcnemar_p", "difference"} <= set(tc)
    best_t, base_t = res.result(res.best).test, res.result("plain").test
    assert tc["difference"] == pytest.approx(best_t.f1_macro - base_t.f1_macro)


@pytest.mark.integration
def test_cli_sweep_end_to_end(tmp_path, capsys):
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[data]\nsource = "sample"\n[sweep]\nmetric = "accuracy"\nbaseline = "plain"\n'
        f'[base]\nmethod = "embed-zeroshot"\nmodel = "{MODEL}"\ndtype = "float32"\n'
        '[[variants]]\nname = "plain"\nlabels = ["A negative review", "A positive review"]\n'
        '[[variants]]\nname = "names"\nlabels = ["negative", "positive"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    assert main(["sweep", str(toml), "--json", str(out), "--propose", "2", "--store", str(tmp_path / "c.sqlite")]) == 0
    text = capsys.readouterr().out
    assert "has no split 'validation'" in text and "test confirmation on test" in text
    result = json.loads(out.read_text())
    assert [v["name"] for v in result["variants"]] == ["plain", "names", "A {name} review", "This review is {name}"]
    assert result["variants"][2]["params"] == {"labels": ["A negative review", "A positive review"], "template": "A {name} review"}
    assert result["variants"][2]["run_id"] == result["variants"][0]["run_id"]  # the same texts: the same run
    assert result["select_split"] == "train[20% seed 0]" and result["best"] in {v["name"] for v in result["variants"]}
    assert sum(v["test"] is not None for v in result["variants"]) == (1 if result["best"] == "plain" else 2)
    # the same file again: every run is reused
    assert main(["sweep", str(toml), "--propose", "2", "--store", str(tmp_path / "c.sqlite")]) == 0
    assert capsys.readouterr().out.count("cached") >= 4


def test_cli_sweep_refusal_is_one_line_exit_2(tmp_path, capsys):
    toml = tmp_path / "bad.toml"
    toml.write_text('[base]\nmethod = "embed-zeroshot"\n[[variants]]\nname = "x"\nlabelz = ["a", "b"]\n', encoding="utf-8")
    assert main(["sweep", str(toml)]) == 2
    err = capsys.readouterr().err
    assert "variant 'x' key 'labelz'" in err and err.count("\n") == 1
    toml.write_text("[data\n", encoding="utf-8")
    assert main(["sweep", str(toml)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert load_sweep  # imported for the public API


def _fit_raw(select_split):
    data = {"source": "sample", "test_split": "test", **({"select_split": select_split} if select_split else {})}
    return {
        "data": data, "sweep": {"metric": "accuracy", "baseline": "prior"}, "base": {"method": "majority"},
        "variants": [{"name": "prior"}, {"name": "words", "method": "keyword"}],
    }  # fmt: skip


def test_selecting_on_the_test_split_or_on_what_a_variant_fits_on_is_warned(tmp_path, keyword, capsys):
    """Not refused (the user may mean it), but said: selected on the test split the confirmation
    is no test; selected on train, the variants that fit on it (majority; not keyword) are scored
    on their own training rows. A held-out part of train (no select split) is neither."""
    from workbench.results import WARNING
    from workbench.sweep import plan

    engine = Engine(tmp_path / "s.sqlite")
    on_test = plan(engine, parse_sweep(_fit_raw("test"))).notes
    assert [n for n in on_test if n.startswith(WARNING)] == [n for n in on_test if "the split the best is confirmed on" in n] != []
    on_train = [n for n in plan(engine, parse_sweep(_fit_raw("train"))).notes if n.startswith(WARNING)]
    assert len(on_train) == 1 and "variant prior fits on its rows" in on_train[0] and "words" not in on_train[0]
    assert not [n for n in plan(engine, parse_sweep(_fit_raw(None))).notes if n.startswith(WARNING)]
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[data]\nsource = "sample"\nselect_split = "train"\n[sweep]\nmetric = "accuracy"\nbaseline = "prior"\n[base]\nmethod = "majority"\n'
        '[[variants]]\nname = "prior"\n[[variants]]\nname = "words"\nmethod = "keyword"\n',
        encoding="utf-8",
    )  # fmt: skip
    assert main(["sweep", str(toml), "--store", str(tmp_path / "c.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "\nwarning: variants are selected on split 'train', and variant prior fits on its rows" in out and "note: warning" not in out


# ---------------------------------------------------------------- the size guard


def _matrix_raw(n: int, source: str = "sample"):
    return {"data": {"source": source}, "base": {"method": "keyword"}, "matrix": {"patience": [float(i) for i in range(n)]}}


def test_a_sweep_past_the_documented_size_needs_confirming(tmp_path, keyword):
    from workbench.sweep_config import LARGE_SWEEP, SweepTooLarge

    assert parse_sweep(_matrix_raw(LARGE_SWEEP)).size_note() is None  # the limit itself runs without asking
    cfg = parse_sweep(_matrix_raw(LARGE_SWEEP + 1))
    assert cfg.runs == LARGE_SWEEP + 3 and f"{LARGE_SWEEP + 1} variants" in (cfg.size_note() or "")
    engine = Engine(tmp_path / "s.sqlite")
    with pytest.raises(SweepTooLarge) as e:
        engine.sweep(cfg, on_plan=lambda p: pytest.fail("planned before the size was agreed"))
    assert f"{LARGE_SWEEP + 1} variants" in str(e.value) and "confirm the size" in e.value.fix
    assert engine.store.list_sweeps() == []


def test_cli_refuses_a_large_sweep_without_yes_and_never_prompts_off_a_terminal(tmp_path, capsys, keyword):
    toml = tmp_path / "big.toml"
    single = write_jsonl(tmp_path / "one.jsonl", [{"text": "good", "label": "pos"}])
    toml.write_text(f'[data]\nsource = "{single}"\n[base]\nmethod = "keyword"\n[matrix]\npatience = [{", ".join(f"{i}.0" for i in range(60))}]\n', encoding="utf-8")
    assert main(["sweep", str(toml), "--store", str(tmp_path / "s.sqlite")]) == 2  # pytest's stdin is no terminal (and raises if read)
    err = capsys.readouterr().err
    assert "60 variants" in err and "--yes" in err and err.count("\n") == 1
    # --yes goes past the guard to the ordinary checks (here: a single file has no select/test splits)
    assert main(["sweep", str(toml), "--yes", "--store", str(tmp_path / "s.sqlite")]) == 2
    assert "single file" in capsys.readouterr().err
