"""Methods with known behaviour, injected into the registry by tests (in this process, or in one of
its own through fake_cli.py).

A test that must keep a run going while it looks at it, cancels it or kills its process holds it
at a *gate*: with ``-p gate=FILE`` every batch after the first of a run waits until FILE exists,
so the run stays in progress exactly as long as the test needs, on any machine under any load,
and the test lets it finish by creating the file (``open_gate``). A file, not a threading.Event,
because the CLI tests run the method in another process. A gate nobody opens lets the batch go
after ``patience`` seconds: a broken test fails on its own assertions instead of hanging."""

from __future__ import annotations

import os
import time
from pathlib import Path

from workbench.errors import ConfigError
from workbench.methods import Method, Param, Prediction

GATE_PARAMS = (
    Param("gate", "", "a file: every batch after a run's first waits until it exists (empty: none)", "str"),
    Param("patience", 60.0, "seconds a batch waits at most for the gate", "float"),
)


def open_gate(path: str | Path) -> None:
    """Let a run held at this gate go on (the batch waiting now and every later one)."""
    Path(path).touch()


def hold_at_gate(method, ctx) -> None:
    """The gate of GATE_PARAMS, for a method whose config carries them. The first batch of each run
    (each RunContext) passes, so a held run has shown progress."""
    gate = method.config.params.get("gate")
    if getattr(method, "gate_run_", None) is not ctx:
        method.gate_run_ = ctx  # a new run (a fitted method is reused across runs in the UI)
        return
    if not gate:
        return
    end = time.monotonic() + float(method.config.params.get("patience") or 60.0)
    while not Path(gate).exists() and time.monotonic() < end:
        time.sleep(0.01)  # polling a real signal, the file; its timeout only ends a broken test


class KeywordMethod(Method):
    """Predicts 'pos' (1) when a text contains 'good', 'neg' (0) when it contains 'bad', invalid
    otherwise; raises on any text containing 'EXPLODE' (a per-example failure)."""

    name = "keyword"
    description = "test double"
    default_model = "keyword-model"
    params = GATE_PARAMS
    batches_seen = 0

    def __init__(self, config):
        self.config = config

    def load(self, ctx):
        self.loaded_ = True

    def fit(self, texts, labels, ctx):
        return self

    def predict(self, texts, ctx):
        type(self).batches_seen += 1
        hold_at_gate(self, ctx)
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


class LabelWordMethod(Method):
    """Zero-shot by keyword: a class scores the number of its label text's words found in the
    text; no word found is invalid. With the default label texts (the names neg/pos) almost
    everything is invalid; with labels=["bad", "good"] it classifies."""

    name = "label-words"
    description = "test double: label texts are keywords"
    default_model = "label-words-model"
    params = (Param("labels", None, "one keyword text per class", "texts"), *GATE_PARAMS)

    def __init__(self, config):
        self.config = config

    def label_texts(self) -> list[str]:
        texts = self.config.params.get("labels") or list(self.config.label_names)
        if any(not t.strip() for t in texts):
            raise ConfigError("a label text is empty")
        return list(texts)

    def validate(self) -> None:
        self.label_texts()

    def load(self, ctx):
        pass

    def fit(self, texts, labels, ctx):
        self.words_ = [t.lower().split() for t in self.label_texts()]
        return self

    def predict(self, texts, ctx):
        hold_at_gate(self, ctx)
        out = []
        for text in texts:
            tokens = text.lower().split()
            scores = [float(sum(tokens.count(w) for w in words)) for words in self.words_]
            best = max(scores)
            out.append(Prediction(scores.index(best), scores) if best > 0 else Prediction(None, scores, raw="no label word"))
        return out

    def details(self, ctx=None):
        return {"label_words": " | ".join(" ".join(w) for w in self.words_)}


class ApiWords(LabelWordMethod):
    """Like a chat method: no local model, so no device to pick and no dtype."""

    runs_locally = False


class WordVotes(Method):
    """A tiny method that fits: each train text's words vote for its label; a text takes the label
    its words voted for most (ties and unknown words: the first class). More train rows, more
    words known, so a learning curve of it rises. A ``seed`` parameter (a curve passes its seed)."""

    name = "word-votes"
    description = "test double: fits word counts per class"
    default_model = None
    runs_locally = False
    params = (Param("seed", 0, "unused; a curve sets it", "int"), *GATE_PARAMS)

    @classmethod
    def uses_train(cls, params):
        return True

    def __init__(self, config):
        self.config = config

    def load(self, ctx):
        pass

    def fit(self, texts, labels, ctx):
        k = len(self.config.label_names)
        self.votes_: dict[str, list[int]] = {}
        for text, y in zip(texts or (), labels or ()):
            for w in set(text.lower().split()):
                self.votes_.setdefault(w, [0] * k)[y] += 1
        return self

    def predict(self, texts, ctx):
        hold_at_gate(self, ctx)
        k = len(self.config.label_names)
        out = []
        for text in texts:
            tally = [1.0] * k
            for w in set(text.lower().split()):
                for c, n in enumerate(self.votes_.get(w, [0] * k)):
                    tally[c] += n
            total = sum(tally)
            scores = [t / total for t in tally]
            out.append(Prediction(max(range(k), key=lambda c: (scores[c], -c)), scores))
        return out


def worker_main_with_fakes(prep, store_path, batch_size, threads, *rest) -> None:
    """A ``--devices`` worker (device_pool._worker_main) that knows the test doubles: a worker is a
    process of its own, started fresh, where the tests' registrations are not. No torch threads
    set (the doubles need no torch, and importing it would only slow the worker's start)."""
    from workbench import device_pool
    from workbench.methods import METHODS

    METHODS.update({"keyword": KeywordMethod, "label-words": LabelWordMethod})
    device_pool._worker_main(prep, store_path, batch_size, None, *rest)


def worker_main_first_one_stalls(prep, store_path, batch_size, threads, tasks, results, *rest, claim: str, half_sent: bool) -> None:
    """A ``--devices`` worker of which the first to start (the one that creates the file ``claim``)
    stops itself (SIGSTOP) before it has said a word; with ``half_sent``, once it has written the
    first 4 KiB of a 1 MiB message on its result queue (stopped in the middle of sending a large
    result). The others are :func:`worker_main_with_fakes`."""
    import signal
    import struct

    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        worker_main_with_fakes(prep, store_path, batch_size, threads, tasks, results, *rest)
        return
    if half_sent:  # multiprocessing's framing: a 4-byte big-endian length, then that many bytes
        os.write(results._writer.fileno(), struct.pack("!i", 1 << 20) + b"\x80" * 4096)
    os.kill(os.getpid(), signal.SIGSTOP)
