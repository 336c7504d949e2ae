"""Fixing labels: the corrected copy in each format (untouched rows byte-identical, labels in the
file's own form), the audit file, refusals (an output that is the input, a row whose text
changed), decisions from a file, the review queue surviving a kill, and compare's note when the
gold differs."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod

from workbench.cli import main
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.errors import WorkbenchError
from workbench.methods import METHODS
from workbench.relabel import AUDIT_FILE, AUDIT_KEYS, Decision, accept_suggestions, read_audit, read_decisions
from workbench.relabel_write import rewrite
from workbench.spec import RunSpec
from workbench.suspects import text_sha256

FLIPPED = (3, 8, 13, 20)


def keyword_rows(n=40):
    rows = [{"text": f"a {'good' if i % 2 else 'bad'} film number {i}", "label": i % 2} for i in range(n)]
    for i in FLIPPED:
        rows[i]["label"] = 1 - rows[i]["label"]
    return rows


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def keyword_run(folder: Path, store: Path, **data):
    engine = Engine(store)
    outcome = engine.execute(engine.prepare(RunSpec(data=DataSpec(str(folder), **data), method="keyword")))
    assert outcome.status == "done"
    return engine, outcome.run_id


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- formats


def test_jsonl_untouched_lines_identical_changed_line_keeps_key_order(tmp_path):
    src = tmp_path / "train.jsonl"
    lines = ['{"id": 1, "text": "caf\\u00e9 ok", "label": "pos"}', '{"label":"neg","text":"x, y"}', "", '  {"text": "ünï", "label": "pos", "n": 2}\r', '{"text": "z", "label": "neg"}']
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    dest = tmp_path / "out.jsonl"
    rewrite(src, dest, "label", {1: "pos", 2: "neg"}, "utf-8-sig")  # rows count non-blank lines
    got = dest.read_bytes().decode("utf-8").split("\n")
    assert got[0] == lines[0] and got[2] == "" and got[4] == lines[4]
    assert got[1] == '{"label":"pos","text":"x, y"}'  # compact stays compact, key order kept
    assert got[3] == '  {"text": "ünï", "label": "neg", "n": 2}\r'  # raw non-ASCII stays raw, CRLF kept
    # Mixed escaping (Rotten Tomatoes escapes U+0097 and writes é raw): only the label's value changes.
    mixed = '{"text": "caf\u00e9 \\u0097 caf\u00e9 \\"label\\": 1", "label": 1}'
    src.write_text(mixed.replace("\\u00e9", "é") + "\n", encoding="utf-8")
    rewrite(src, dest, "label", {0: 0}, "utf-8")
    assert dest.read_text(encoding="utf-8") == mixed.replace("\\u00e9", "é")[: -2] + "0}\n"


def test_csv_and_tsv_keep_each_record_raw(tmp_path):
    text = '\ufefftext,label,note\r\n"quoted, text",0,a\r\nplain,1,"multi\r\nline"\r\n\r\n"say ""hi""",0,\r\n'
    src = tmp_path / "t.csv"
    src.write_bytes(text.encode("utf-8"))
    rewrite(src, tmp_path / "o.csv", "label", {1: "0", 2: "1"}, "utf-8-sig")
    out = (tmp_path / "o.csv").read_bytes()
    assert out == text.replace('multi\r\nline"', 'multi\r\nline"', 1).replace('"say ""hi""",0,', '"say ""hi""",1,').replace("plain,1,", "plain,0,").encode("utf-8")
    tsv = 'text\tlabel\n"a\tb"\tneg\nc\t"pos"\n'
    (tmp_path / "t.tsv").write_text(tsv, encoding="latin-1")
    rewrite(tmp_path / "t.tsv", tmp_path / "o.tsv", "label", {1: "neg"}, "latin-1")
    assert (tmp_path / "o.tsv").read_text(encoding="latin-1") == 'text\tlabel\n"a\tb"\tneg\nc\t"neg"\n'  # quoting kept
    rows = list(csv.reader(io.StringIO((tmp_path / "o.tsv").read_text(encoding="latin-1")), delimiter="\t"))
    assert rows[2] == ["c", "neg"]


def test_json_array_and_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    doc = [{"text": "a", "label": 0}, {"text": "b", "label": 1}]
    (tmp_path / "t.json").write_text(json.dumps(doc, indent=2) + "\n")
    rewrite(tmp_path / "t.json", tmp_path / "o.json", "label", {0: 1}, "utf-8")
    assert json.loads((tmp_path / "o.json").read_text()) == [{"text": "a", "label": 1}, {"text": "b", "label": 1}]
    assert (tmp_path / "o.json").read_text() == json.dumps([{"text": "a", "label": 1}, doc[1]], indent=2) + "\n"
    table = pa.table({"text": ["a", "b", "c"], "label": pa.array([0, 1, 0], type=pa.int8()), "extra": [1.5, None, 2.0]})
    pq.write_table(table, tmp_path / "t.parquet")
    rewrite(tmp_path / "t.parquet", tmp_path / "o.parquet", "label", {2: 1}, "utf-8")
    got = pq.read_table(tmp_path / "o.parquet")
    assert got.schema == table.schema and got.column("label").to_pylist() == [0, 1, 1] and got.column("extra").to_pylist() == [1.5, None, 2.0]


