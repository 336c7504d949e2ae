"""Bad data and parameters through the CLI: exit 2 and one ``error:`` line, and counted handling
reaching the report.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import write_jsonl
from fake_methods import KeywordMethod
from fuzz_helpers import no_hang

from workbench.cli import main
from workbench.methods import METHODS

# ---------------------------------------------------------------- through the CLI


@pytest.fixture
def keyword(monkeypatch):
    monkeypatch.setitem(METHODS, "keyword", KeywordMethod)


def cli_error(capsys, args: list[str]) -> str:
    with no_hang(60):
        code = main(args)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.mark.parametrize(
    "content, extra, pattern",
    [
        ({"test.csv": "text,label\ngood,pos\nbad, really,neg\n"}, [], r"line 3 has 3 fields"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n{oops\n'}, [], r"line 2 is not valid JSON"),
        ({"test.jsonl": b'{"text": "caf\xe9", "label": "pos"}\n'}, [], r"not readable as utf-8-sig"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--encoding", "base64"], r"unknown text encoding 'base64'"),
        ({"test.jsonl": '{"text": "", "label": "pos"}\n{"text": "good", "label": "neg"}\n'}, [], r"1 empty texts.*--skip-empty"),
        ({"test.jsonl": '{"text": "good", "label": ["pos"]}\n'}, [], r"row 1 has an array as its label"),
        ({"test.parquet": b"garbage"}, [], r"not a readable parquet file"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--limit", "0"], r"limit 0 is not a positive number.*\[--limit\]$"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--limit", "-5"], r"limit -5 is not a positive number.*\[--limit\]$"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["--batch-size", "0"], r"batch size 0 is not a positive number.*\[--batch-size\]$"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["-p", "patience=nan"], r"patience='nan' is not a valid float; expected a finite number"),
        ({"test.jsonl": '{"text": "good", "label": "pos"}\n'}, ["-p", "patience"], r"-p patience has no '='"),
    ],
)
def test_cli_bad_data_exits_2_with_one_error_line(keyword, tmp_path, capsys, content, extra, pattern):
    folder = tmp_path / "d"
    folder.mkdir()
    for name, data in content.items():
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    line = cli_error(capsys, ["eval", "--data", str(folder), "--method", "keyword", "-q"] + extra)
    assert re.search(pattern, line), line


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["--method", "nli-zeroshot", "--hypothesis", "This is {x} {}."], r"braces other than its one \{\}"),
        (["--method", "nli-zeroshot", "--hypothesis", "no slot"], r"needs exactly one \{\}"),
        (["--method", "nli-zeroshot", "--labels", "only one"], r"gave 1 texts for 2 classes"),
        (["--method", "seq2seq", "--prompt", "{text!r}"], r"no place for the text"),
        (["--method", "seq2seq", "--verbalizer", "yes"], r"verbalizer item 'yes' has no '='"),
        (["--method", "seq2seq", "--verbalizer", "yes=maybe"], r"'maybe' is not a label"),
        (["--method", "classifier", "--label-map", "=neg"], r"no model label before '='"),
        (["--method", "embed-zeroshot", "-p", "labels=one|one"], r"same label text"),
        (["--method", "embed-logreg", "-p", "C=0"], r"expected C > 0"),
        (["--method", "embed-logreg", "-p", "max_iter=1e3"], r"max_iter='1e3' is not a valid int"),
    ],
)
def test_cli_bad_parameters_exit_2_before_any_model_loads(tmp_path, capsys, args, pattern):
    d = tmp_path / "d"
    write_jsonl(d / "test.jsonl", [{"text": "good", "label": "pos"}, {"text": "bad", "label": "neg"}])
    write_jsonl(d / "train.jsonl", [{"text": "fine", "label": "pos"}, {"text": "awful", "label": "neg"}])
    # An unknown hub id resolves without loading; validation must refuse before the load would fail.
    line = cli_error(capsys, ["eval", "--data", str(d), "--model", "nobody/no-such-model", "-q"] + args)
    assert re.search(pattern, line), line


def test_cli_argparse_refuses_non_numbers(capsys):
    with pytest.raises(SystemExit) as info:
        main(["eval", "--data", "sample", "--method", "keyword", "--limit", "ten"])
    assert info.value.code == 2 and "invalid int value: 'ten'" in capsys.readouterr().err


def test_cli_counted_handling_reaches_the_report(keyword, tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    (d / "test.jsonl").write_text(
        '{"text": "good \\ud83d", "label": "pos"}\n{"text": "", "label": "neg"}\n{"text": "bad\\u0000 one", "label": "neg"}\n', encoding="utf-8"
    )
    assert main(["eval", "--data", str(d), "--method", "keyword", "--skip-empty", "-q", "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "note: skipped 1 empty texts in split 'test'" in out
    assert "note: 1 rows of split 'test' held unpaired surrogates (invalid Unicode), replaced by U+FFFD" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 2 and report["accuracy"] == 1.0
    assert report["truncated"] is None  # a method with no token limit cannot say
