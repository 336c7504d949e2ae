"""local-chat with the real SmolLM2-135M-Instruct (installed by ../shared/tools/get-models) on real
rotten_tomatoes rows, score mode, against the data README's figure (0.65 on a balanced 200)."""

import json

import pytest

from conftest import write_jsonl
from workbench.data import DataSpec
from workbench.models import models_dir
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

pytestmark = pytest.mark.integration

SMOL = "SmolLM2-135M-Instruct"
README_PROMPT = "Is the following movie review positive or negative? Answer with one word.\n\nReview: {text}"


def test_smollm2_score_mode_on_a_balanced_sample(rt_dir, tmp_path):
    if not (models_dir() / SMOL / "config.json").is_file():
        pytest.skip(f"{SMOL} not installed in {models_dir()} (run ../shared/tools/get-models)")
    rows = [json.loads(line) for line in (rt_dir / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    sample = rows[:20] + rows[-20:]  # the test split is positives then negatives: 20 of each
    assert sorted(r["label"] for r in sample) == [0] * 20 + [1] * 20
    d = tmp_path / "rt40"
    write_jsonl(d / "test.jsonl", sample)
    write_jsonl(d / "train.jsonl", rows[:2] + rows[-2:])  # prompt methods load train; zero-shot ignores it
    (d / "labels.json").write_text((rt_dir / "labels.json").read_text())
    spec = RunSpec(DataSpec(str(d)), "local-chat", model=SMOL, params={"mode": "score", "prompt": README_PROMPT}, device="cpu", batch_size=20)
    out = execute(prepare(spec), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "done", out.error
    assert out.report.invalid == 0
    assert out.report.accuracy >= 0.6  # README: 0.65 on 200; 40 rows leave a wide interval