# ---------------------------------------------------------------- the corrected copy


def test_accepted_suggestions_written_with_audit_input_unchanged(tmp_path, keyword):
    data = tmp_path / "data"
    write_jsonl(data / "test.jsonl", keyword_rows())
    write_jsonl(data / "train.jsonl", keyword_rows()[:10])
    (data / "labels.json").write_text('["neg", "pos"]')
    before = snapshot(data)
    engine, run_id = keyword_run(data, tmp_path / "s.sqlite")
    suspects = engine.suspects(run_id)
    assert "the run's own scores" in suspects.evidence["test"] and "cleanlab" in suspects.evidence["test"]
    assert {s.row for s in suspects.suspects if s.split == "test"} == set(FLIPPED)  # a subset: the planted ones
    result = engine.relabel(run_id, accept_suggestions(suspects, split="test", top=3), tmp_path / "fixed")
    assert snapshot(data) == before  # never in place
    after = snapshot(tmp_path / "fixed")
    assert set(after) == set(before) | {AUDIT_FILE} and after["train.jsonl"] == before["train.jsonl"] and after["labels.json"] == before["labels.json"]
    old, new = before["test.jsonl"].split(b"\n"), after["test.jsonl"].split(b"\n")
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    audit = read_audit(tmp_path / "fixed")
    assert changed == sorted(line["row"] for line in audit) and len(changed) == 3 and set(changed) <= set(FLIPPED)
    for line in audit:
        assert list(line) == [k for k in AUDIT_KEYS if k != "id"] and line["decided"] == "accepted" and line["evidence_run"] == run_id
        row = json.loads(new[line["row"]])
        assert row["label"] == ["neg", "pos"].index(line["new"]) and isinstance(row["label"], int)  # the file's own form
        assert line["text_sha256"] == text_sha256(row["text"]) and line["at"].endswith("Z")
    assert result.files == ("test.jsonl",) and result.rerun_spec(engine.run(run_id).config.spec()).data.source == str(tmp_path / "fixed")


def test_refusals_out_is_input_text_changed_and_decisions_file(tmp_path, keyword):
    data = tmp_path / "data"
    rows = keyword_rows()
    write_jsonl(data / "test.jsonl", rows)
    (data / "labels.json").write_text('{"0": "neg", "1": "pos"}')
    engine, run_id = keyword_run(data, tmp_path / "s.sqlite", train_split=None)
    for out in (data, data / "sub"):
        with pytest.raises(WorkbenchError, match="is the input data or inside it"):
            engine.relabel(run_id, [], out)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(WorkbenchError, match="already exists"):
        engine.relabel(run_id, [], tmp_path / "full")
    decision = Decision("test", 3, "pos", text_sha256=text_sha256(rows[3]["text"]))
    rows[3]["text"] = "edited since"
    write_jsonl(data / "test.jsonl", rows)
    with pytest.raises(WorkbenchError, match="row 3 is not the row decided on: its text changed since"):
        engine.relabel(run_id, [decision], tmp_path / "o1")
    assert not (tmp_path / "o1").exists() and not list(tmp_path.glob(".o1.*"))  # nothing half-written
    # Decisions without a digest (a team's file) are checked against the data the run read.
    (tmp_path / "d.jsonl").write_text('{"split": "test", "row": 8, "label": "neg"}\n')
    decisions = read_decisions(tmp_path / "d.jsonl", ["neg", "pos"])
    with pytest.raises(WorkbenchError, match="the data changed since the evidence run read it"):
        engine.relabel(run_id, decisions, tmp_path / "o2")
    write_jsonl(data / "test.jsonl", keyword_rows())
    result = engine.relabel(run_id, decisions, tmp_path / "o2")
    assert [(c.row, c.old, c.new, c.decided) for c in result.changes] == [(8, "pos", "neg", "manual")]
    (tmp_path / "bad.jsonl").write_text('{"split": "test", "row": 8, "label": "maybe"}\n')
    with pytest.raises(WorkbenchError, match="line 1 has the label 'maybe'"):
        read_decisions(tmp_path / "bad.jsonl", ["neg", "pos"])


