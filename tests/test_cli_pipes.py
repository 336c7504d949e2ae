"""The command line into a pipe whose reader leaves early (`workbench show RUN | head -1`): it ends
quietly (exit 141, as a tool killed by SIGPIPE does; no 'internal error'), and a JSON report asked
for is written all the same."""

import json
import os
import subprocess
import sys

from conftest import REPO


def workbench(tmp_path, *args):
    env = dict(os.environ, WORKBENCH_STORE=str(tmp_path / "s.sqlite"), PYTHONPATH=str(REPO))
    return [sys.executable, "-m", "workbench", *args], env


def closed_reader(cmd, env) -> tuple[int, str]:
    """Run ``cmd`` with its stdout a pipe whose reading end is closed before it writes a byte."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    p.stdout.close()
    err = p.stderr.read().decode()
    return p.wait(timeout=300), err


def test_eval_and_show_into_a_closed_pipe_end_quietly_with_the_json_written(tmp_path):
    cmd, env = workbench(tmp_path, "eval", "--data", "sample", "--method", "majority", "-q", "--json", str(tmp_path / "first.json"))
    rc, err = closed_reader(cmd, env)
    assert (rc, err) == (141, "")
    report = json.loads((tmp_path / "first.json").read_text())
    assert report["method"] == "majority" and report["n"] > 0

    rc, err = closed_reader([*cmd[:-1], str(tmp_path / "again.json")], env)  # the stored run, shown
    assert (rc, err) == (141, "") and json.loads((tmp_path / "again.json").read_text())["run_id"] == report["run_id"]

    rc, err = closed_reader(workbench(tmp_path, "show", report["run_id"][:12], "--json", str(tmp_path / "show.json"))[0], env)
    assert (rc, err) == (141, "") and json.loads((tmp_path / "show.json").read_text())["run_id"] == report["run_id"]


def test_show_piped_into_head(tmp_path):
    cmd, env = workbench(tmp_path, "eval", "--data", "sample", "--method", "majority", "-q", "--json", str(tmp_path / "r.json"))
    subprocess.run(cmd, env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    show = " ".join(workbench(tmp_path, "show", run_id[:12])[0])
    r = subprocess.run(["bash", "-c", f"{show} | head -1; echo \"rc=${{PIPESTATUS[0]}}\""], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    first, status = r.stdout.splitlines()
    assert first.startswith(f"run {run_id[:12]}") and status in ("rc=0", "rc=141")  # 0 when it wrote all before head left
    assert r.stderr == ""


def test_suspects_and_sweep_into_a_closed_pipe_write_their_json_first(tmp_path):
    """Issue 20, item 11: `suspects ... --json F | head` and `sweep ... --json F | head`."""
    fake = [sys.executable, str(REPO / "tests" / "fake_cli.py")]  # the keyword test double: its scores depend on the text
    _, env = workbench(tmp_path)
    subprocess.run(fake + ["eval", "--data", "sample", "--method", "keyword", "-q", "--json", str(tmp_path / "r.json")], env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
    run_id = json.loads((tmp_path / "r.json").read_text())["run_id"]
    rc, err = closed_reader(fake + ["suspects", run_id[:12], "--json", str(tmp_path / "s.json")], env)
    assert (rc, err) == (141, "") and json.loads((tmp_path / "s.json").read_text())["run_id"] == run_id

    toml = tmp_path / "s.toml"  # the keyword test double (tests/fake_cli.py): two variants, two runs, no model
    toml.write_text(
        '[data]\nsource = "sample"\n[sweep]\nmetric = "accuracy"\nbaseline = "a"\n[base]\nmethod = "keyword"\nmodel = "none"\n'
        '[[variants]]\nname = "a"\npatience = 1.0\n[[variants]]\nname = "b"\npatience = 2.0\n',
        encoding="utf-8",
    )
    sweep = [sys.executable, str(REPO / "tests" / "fake_cli.py"), "sweep", str(toml), "-q", "--json", str(tmp_path / "sweep.json")]
    rc, err = closed_reader(sweep, env)
    result = json.loads((tmp_path / "sweep.json").read_text())
    assert rc in (0, 141) and err == "" and [v["name"] for v in result["variants"]] == ["a", "b"] and result["best"] in ("a", "b")
