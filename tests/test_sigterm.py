"""SIGTERM (a scheduler or a container stopping the process) ends a CLI run as Ctrl-C does: the
run is marked cancelled, what finished is kept, and it says how to resume."""

import signal

from fake_openai import FakeOpenAI
from test_interrupt import chat_eval, integrity, reviews, stored, wait_until


def test_sigterm_cancels_the_run_like_ctrl_c(tmp_path):
    store, data = tmp_path / "s.sqlite", reviews(tmp_path, 160)
    with FakeOpenAI(delay=0.03) as server:
        proc = chat_eval(store, data, server, tmp_path)
        try:
            wait_until(lambda: stored(store, "SELECT COUNT(*) FROM predictions", 0) >= 16, "16 stored predictions")
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out = (tmp_path / "stdout").read_text()
    run_id = stored(store, "SELECT run_id FROM runs")
    assert proc.returncode == 130, (tmp_path / "stderr").read_text()
    assert stored(store, "SELECT status FROM runs") == "cancelled"  # not left 'running' (interrupted)
    kept = stored(store, "SELECT COUNT(*) FROM predictions")
    assert 16 <= kept < 160 and f"covers the {kept} examples that finished" in out
    assert f"resume it with: workbench resume {run_id[:12]}" in out
    assert integrity(store) == "ok"