def test_cli_relabel_and_majority_refused(tmp_path, keyword, capsys):
    data = tmp_path / "data"
    rows = keyword_rows()
    csv_text = "text,label\r\n" + "".join(f'"{r["text"]}",{["neg", "pos"][r["label"]]}\r\n' for r in rows)
    data.mkdir()
    (data / "test.csv").write_text(csv_text, newline="")
    (data / "train.csv").write_text(csv_text, newline="")
    store = str(tmp_path / "s.sqlite")
    assert main(["--store", store, "eval", "--data", str(data), "--method", "keyword", "--json", str(tmp_path / "r.json")]) == 0
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    capsys.readouterr()
    assert main(["--store", store, "relabel", run_id[:10], "--split", "test", "--accept", "suggested", "--min-score", "0.5", "--out", str(tmp_path / "fixed")]) == 0
    out = capsys.readouterr().out
    assert "evidence for 'test':" in out and "4 labels changed (4 in 'test')" in out and "workbench eval --data" in out
    new = (tmp_path / "fixed" / "test.csv").read_bytes().decode().split("\r\n")
    old = csv_text.split("\r\n")
    assert [i - 1 for i, (a, b) in enumerate(zip(old, new)) if a != b] == list(FLIPPED)  # quoting and CRLF kept
    assert (tmp_path / "fixed" / "train.csv").read_bytes().decode() == csv_text
    assert main(["--store", store, "eval", "--data", str(tmp_path / "fixed"), "--method", "keyword", "--json", str(tmp_path / "r2.json")]) == 0
    after = json.loads((tmp_path / "r2.json").read_text())["run_id"]
    capsys.readouterr()
    assert main(["--store", store, "compare", run_id[:10], after[:10], "--json", str(tmp_path / "c.json")]) == 0
    out = capsys.readouterr().out
    assert "gold labels changed: 4" in out and "against run B's gold" in out and "each run's metrics are against its own gold" in out
    compared = json.loads((tmp_path / "c.json").read_text())
    assert compared["gold_changed"] == 4 and compared["deltas"]["accuracy"]["delta"] == pytest.approx(0.1)
    assert main(["--store", store, "relabel", run_id[:10], "--out", str(tmp_path / "x")]) == 2
    assert "--accept suggested" in capsys.readouterr().err
    assert main(["--store", store, "eval", "--data", str(data), "--method", "majority", "--json", str(tmp_path / "m.json")]) == 0
    majority = json.loads((tmp_path / "m.json").read_text())["run_id"]
    capsys.readouterr()
    assert main(["--store", store, "relabel", majority[:10], "--accept", "suggested", "--out", str(tmp_path / "y")]) == 2
    assert "gives no evidence about labels" in capsys.readouterr().err and not (tmp_path / "y").exists()


# ---------------------------------------------------------------- the review queue, before/after


def test_review_queue_survives_a_new_session_undo_and_compare_after(tmp_path, keyword):
    data = tmp_path / "data"
    write_jsonl(data / "test.jsonl", keyword_rows())
    (data / "labels.json").write_text('["neg", "pos"]')
    engine, run_id = keyword_run(data, tmp_path / "s.sqlite", train_split=None)
    queue = engine.review_queue(run_id)
    assert queue.progress() == "0 of 4 reviewed"
    first = queue.current()
    queue.accept()
    queue.skip()
    queue.keep()
    # A new engine on the same store (the first one killed): the decisions are there.
    again = Engine(tmp_path / "s.sqlite").review_queue(run_id)
    assert again.progress() == "2 of 4 reviewed" and again.decision_of(first).decided == "accepted"
    undone = again.undo()  # the keep
    assert undone is not None and again.current() == undone and again.progress() == "1 of 4 reviewed"
    again.choose(undone.suggested if undone.suggested != undone.gold else "pos")
    last = again.current()  # the one left: then the skipped one comes back
    again.accept()
    assert again.current() is not None and again.decision_of(again.current()).decided == "skipped"
    again.accept()
    assert again.current() is None and again.progress() == "4 of 4 reviewed" and last is not None
    result = engine.relabel(run_id, again.decisions(), tmp_path / "fixed")
    assert len(result.changes) == 4 and {c.decided for c in result.changes} == {"accepted", "manual"}
    spec = result.rerun_spec(engine.run(run_id).config.spec())
    after = engine.execute(engine.prepare(spec))
    assert after.run_id != run_id
    comparison = engine.compare(run_id, after.run_id)
    assert comparison.gold_changed == 4 and comparison.paired == 40
    assert any("4 gold labels of the paired examples differ" in n and "against run B's gold" in n for n in comparison.notes)
    assert comparison.deltas["accuracy"][2] == pytest.approx(4 / 40)
    assert comparison.mcnemar is not None and comparison.mcnemar.a_only == comparison.mcnemar.b_only == 0  # same model, one gold
    shutil.rmtree(tmp_path / "fixed")
