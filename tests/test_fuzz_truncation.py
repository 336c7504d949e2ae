"""Huge texts on tiny real models: truncated, counted in the report, and shown.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import pytest
from conftest import write_jsonl
from fuzz_helpers import no_hang
from tiny_models import WORDS, tiny_bert_classifier

from workbench.data import DataSpec
from workbench.report import JSON_KEYS, report_json, report_text
from workbench.runner import execute, prepare
from workbench.spec import RunSpec
from workbench.store import RunStore

# ---------------------------------------------------------------- huge texts: truncated, counted, reported

LONG = " ".join(WORDS[i % len(WORDS)] for i in range(2000))  # 2000 words: far over any tiny model's limit


@pytest.fixture(scope="module")
def tiny_classifier(tmp_path_factory):
    return tiny_bert_classifier(tmp_path_factory.mktemp("clf"), ["negative", "positive"])


def test_classifier_report_counts_truncated_texts(tiny_classifier, tmp_path):
    texts = ["a great film", "an awful plot", LONG, "terrible " * 116_000, "good " * 62, "good " * 63]
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": ["neg", "pos"][i % 2]} for i, t in enumerate(texts)])
    with no_hang(120):
        out = execute(prepare(RunSpec(DataSpec(str(d)), "classifier", model=str(tiny_classifier), batch_size=4)), RunStore(tmp_path / "s.sqlite"))
    assert out.status == "done", out.error
    # 64 positions less [CLS] and [SEP]: 62 words fit, 63 do not; the 1 MB text is counted too.
    assert out.report.truncated == 3
    assert "3 texts were longer than the model reads: 64 tokens (62 for text), and were truncated" in out.report.notes
    as_json = report_json(out.report)
    assert list(as_json)[: len(JSON_KEYS)] == list(JSON_KEYS) and as_json["truncated"] == 3
    assert "truncated   3 of 6" in report_text(out.report)


def test_short_texts_are_not_counted_and_not_shown(tiny_classifier, tmp_path):
    d = tmp_path / "data"
    write_jsonl(d / "test.jsonl", [{"text": t, "label": y} for t, y in (("a great film", "pos"), ("awful", "neg"))])
    out = execute(prepare(RunSpec(DataSpec(str(d)), "classifier", model=str(tiny_classifier))), RunStore(tmp_path / "s.sqlite"))
    assert out.report.truncated == 0 and not any("truncated" in n for n in out.report.notes)
    assert "truncated" not in report_text(out.report)


def test_embedding_methods_count_against_max_seq_length(tiny_classifier, tmp_path):
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers 6 moved the modules; 5 has them in .models
        from sentence_transformers.sentence_transformer.modules import (
            Pooling,
            Transformer,
        )
    except ImportError:  # pragma: no cover
        from sentence_transformers.models import Pooling, Transformer

    word = Transformer(str(tiny_classifier), max_seq_length=32)
    SentenceTransformer(modules=[word, Pooling(16)]).save(str(tmp_path / "st"))
    d = tmp_path / "data"
    rows = [{"text": t, "label": y} for t, y in (("a great film", "pos"), (LONG, "neg"), ("awful plot", "neg"), ("good " * 31, "pos"))]
    write_jsonl(d / "test.jsonl", rows)
    write_jsonl(d / "train.jsonl", rows)
    for method in ("embed-zeroshot", "embed-logreg"):
        out = execute(prepare(RunSpec(DataSpec(str(d)), method, model=str(tmp_path / "st"))), RunStore(tmp_path / "s.sqlite"))
        assert out.status == "done", out.error
        assert out.report.truncated == 2, method  # 32 less [CLS]/[SEP] = 30 words fit
        assert "2 texts were longer than the model reads: 32 tokens (30 for text), and were truncated" in out.report.notes


def test_counting_a_test_split(tiny_classifier):
    """The count runs over the whole evaluated split (1066 texts: Rotten Tomatoes' test size) with
    the fast tokenizer; with a key it is made once per process (re-runs that edit label texts)."""
    from transformers import AutoTokenizer

    from workbench.models import RecentCache
    from workbench.truncation import text_lengths

    def count_truncated(method, texts, key=None, cache=None):
        """How many texts the model reads only the start of, and its limit, from the lengths."""
        found = text_lengths(method, texts, key, cache)
        return None if found is None else (sum(n > found[1] for n in found[0]), found[1])

    lengths = RecentCache(size=8)  # an engine's cache of measured lengths (workbench/caches.py)

    tokenizer = AutoTokenizer.from_pretrained(tiny_classifier)
    calls: list[int] = []

    def counting_tokenizer(texts, **kwargs):
        calls.append(len(texts))
        return tokenizer(texts, **kwargs)

    class WithLimit:
        def token_limit(self):
            return counting_tokenizer, 62

    method = WithLimit()
    texts = [" ".join(WORDS[(i + j) % len(WORDS)] for j in range(5 + i % 70)) for i in range(1066)]
    expected = sum(len(t.split()) > 62 for t in texts)
    # its speed (about 0.05 s for these 1066) is measured by hand, never asserted: CI machines are noisy
    assert expected > 0 and count_truncated(method, texts, key="split-a", cache=lengths) == (expected, 62)
    tokenized = sum(calls)
    assert tokenized >= 1066
    assert count_truncated(method, texts, key="split-a", cache=lengths) == (expected, 62) and sum(calls) == tokenized  # kept
    assert count_truncated(method, texts) == (expected, 62) and sum(calls) >= 2 * tokenized  # no key: counted again
    assert count_truncated(object(), texts) is None  # a method without the hook: unknown, not 0
