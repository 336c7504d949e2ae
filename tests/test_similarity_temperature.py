"""The temperature of embed-centroid's and embed-zeroshot's softmax over cosine similarities:
fitted on the train split's labels (``temperature=fit``, centroid's default) or given (zero-shot's
default 0.05), the raw similarities kept with each prediction, the labels never moved by it."""

import numpy as np
import pytest

from workbench.data import DataSpec
from workbench.errors import ConfigError
from workbench.methods.base import softmax
from workbench.methods.embeddings import SIMILARITY_TEMPERATURE, EmbedCentroid, EmbedZeroShot, canonical_temperature, cosine, parse_temperature
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore


def test_temperature_forms_are_one_run_and_bad_ones_are_refused():
    assert canonical_temperature({"temperature": "0.050"}) == {"temperature": "0.05"}
    assert canonical_temperature({"temperature": 5e-2}) == {"temperature": "0.05"}
    assert canonical_temperature({"temperature": " FIT "}) == {"temperature": "fit"}
    assert parse_temperature("fit") is None and parse_temperature("0.1") == 0.1
    for bad in ("0", "-1", "inf", "nan", "warm", None):
        with pytest.raises(ConfigError) as caught:
            parse_temperature(bad)
        assert caught.value.field == "param:temperature" and "a number >= 1e-06 or 'fit'" in str(caught.value)
    assert EmbedCentroid.uses_train({"temperature": "0.05"}) and not EmbedZeroShot.uses_train({"temperature": "0.05"})
    assert EmbedZeroShot.uses_train({"temperature": "fit"})  # only to fit the temperature


def _raw_cosines(raw: str) -> list[float]:
    assert raw.startswith("cosine similarities: ")
    return [float(part.split()[-1]) for part in raw.removeprefix("cosine similarities: ").split(" | ")]


def _nll(sims: np.ndarray, y: np.ndarray, t: float) -> float:
    p = softmax(sims, t)
    return float(-np.log(p[np.arange(len(y)), y]).mean())


@pytest.mark.parametrize("method", ["embed-centroid", "embed-zeroshot"])
def test_fitted_temperature_maximises_train_likelihood_and_moves_no_label(tmp_path, method):
    store = RunStore(tmp_path / "s.sqlite")

    def run(temperature):
        spec = RunSpec(DataSpec("sample"), method, model="all-MiniLM-L6-v2", dtype="float32", params={"temperature": temperature})
        prep = prepare(spec)
        out = execute(prep, store)
        assert out.status == "done"
        return prep, out

    prep, fitted = run("fit")
    _, given = run("0.05")
    t = fitted.report.details["temperature"]
    assert t != SIMILARITY_TEMPERATURE and "fitted on the train split's labels" in (fitted.report.score_rule or "")
    assert "documented default" in (given.report.score_rule or "") and given.report.details["temperature"] == 0.05
    assert fitted.run_id != given.run_id  # the temperature is part of the run's identity
    a, b = store.predictions(fitted.run_id), store.predictions(given.run_id)
    assert [p.pred for p in a] == [p.pred for p in b]  # confidence moves, labels do not
    for p in a[:20]:
        cos = np.array([_raw_cosines(p.raw)])
        assert np.allclose(p.scores, softmax(cos, t)[0], atol=1e-4)  # the raw cosines are kept to 6 places
    # The fitted temperature is the train split's maximum-likelihood one.
    method_obj = prep.method_cls  # recompute the train similarities the fit saw
    train = prep.dataset.train
    assert train is not None
    from workbench.caches import Caches
    from workbench.methods import RunContext
    from workbench.steps import fitted_method

    ctx = RunContext(device="cpu", dtype="float32", cache=store)
    ctx.batch_size = 32
    fitted_obj = fitted_method(prep, ctx, Caches())
    assert isinstance(fitted_obj, method_obj) and abs(fitted_obj.temperature_ - t) < 1e-6
    x = fitted_obj.encode(train.texts, ctx).astype(np.float64)
    refs = fitted_obj.centroids_ if method == "embed-centroid" else fitted_obj.label_emb_
    sims, y = cosine(x, refs), np.asarray(train.labels)
    assert _nll(sims, y, t) <= min(_nll(sims, y, t * 1.2), _nll(sims, y, t / 1.2))
