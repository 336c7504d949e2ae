"""The live estimate (workbench/live_estimate.py): on Rotten Tomatoes with all-MiniLM-L6-v2 it is
exactly the report of a run with --limit 200 (the same seeded sample), computed in another store so
no embedding is shared; an edit of the label texts is estimated again from the cached embeddings."""

import time
from dataclasses import replace

import pytest

from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.live_estimate import SAMPLE_SIZE, sample_spec
from workbench.runner import RunSpec

pytestmark = pytest.mark.integration


def rt_spec(rt_dir, labels):
    return RunSpec(DataSpec(str(rt_dir)), "embed-zeroshot", model="all-MiniLM-L6-v2", params={"labels": labels}, dtype="float32", device="cpu")


def test_the_estimate_is_a_limited_run_of_the_same_sample(rt_dir, tmp_path):
    spec = rt_spec(rt_dir, ["A negative review", "A positive review"])
    estimate = Engine(tmp_path / "a.sqlite").estimate_on_sample(spec)
    assert estimate.n == SAMPLE_SIZE == 200 and estimate.seed == 0
    run = Engine(tmp_path / "b.sqlite")
    report = run.execute(run.prepare(sample_spec(spec))).report
    assert report.n == 200
    assert (estimate.accuracy, estimate.f1_macro, estimate.invalid) == (report.accuracy, report.f1_macro, report.invalid)
    assert estimate.accuracy_ci == report.ci95.accuracy and estimate.f1_ci == report.ci95.f1_macro
    assert len(estimate.errors) == round((1 - report.accuracy) * 200)


def test_an_edit_is_estimated_again_from_the_cached_embeddings(rt_dir, tmp_path):
    engine = Engine(tmp_path / "s.sqlite")
    spec = rt_spec(rt_dir, ["A negative review", "A positive review"])
    engine.estimate_on_sample(spec)  # the sample's texts encoded once
    edited = replace(spec, params={"labels": ["A very negative movie review", "A very positive movie review"]})
    start = time.perf_counter()
    again = engine.estimate_on_sample(edited)
    took = time.perf_counter() - start
    assert again.n == 200
    print(f"estimate after an edit: {took:.3f}s")  # recorded, not asserted: timing is no pass/fail test
