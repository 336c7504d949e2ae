"""The attack harness's "edges" step (issue 20, "Safe at the edges"): what a second attack run found,
tried again on every run of benchmarks/attack.py so that it stays fixed.

- terminal injection: escape sequences and newlines in label names, texts, variant names and
  error messages; every stdout/stderr byte is checked for a raw control character;
- secrets in the base URL (fragment, path parameters, a query, a percent-encoded Bearer segment,
  OPENAI_BASE_URL) and a key echoed upper-cased, spelled out or as a logprob alternative (the
  planted-key scan at the end looks for those forms too);
- another program's SQLite file given as the store, and /proc/version to ``store check``;
- ``--rerun`` then SIGINT: the finished run must be whole afterwards;
- chat over ``--ray``; selective figures of the same file in two row orders;
- ``--json`` with a reader that leaves at once, for ``suspects`` and ``sweep``;
- silently wrong or misleading (:func:`misleading`): a figure on the rows the method fits on (eval,
  ``--calibrate-on``, a sweep's selection) or a sweep selecting on its test split must warn; a
  calibration split of one row must be refused, as must labels.json ``["1", "0"]`` read two ways,
  the ``classifier`` on a model with no trained head and a negative price; negative usage tokens
  must not be subtracted, a huge Retry-After must be one try said as such, and the key file's path
  must not change the run id.
- guards and hangs: a 10,000-variant sweep without ``--yes`` (refused, no run started); a server
  trickling its answer byte by byte against ``-p timeout=1`` (ends within seconds); ``--ray`` to a
  closed port (a clean error within seconds); a store with two hard-linked names (refused); a
  SIGSTOPped ``--devices`` worker, then SIGINT (the parent and its workers end within 30 s).

A wrong answer that exits 0 is counted as "silent wrong"; anything that needs more than the
harness's timeout, as a hang.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from terminal_signals import ctrl_c_as_in_a_terminal  # tests/, on the path attack.py sets

if TYPE_CHECKING:
    from attack import Harness

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
ESC_LABEL = "pos\x1b]0;pwned\x07\x1b[2J"


def jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def edges(h: Harness, server, PLANTED: str, REPO: Path) -> None:  # noqa: N803 - attack.py's constants
    from fake_openai import FakeOpenAI

    root, st = h.root, str(h.root / "stores" / "edges.sqlite")

    # ----- terminal injection
    d = h.data_dir("edges-escapes")
    train = [{"text": f"a {'good' if i % 2 else 'bad'} film \x1b[2J {i}", "label": ESC_LABEL if i % 2 else "neg\nline two"} for i in range(30)]
    (d / "train.jsonl").write_text(jsonl(train))
    (d / "test.jsonl").write_text(jsonl(train[:12]))
    runs = [
        h.run("edges:escapes eval", "edge", h.cli("--store", st, "eval", "--data", str(d), "--method", "majority", "-q", "--json", str(root / "esc.json"))),
        h.run("edges:escapes runs", "edge", h.cli("--store", st, "runs")),
        h.run("edges:escapes error line", "edge", h.cli("--store", st, "eval", "--data", str(root / "no\x1b]0;t\x07such\nfolder"), "--method", "majority")),
    ]
    try:
        run_id = json.loads((root / "esc.json").read_text())["run_id"]
        runs.append(h.run("edges:escapes show", "edge", h.cli("--store", st, "show", run_id[:12])))
        runs.append(h.run("edges:escapes suspects", "edge", h.cli("--store", st, "suspects", run_id[:12])))
    except (OSError, ValueError, KeyError):
        h.silent_wrong.append("edges:escapes eval wrote no JSON report")
    sweep = root / "esc-sweep.toml"
    sweep.write_text(
        f'[data]\nsource = "{d}"\n[sweep]\nmetric = "accuracy"\nbaseline = "a\\u001b[2J"\n[base]\nmethod = "keyword"\nmodel = "none"\n'
        '[[variants]]\nname = "a\\u001b[2J"\npatience = 1.0\n[[variants]]\nname = "b\\u001b]0;x\\u0007"\npatience = 2.0\n'
    )
    runs.append(h.run("edges:escapes sweep", "edge", h.cli("--store", st, "sweep", str(sweep), "-q", fake=True)))
    for o in runs:
        if RAW_CONTROL.search(o.stdout + o.stderr):
            h.silent_wrong.append(f"{o.name}: a raw control character reached the terminal")
        if o.name.endswith("show") and any(line.startswith("line two") for line in o.stdout.splitlines()):
            h.silent_wrong.append(f"{o.name}: a label's newline broke the report table")

    # ----- secrets in the base URL (the leak scan at the end finds what got through)
    fd = h.data_dir("edges-chat")
    (fd / "test.jsonl").write_text(jsonl([{"text": f"e{i} a good film", "label": 1} for i in range(4)] + [{"text": "bad [echoupper]", "label": 0}, {"text": "bad [echospaced]", "label": 0}]))
    (fd / "labels.json").write_text('["neg", "pos"]')
    urls = {
        "fragment": f"{server.url}#{PLANTED}", "path-params": f"{server.url};api_key={PLANTED}", "query-q": f"{server.url}?q={PLANTED}",
        "query-code": f"{server.url}?code={PLANTED}", "bearer-pct": f"{server.url}/Bearer%20{PLANTED}", "userinfo": server.url.replace("http://", f"http://me:{PLANTED}@"),
    }  # fmt: skip
    for name, url in urls.items():
        o = h.run(f"edges:base-url {name}", "edge", h.cli("--store", st, "eval", "--data", str(fd), "--method", "chat", "--base-url", url, "-q"))
        if o.rc == 0:
            h.silent_wrong.append(f"{o.name}: a base URL with {name} was accepted")
    env = h.env(OPENAI_BASE_URL=f"{server.url}#{PLANTED}")
    o = h.run("edges:base-url OPENAI_BASE_URL fragment", "edge", h.cli("--store", st, "eval", "--data", str(fd), "--method", "chat", "-q"), env=env)
    if o.rc == 0:
        h.silent_wrong.append(f"{o.name}: accepted")
    # a key echoed as a logprob alternative, upper-cased, spelled out: masked in the store
    with FakeOpenAI(alternatives={"Positive.": [("Positive", -0.05), (PLANTED, -1.0), (PLANTED.upper(), -2.0)]}) as echo:
        h.run("edges:key echoes", "edge", h.cli("--store", st, "eval", "--data", str(fd), "--method", "chat", "--base-url", echo.url,
                                                "-p", "max_retries=0", "-p", "logprobs=5", "-q"))  # fmt: skip

    # ----- a read-only command on another program's database
    foreign = root / "stores" / "places.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    for argv in (["runs"], ["show", "abc"], ["store", "check"]):
        o = h.run(f"edges:foreign db {argv[0]}", "edge", h.cli("--store", str(foreign), *argv), allowed=(1, 2))
        if o.rc == 0:
            h.silent_wrong.append(f"{o.name}: another program's database taken for a run store")
    if foreign.read_bytes() != before or any(p.name != "places.sqlite" for p in foreign.parent.glob("places.sqlite*")):
        h.silent_wrong.append("edges:foreign db: another program's database was changed")
    if Path("/proc/version").is_file():
        o = h.run("edges:store check /proc/version", "edge", h.cli("--store", "/proc/version", "store", "check"), allowed=(1, 2))
        if o.rc == 0:
            h.silent_wrong.append(f"{o.name}: said ok")

    # ----- two names (hard links) of one store: refused, so no run is computed twice
    linked = root / "stores" / "edges-linked.sqlite"
    if not linked.exists():
        os.link(st, linked)
    o = h.run("edges:hard-linked store", "edge", h.cli("--store", str(linked), "eval", "--data", str(d), "--method", "majority", "-q", "--rerun"))
    if o.rc == 0:
        h.silent_wrong.append(f"{o.name}: a store with two names was used (one run can be computed twice)")
    linked.unlink()

    # ----- --rerun then Ctrl-C keeps the finished run
    rd = h.data_dir("edges-rerun")
    (rd / "test.jsonl").write_text(jsonl([{"text": f"rerun {i} {'good' if i % 2 else 'bad'}", "label": i % 2} for i in range(120)]))
    rs = root / "stores" / "edges-rerun.sqlite"
    gate = root / "edges-rerun-gate"  # a parameter of the run (its identity): open for the first run, closed for the rerun
    gate.touch()
    first = h.cli("--store", str(rs), "eval", "--data", str(rd), "--method", "keyword", "--batch-size", "8", "-q", "-p", f"gate={gate}", fake=True)
    h.run("edges:rerun first", "edge", first)
    gate.unlink()
    argv = [*first, "--rerun"]
    proc = subprocess.Popen(argv, cwd=REPO, env=h.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_in_a_terminal)
    end = time.monotonic() + 60
    while time.monotonic() < end and proc.poll() is None:  # the rerun's first batch stored beside the finished run
        try:
            with sqlite3.connect(rs, timeout=10) as db:
                if db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] > 120:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    h.kills += 1
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        h.extra_failures.append("edges:rerun: did not end within 60 s of SIGINT")
    gate.touch()
    with sqlite3.connect(rs, timeout=30) as db:
        rows = db.execute("SELECT status, (SELECT COUNT(*) FROM predictions p WHERE p.run_id = r.run_id) FROM runs r").fetchall()
    if rows != [("done", 120)]:
        h.examples_lost += 120 - max((n for s, n in rows if s == "done"), default=0)
        h.extra_failures.append(f"edges:rerun then SIGINT: the store holds {rows}, not the finished run whole")
    else:
        h.kills_survived += 1

    # ----- a stopped --devices worker, then Ctrl-C: the parent ends within seconds
    if Path("/proc/self/stat").exists():
        _stopped_worker_then_ctrl_c(h, rd, root, REPO)

    # ----- chat over --ray; selective figures in two row orders
    o = h.run("edges:chat over --ray", "edge", h.cli("--store", st, "eval", "--data", str(fd), "--method", "chat", "--base-url", server.url, "--ray", "local", "-q"))
    if o.rc == 0:
        h.silent_wrong.append(f"{o.name}: ran (its requests, tokens and cost are counted nowhere)")
    rows = [{"text": f"tie {i}", "label": int(i % 3 == 0)} for i in range(60)]
    figures = []
    for name, ordered in (("fwd", rows), ("rev", rows[::-1])):
        od = h.data_dir(f"edges-order-{name}")
        (od / "train.jsonl").write_text(jsonl(rows))
        (od / "test.jsonl").write_text(jsonl(ordered))
        h.run(f"edges:selective {name}", "edge", h.cli("--store", st, "eval", "--data", str(od), "--method", "majority", "-q", "--json", str(root / f"sel-{name}.json")))
        try:
            figures.append(json.loads((root / f"sel-{name}.json").read_text())["selective"])
        except (OSError, ValueError, KeyError):
            figures.append(None)
    if figures[0] != figures[1] or figures[0] is None:
        h.silent_wrong.append(f"edges:selective figures change with row order: {figures}")

    # ----- guards: a temperature whose softmax is NaN, more CPU workers than cores
    o = h.run("edges:temperature 1e-320", "edge", h.cli("--store", st, "eval", "--data", str(od), "--method", "embed-zeroshot", "-p", "temperature=1e-320", "-q"))
    if o.rc == 0:
        h.silent_wrong.append(f"{o.name}: accepted (its labels change and its scores are NaN)")
    o = h.run("edges:64 cpu workers", "edge", h.cli("--store", st, "eval", "--data", str(od), "--method", "embed-zeroshot", "--devices", ",".join(["cpu"] * 64), "-q"))
    if o.rc == 0:
        h.silent_wrong.append(f"{o.name}: started 64 workers")
    big = root / "edges-big-sweep.toml"
    big.write_text(f'[data]\nsource = "{d}"\n[base]\nmethod = "keyword"\n[matrix]\npatience = [{", ".join(f"{i}.0" for i in range(10_000))}]\n')
    o = h.run("edges:10000-variant sweep", "edge", h.cli("--store", st, "sweep", str(big), "-q", fake=True), timeout=60)
    if o.rc == 0 or "--yes" not in o.stderr:
        h.silent_wrong.append(f"{o.name}: started without --yes (about 10,000 runs)")
    td = h.data_dir("edges-trickle")
    (td / "test.jsonl").write_text(jsonl([{"text": "a good film", "label": 1}, {"text": "bad [trickle]", "label": 0}]))
    (td / "labels.json").write_text('["neg", "pos"]')
    o = h.run("edges:trickling server, timeout=1", "edge", h.cli("--store", st, "eval", "--data", str(td), "--method", "chat", "--base-url", server.url,
                                                                 "-p", "timeout=1", "-p", "max_retries=0", "-q"), timeout=60)  # fmt: skip
    if o.rc is not None and o.seconds > 20:
        h.extra_failures.append(f"{o.name}: took {o.seconds:.0f} s (the timeout is each request's total)")
    o = h.run("edges:--ray to a closed port", "edge", h.cli("--store", st, "eval", "--data", str(od), "--method", "embed-zeroshot", "--ray", "127.0.0.1:1", "-q"), timeout=60)
    if o.rc == 0 or o.seconds > 20 or "nothing answers" not in o.stderr:
        h.extra_failures.append(f"{o.name}: no clean error within 20 s (rc {o.rc}, {o.seconds:.0f} s)")

    # ----- --json with a reader that leaves at once
    # suspects needs a run whose scores tell texts apart (a majority run is refused): the keyword double's
    h.run("edges:keyword run for suspects", "edge", h.cli("--store", st, "eval", "--data", "sample", "--method", "keyword", "-q", "--json", str(root / "kw.json"), fake=True))
    try:
        run_id = json.loads((root / "kw.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        run_id = "none"
    for name, args in (("suspects", h.cli("--store", st, "suspects", run_id[:12], "--json", str(root / "j-suspects.json"), fake=True)),
                       ("sweep", h.cli("--store", st, "sweep", str(sweep), "-q", "--json", str(root / "j-sweep.json"), fake=True))):  # fmt: skip
        h.run(f"edges:{name} --json | closed pipe", "edge", [" ".join(map(_quote, args)) + " | true"], shell=True)
        if not (root / f"j-{name}.json").is_file():
            h.silent_wrong.append(f"edges:{name} --json into a closed pipe: the JSON file was not written")

    misleading(h, server, st)


def misleading(h: Harness, server, st: str) -> None:
    """Issue 20's "silently wrong or misleading" items: warned, refused, or counted truthfully."""
    root = h.root

    def expect(o, *, rc: int, says: str, stream: str = "stdout") -> None:
        text = o.stdout if stream == "stdout" else o.stderr
        if o.rc == rc and says not in text:
            h.silent_wrong.append(f"{o.name}: exit {rc} without saying {says!r}")
        elif o.rc != rc and o.rc is not None:
            h.silent_wrong.append(f"{o.name}: exit {o.rc}, expected {rc} ({says!r})")

    # a figure on the rows the method fits on: warned, not refused
    o = h.run("edges:eval on the fit split", "edge", h.cli("--store", st, "eval", "--data", "sample", "--split", "train", "--method", "majority", "-q"))
    expect(o, rc=0, says="warning: the method fits on split 'train'")
    o = h.run("edges:calibrate on the fit split", "edge", h.cli("--store", st, "eval", "--data", "sample", "--method", "majority", "--calibrate-on", "train", "-q"))
    expect(o, rc=0, says="warning: the temperature is fitted on split 'train', the split the method fits on")
    for select, says in (("test", "the split the best is confirmed on"), ("train", "variant prior fits on its rows")):
        toml = root / f"select-{select}.toml"
        toml.write_text(f'[data]\nsource = "sample"\nselect_split = "{select}"\n[sweep]\nmetric = "accuracy"\nbaseline = "prior"\n'
                        '[base]\nmethod = "majority"\n[[variants]]\nname = "prior"\n[[variants]]\nname = "words"\nmethod = "keyword"\n')  # fmt: skip
        expect(h.run(f"edges:sweep selecting on {select}", "edge", h.cli("--store", st, "sweep", str(toml), fake=True)), rc=0, says=says)
    # refused: a calibration split of one row, a label read two ways, a model with no trained head
    d = h.data_dir("edges-misleading")
    rows = [{"text": f"a {'good' if i % 2 else 'bad'} film {i}", "label": i % 2} for i in range(20)]
    (d / "train.jsonl").write_text(jsonl(rows))
    (d / "test.jsonl").write_text(jsonl([{**r, "label": str(r["label"])} for r in rows[:8]]))  # the labels as text
    (d / "one.jsonl").write_text(jsonl(rows[:1]))
    (d / "labels.json").write_text('["1", "0"]')
    o = h.run("edges:labels.json read two ways", "edge", h.cli("--store", st, "eval", "--data", str(d), "--method", "majority", "-q"))
    expect(o, rc=2, says="is read two ways", stream="stderr")
    (d / "labels.json").write_text('["0", "1"]')  # names that are their own index: one reading, loads
    o = h.run("edges:calibrate on one row", "edge", h.cli("--store", st, "eval", "--data", str(d), "--method", "majority", "--calibrate-on", "one", "-q"))
    expect(o, rc=2, says="[--calibrate-on]", stream="stderr")
    o = h.run("edges:classifier with no trained head", "edge", h.cli("--store", st, "eval", "--data", str(d), "--method", "classifier", "--model", "all-MiniLM-L6-v2", "-q"))
    expect(o, rc=2, says="has no trained classification head", stream="stderr")
    # chat: a negative price refused; negative usage not subtracted; a huge Retry-After one try, said
    cd = h.data_dir("edges-accounting")
    (cd / "test.jsonl").write_text(jsonl([{"text": "e1 a good film", "label": 1}, {"text": "good [negusage]", "label": 1}, {"text": "good [429long]", "label": 1}]))
    (cd / "labels.json").write_text('["neg", "pos"]')
    prices = root / "prices.json"
    prices.write_text('{"gpt-4o-mini": [-0.15, 0.6]}')
    chat = ("--data", str(cd), "--method", "chat", "--base-url", server.url, "-p", "max_retries=2", "-p", "timeout=5", "-q")
    o = h.run("edges:negative price", "edge", h.cli("--store", st, "eval", *chat, "-p", f"price_file={prices}"))
    expect(o, rc=2, says="[-p price_file=", stream="stderr")
    key_a, key_b = root / "key-a", root / "elsewhere-key-b"
    for key in (key_a, key_b):
        key.write_text("sk-edges-keyfile-0000\n")  # not the planted key: the leak scan reads every file here
    ids = []
    for key in (key_a, key_b):
        out = root / f"chat-{key.name}.json"
        o = h.run(f"edges:chat with {key.name}", "edge", h.cli("--store", st, "eval", *chat, "--api-key-file", str(key), "--json", str(out)))
        try:
            report = json.loads(out.read_text())
            ids.append(report["run_id"])
        except (OSError, ValueError, KeyError):
            h.silent_wrong.append(f"{o.name}: wrote no JSON report")
            return
        if key is key_a and (re.search(r"prompt -\d|completion -\d", report["details"]["tokens"]) or "no valid token counts" not in report["details"]["tokens"]):
            h.silent_wrong.append(f"{o.name}: negative usage tokens counted: {report['details']['tokens']}")
    if ids[0] != ids[1]:
        h.silent_wrong.append("edges:chat key file: two runs differing in the key file's path alone got two run ids")
    with sqlite3.connect(st, timeout=30) as db:
        errors = [e for (e,) in db.execute("SELECT error FROM predictions WHERE run_id = ? AND text = 'good [429long]'", (ids[0],))]
    if server.tries("[429long]") != 1 or not errors or "(1 try; the server asked to wait 3600 s" not in (errors[0] or ""):
        h.silent_wrong.append(f"edges:429 with Retry-After 3600: {server.tries('[429long]')} requests seen, stored as {errors}")


