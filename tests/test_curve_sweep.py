"""A learning curve as a sweep file (``[curve]``): `workbench sweep FILE` runs it through the same
run_curve as `workbench curve` (same points, same JSON), every bad key is named, the checks are
check_curve's; and a curve exported as HTML (inline SVG), Markdown and CSV. A tiny fitting test
double (fake_methods.WordVotes) on a few rows: every test runs in well under a second."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap

import pytest
from conftest import write_jsonl
from fake_methods import WordVotes

from workbench.cli import main
from workbench.curve import ALL, Curve, CurvePoint, method_lines
from workbench.curve_config import CurveConfig, curve_from_spec, load_sweep_file, parse_curve
from workbench.data import DataSpec
from workbench.engine import Engine
from workbench.export.curve_page import curve_csv, curve_format, curve_html, curve_markdown
from workbench.spec import RunSpec
from workbench.sweep_config import SweepConfigError, load_sweep

POS = "great wonderful loved brilliant fine good superb moving".split()
NEG = "awful terrible hated boring dull bad clumsy tedious".split()


def rows(n: int, offset: int = 0) -> list[dict]:
    return [{"text": f"the film was {(POS if i % 2 else NEG)[(i // 2 + offset) % 8]}", "label": "pos" if i % 2 else "neg"} for i in range(n)]


@pytest.fixture
def votes(monkeypatch):
    from workbench.methods import METHODS

    monkeypatch.setitem(METHODS, "word-votes", WordVotes)


@pytest.fixture
def data(tmp_path):
    write_jsonl(tmp_path / "d" / "train.jsonl", rows(24))
    return str(write_jsonl(tmp_path / "d" / "test.jsonl", rows(16, offset=3)).parent)


def curve_file(tmp_path, body: str, name: str = "curve.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD = """\
    [data]
    source = "d"
    [curve]
    methods = ["word-votes", "majority"]
    per_class = [2, 4, "all"]
    seeds = [0, 1]
    metric = "accuracy"
