"""Methods with known behaviour, injected into the registry by tests."""

from __future__ import annotations

from workbench.methods import Method, Param, Prediction


class KeywordMethod(Method):
    """Predicts 'pos' (1) when a text contains 'good', 'neg' (0) when it contains 'bad', invalid
    otherwise; raises on any text containing 'EXPLODE' (a per-example failure)."""

    name = "keyword"
    description = "test double"
    default_model = "keyword-model"
    params = (Param("pause", 0.0, "seconds to sleep per batch", "float"),)
    batches_seen = 0

    def __init__(self, config):
        self.config = config

    def load(self, ctx):
        self.loaded_ = True

    def fit(self, texts, labels, ctx):
        return self

    def predict(self, texts, ctx):
        import time

        type(self).batches_seen += 1
        if self.config.params["pause"]:
            time.sleep(self.config.params["pause"])
        out = []
        for t in texts:
            if "EXPLODE" in t:
                raise RuntimeError("boom on " + t)
            if "good" in t:
                out.append(Prediction(1, [0.1, 0.9]))
            elif "bad" in t:
                out.append(Prediction(0, [0.9, 0.1]))
            else:
                out.append(Prediction(None, raw=f"no keyword in {t!r}"))
        return out

    def details(self, ctx=None):
        return {"rule": "good->pos, bad->neg"}