def _stopped_worker_then_ctrl_c(h: Harness, data: Path, root: Path, repo: Path) -> None:
    """``--devices cpu,cpu``: one worker SIGSTOPped once a batch is stored, then SIGINT to the
    parent, which must end (and end its workers) within 30 s."""
    store = root / "stores" / "edges-stall.sqlite"
    argv = h.cli("--store", str(store), "eval", "--data", str(data), "--method", "embed-zeroshot", "--device", "cpu", "--devices", "cpu,cpu", "--batch-size", "4", "-q")
    proc = subprocess.Popen(argv, cwd=repo, env=h.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_in_a_terminal)
    workers: list[int] = []
    end = time.monotonic() + 240
    while time.monotonic() < end and proc.poll() is None:
        try:
            with sqlite3.connect(store, timeout=10) as db:
                if db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] >= 4:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.1)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == proc.pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                workers.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    h.kills += 1
    if workers:
        os.kill(workers[0], signal.SIGSTOP)
    start = time.monotonic()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=30)
        h.kills_survived += 1
    except subprocess.TimeoutExpired:
        h.extra_failures.append("edges:stopped --devices worker then SIGINT: the parent did not end within 30 s")
        proc.kill()
        proc.communicate()
    for pid in workers:  # nothing of the run may be left, stopped or not
        try:
            os.kill(pid, signal.SIGKILL)
            h.extra_failures.append(f"edges:stopped --devices worker then SIGINT: worker {pid} outlived its parent ({time.monotonic() - start:.0f} s)")
        except ProcessLookupError:
            pass


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