"""


def test_a_curve_file_runs_the_same_curve_as_the_curve_command(votes, data, tmp_path, capsys):
    path = curve_file(tmp_path, GOOD)
    config = load_sweep_file(path)
    assert isinstance(config, CurveConfig) and config.sizes == (2, 4, ALL) and config.seeds == (0, 1)
    assert config.data.source == data  # relative to the file
    assert main(["sweep", str(path), "--json", str(tmp_path / "sweep.json"), "--export", str(tmp_path / "curve.html")]) == 0
    out = capsys.readouterr().out
    assert "mean accuracy" in out and "train examples per class" in out and "word-votes" in out and "wrote " in out
    by_sweep = json.loads((tmp_path / "sweep.json").read_text())
    assert len(by_sweep["points"]) == 2 * 2 * 2 + 2 and all(p["status"] == "done" for p in by_sweep["points"])
    assert "<svg" in (tmp_path / "curve.html").read_text()

    # the same curve by the command: every point found in the store, the same figures
    args = ["curve", "--data", data, "--method", "word-votes", "--method", "majority", "--per-class", "2", "4", "all", "--seeds", "0", "1", "-q"]
    assert main([*args, "--json", str(tmp_path / "cmd.json")]) == 0
    by_command = json.loads((tmp_path / "cmd.json").read_text())
    assert all(p["reused"] for p in by_command["points"])
    assert by_command["summary"] == by_sweep["summary"]
    assert [p["run_id"] for p in by_command["points"]] == [p["run_id"] for p in by_sweep["points"]]


def test_a_curve_file_rises_with_examples_per_class(votes, data, tmp_path):
    curve = Engine(tmp_path / "store.sqlite").curve(parse_curve({"data": {"source": data}, "curve": {"methods": ["word-votes"], "per_class": [1, 8], "seeds": [0]}}))
    small, large = (p.value for p in curve.points)
    assert small is not None and large is not None and large > small


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[curve]\nmethods = ["word-votes"]\nper_clas = [2]\n', "per_clas"),
        ('[curve]\nmethods = ["word-votes"]\nper_class = [2, "x"]\n', "per_class"),
        ('[curve]\nmethods = ["word-votes"]\nper_class = [2, 2]\n', "per_class"),
        ('[curve]\nmethods = ["word-votes"]\nseeds = ["a"]\n', "seeds"),
        ('[curve]\nmethods = ["word-votes"]\nseeds = []\n', "seeds"),
        ('[curve]\nmethods = ["embed-zeroshot"]\n', "methods"),
        ('[curve]\nmethods = ["no-such-method"]\n', "methods"),
        ("[curve]\nper_class = [2]\n", "methods"),
        ('[curve]\nmethods = "word-votes"\n', "methods"),
        ('[curve]\nmethods = ["word-votes"]\nmetric = "ece"\n', "metric"),
        ('[curve]\nmethods = [{method = "word-votes", per_class = 4}]\n', "per_class"),
        ('[curve]\nmethods = [{method = "word-votes", colour = "red"}]\n', "colour"),
        ('[curve]\nmethods = [{method = "word-votes", seed = 3}]\n', "seed"),
        ('[curve]\nmethods = ["word-votes"]\n[[variants]]\nname = "a"\n', "variants"),
        ('[curve]\nmethods = ["word-votes"]\n[sweep]\nmetric = "accuracy"\n', "sweep"),
        ('[data]\nselect_split = "validation"\n[curve]\nmethods = ["word-votes"]\n', "select_split"),
        ('[curve]\nmethods = ["word-votes"]\n[base]\ndevice = "gpu"\n', "device"),
        ('[curve]\nmethods = ["word-votes"]\n[base]\nmethod = "majority"\n', "method"),
    ],
)
def test_a_bad_curve_file_names_the_key(votes, tmp_path, body, key):
    with pytest.raises(SweepConfigError) as err:
        load_sweep_file(curve_file(tmp_path, body))
    assert err.value.key == key, str(err.value)


def test_a_bad_curve_file_is_one_line_from_the_command(votes, tmp_path, capsys):
    path = curve_file(tmp_path, '[curve]\nmethods = ["embed-zeroshot"]\n')
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert "key 'methods'" in err and "does not fit on the train split" in err and "Traceback" not in err


def test_the_variants_reader_refuses_a_curve_file(tmp_path):
    with pytest.raises(SweepConfigError) as err:
        load_sweep(curve_file(tmp_path, GOOD))
    assert err.value.key == "curve"


def test_export_of_an_ordinary_sweep_is_refused(tmp_path, capsys):
    path = curve_file(tmp_path, '[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n')
    assert main(["sweep", str(path), "--export", str(tmp_path / "x.html")]) == 2
    assert "has no [curve]" in capsys.readouterr().err


def test_a_curve_from_the_current_setup_keeps_its_method_and_settings(votes, data):
    spec = RunSpec(data=DataSpec(source=data, split="test", limit=10), method="word-votes", params={"seed": 5, "gate": ""}, device="cpu", dtype="float32")
    config = curve_from_spec(spec, sizes=[2, 4], seeds=[0])
    assert config.method_list() == [("word-votes", None, {"gate": ""})]  # the seed is the curve's
    base = config.base_spec()
    assert base.data.split == "test" and base.data.limit == 10 and base.device == "cpu" and base.dtype == "float32"
    with pytest.raises(SweepConfigError) as err:
        curve_from_spec(RunSpec(data=DataSpec(source=data), method="embed-zeroshot"))
    assert err.value.key == "methods"


def test_one_method_twice_is_two_lines(votes, data, tmp_path):
    assert method_lines([("embed-logreg", "org/a-model", {}), ("embed-logreg", "b", {}), ("majority", None, {})]) == ["embed-logreg:a-model", "embed-logreg:b", "majority"]
    config = parse_curve({"data": {"source": data}, "curve": {"methods": ["word-votes", "word-votes"], "per_class": [2], "seeds": [0]}})
    curve = Engine(tmp_path / "store.sqlite").curve(config)
    assert [r["method"] for r in curve.summary()] == ["word-votes:default#1", "word-votes:default#2"]


# ---------------------------------------------------------------- export

HOSTILE = 'm<script>alert(1)</script>|`x`_y_ "q" \x1b[2J'


def hostile_curve() -> Curve:
    pts = [CurvePoint("word-votes", size, seed, value=v, status="done", run_id=f"{size}{seed}" * 6, line=HOSTILE) for size, seed, v in
           [(2, 0, 0.5), (2, 1, 0.6), (8, 0, 0.7), (8, 1, 0.8), (ALL, 0, 0.9)]]  # fmt: skip
    pts.append(CurvePoint("majority", 2, 0, value=0.5, status="done", line="majority"))
    pts.append(CurvePoint("majority", 8, 0, status="failed", error="<b>boom</b>", line="majority"))
    return Curve("accuracy", pts)


def test_the_html_export_draws_the_curve_and_escapes_every_text():
    page = curve_html(hostile_curve(), f"learning curve: {HOSTILE}", HOSTILE)
    assert "<script" not in page and "<b>boom" not in page and "\x1b" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;boom&lt;/b&gt;" in page
    assert page.count('<polygon class="band s0"') == 1  # the spread of the method with two seeds
    assert page.count('<polyline class="mean') == 2 and page.count('<line class="whole s0"') == 1
    assert "Content-Security-Policy" in page and "src=" not in page and "href" not in page  # nothing fetched
    assert "0.5500" in page and "0.0707" in page  # the table: mean and sd at 2 per class


def test_the_markdown_and_csv_exports_hold_the_table():
    md = curve_markdown(hostile_curve(), "learning curve", HOSTILE)
    for block in md.split("\n\n"):
        table = [re.sub(r"\\\|", "", line) for line in block.splitlines() if line.startswith("|")]
        assert all(line.count("|") == table[0].count("|") for line in table)  # no cell broke its row
    assert "<script" not in md and "\\|" in md and "\x1b" not in md
    got = list(csv.DictReader(io.StringIO(curve_csv(hostile_curve()))))
    shown = HOSTILE.replace("\x1b", "\u241b")  # the escape character as its sign
    assert [(r["method"], r["per_class"], r["seeds"]) for r in got] == [(shown, "2", "2"), (shown, "8", "2"), (shown, "all", "1"), ("majority", "2", "1"), ("majority", "8", "0")]
    assert float(got[0]["mean"]) == pytest.approx(0.55) and got[4]["mean"] == ""


def test_the_export_format_is_told_by_the_suffix(tmp_path):
    from workbench.errors import WorkbenchError

    assert [curve_format(n) for n in ("a.html", "b.MD", "c.csv", "d.htm")] == ["html", "md", "csv", "html"]
    with pytest.raises(WorkbenchError, match="html, .md or .csv"):
        curve_format("e.pdf")
