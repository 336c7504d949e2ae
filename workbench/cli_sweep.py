"""The sweep's leaderboard in the terminal (``workbench sweep``): one line per variant as its run
ends, then the sorted board and the test confirmation of the best against the baseline."""

from __future__ import annotations

from .results import note_line
from .safe_text import visible


class Leaderboard:
    """The sweep's leaderboard, one line per variant as its run ends, then the test confirmation."""

    def __init__(self, metric: str, baseline: str):
        self.metric, self.baseline = metric, baseline
        self.width = 12
        self.shown: set[str] = set()

    def header(self, plan) -> None:
        c = plan.config
        self.width = min(48, max(12, *(len(v.name) for v in c.variants)))
        ev = plan.preps[c.baseline].dataset.eval
        print(f"sweep {visible(c.name)}: {len(c.variants)} variants on {visible(ev.name)} (n={len(ev)}), metric {c.metric}, baseline {c.baseline}")
        for note in plan.notes:
            print(visible(note_line(note)))
        self.shown.update(plan.notes)
        print(f"  {'variant':<{self.width}}  {c.metric:>8}  {'95% interval':<16}  {'vs ' + c.baseline[:10]:>13}  {'time':>7}", flush=True)

    def _row(self, vr, res) -> str:
        from .sweep_results import metric_interval

        value = vr.value(self.metric)
        if value is None:
            return f"  {visible(vr.name):<{self.width}}  {vr.status}" + (f": {visible(vr.error[:120])}" if vr.error else "")
        ci = metric_interval(vr.select, self.metric)
        base = res.result(self.baseline).value(self.metric)
        diff = f"{value - base:+.4f}" if base is not None else "-"
        when = "cached" if vr.reused else f"{vr.elapsed_s:.1f}s"
        interval = f"[{ci[0]:.4f}, {ci[1]:.4f}]" if ci else "-"
        return f"  {visible(vr.name):<{self.width}}  {value:>8.4f}  {interval:<16}  {diff:>13}  {when:>7}"

    def line(self, vr, res, progress) -> None:
        if progress:
            progress.close()
        if vr.test is not None:
            return  # the test runs are shown together at the end
        print(self._row(vr, res), flush=True)

    def footer(self, res) -> None:
        from .metric_registry import companion, metric
        from .sweep_results import comparison_lines

        ranked = sorted((v for v in res.variants if v.value(self.metric) is not None), key=lambda v: -v.value(self.metric))
        if len(ranked) > 1 and res.status == "done":
            print(f"\nleaderboard on {res.select_split} (by {self.metric}):")
            for v in ranked:
                print(self._row(v, res))
        for note in res.notes:
            if note not in self.shown:
                print(visible(note_line(note)))
        if res.best is None:
            return
        print(f"\nbest on {res.select_split}: {visible(res.best)} ({self.metric} {res.result(res.best).value(self.metric):.4f})")
        print(f"test confirmation on {res.test_split}:")
        shown, other = metric(self.metric), metric(companion(self.metric))
        for name in dict.fromkeys([res.baseline, res.best]):
            t = res.result(name).test
            if t is not None:
                tag = " (baseline)" if name == res.baseline else " (best)"
                print(f"  {visible(name) + tag:<{self.width + 11}}  {shown.name} {_figure(shown.value(t))}  {other.name} {_figure(other.value(t))}  n={t.n}  run {res.result(name).test_run_id[:12]}")
        if res.test_comparison is not None:
            for line in comparison_lines(res.test_comparison):
                print(f"  {visible(line)}")


def _figure(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.4f}"
