"""The command line: ``workbench eval | resume | runs | show | suspects | relabel | compare | export | sweep | methods | models | curve | store check``. Imports nothing heavy until a
command needs it, so ``workbench --help`` is instant."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import TYPE_CHECKING

from .cli_output import ProgressPrinter, json_to_stdout, write_json
from .errors import RUN, WorkbenchError
from .safe_text import visible

if TYPE_CHECKING:
    from .results import Report


SLICE_HELP = "figures per value of a column of the data (repeatable), or 'length' (token-length quartiles); the weakest slice is named"


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench", description="Evaluate text-classification methods on labelled data.")
    p.add_argument("--store", help="run store file (default: $WORKBENCH_STORE or the user data directory)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    e = sub.add_parser("eval", help="evaluate a method on a dataset split and print the report")
    d = e.add_argument_group("data")
    d.add_argument("--data", default="rotten_tomatoes", help="hub dataset name, local folder or file of splits, or 'sample' (offline) [rotten_tomatoes]")
    d.add_argument("--split", default="test", help="split to evaluate [test]")
    d.add_argument("--train-split", default="train", help="split (or file) to fit on, for methods that fit [train]")
    d.add_argument("--text-column", default="text", help="[text]")
    d.add_argument("--label-column", default="label", help="[label]")
    d.add_argument("--id-column", help="a column naming each row: its value names the row in every output (suspects, errors, flips, exports) [the row number in the split file, from 0]")
    d.add_argument("--limit", type=int, help="evaluate a seeded random sample of N examples (kept in split order)")
    d.add_argument("--seed", type=int, default=0, help="seed for --limit [0]")
    d.add_argument("--skip-empty", action="store_true", help="leave out empty texts (counted in the report) instead of refusing them")
    d.add_argument("--encoding", default="utf-8-sig", help="text encoding of local files [utf-8]")
    m = e.add_argument_group("method")
    m.add_argument("--method", required=True, help="see `workbench methods`")
    m.add_argument("--model", help="hub id or local folder (default: the method's)")
    m.add_argument("--labels", nargs="+", metavar="TEXT", help="zero-shot label texts, one per class in label order")
    m.add_argument("--label-map", nargs="+", metavar="K=V", help="classifier: MODEL_LABEL=DATASET_LABEL (MODEL_LABEL= ignores it)")
    m.add_argument("--prompt", help="prompt methods: template with {text} or [DOCUMENT] where the text goes")
    m.add_argument("--system", help="chat methods: system message")
    m.add_argument("--mode", choices=("generate", "score"), help="seq2seq, local-chat: generate and parse, or score the label words")
    m.add_argument("--few-shot", type=int, metavar="K", help="prompt methods: K labelled train examples in the prompt (balanced)")
    m.add_argument("--verbalizer", nargs="+", metavar="WORD=LABEL", help="prompt methods: extra answer words, e.g. 1=pos 0=neg")
    m.add_argument("--hypothesis", help='nli-zeroshot: hypothesis template with {} for the label text ["This example is {}."]')
    m.add_argument("--base-url", help="chat: an OpenAI-compatible server (vLLM, Ollama, llama.cpp) [$OPENAI_BASE_URL or OpenAI]")
    m.add_argument("--api-key-file", help="chat: file holding the API key [$OPENAI_API_KEY]")
    m.add_argument("--concurrency", type=int, help="chat: requests in flight at once [16]")
    m.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="any other method parameter (repeatable)")
    r = e.add_argument_group("running")
    r.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps [auto]")
    r.add_argument("--devices", help="split the prediction over several devices, one worker process each: cpu,cpu or cuda:0,cuda:1 or all (every GPU) [one device]")
    r.add_argument("--ray", metavar="ADDRESS", help="run the prediction on Ray Data (an actor pool): a cluster address, auto, or local [no Ray; needs pip install 'workbench[ray]']")
    r.add_argument("--batch-size", type=int, help="examples per batch; halved automatically on out-of-memory [32 on CPU, 256 on CUDA; chat: 4 x concurrency]")
    r.add_argument("--dtype", default="auto", help="float32, bfloat16 or float16 [auto: bfloat16 on CUDA and on CPUs with bfloat16 instructions, else float32]")
    r.add_argument("--trust-remote-code", action="store_true", help="let a model's own Python code run when loading it (only for models whose authors you trust)")
    r.add_argument("--rerun", action="store_true", help="compute again even if an identical finished run is stored")
    r.add_argument("--retry-errors", action="store_true", help="take up the stored identical run, asking again for the examples that got no answer (connection refused, 5xx, 429 after retries); its answers are kept")
    r.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    r.add_argument("--slice-by", action="append", default=[], metavar="COLUMN", help=SLICE_HELP)
    r.add_argument("--calibrate-on", metavar="SPLIT", help="fit a temperature on this held-out split's predictions and report calibration before and after (e.g. validation)")
    r.add_argument("--target-accuracy", type=float, metavar="A", help="report the highest coverage whose accuracy reaches A (selective prediction) [0.9]")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    r.add_argument("--estimate", action="store_true", help="chat: print the calls, tokens and cost the run would take, and stop")

    rs = sub.add_parser("resume", help="continue a run that did not finish (its process died, or it was cancelled or failed)")
    rs.add_argument("run", help="run id (a unique prefix is enough; see `workbench runs`)")
    rs.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps [the run's]")
    rs.add_argument("--batch-size", type=int, help="examples per batch [the run's]")
    rs.add_argument("--devices", help="devices to split the rest over, one worker process each (cpu,cpu, cuda:0,cuda:1, all) [the run's]")
    rs.add_argument("--trust-remote-code", action="store_true", help="let the model's own Python code run for this resume (never taken from the stored run)")
    rs.add_argument("--retry-errors", action="store_true", help="also ask again for the examples that got no answer (connection refused, 5xx, 429 after retries), finished run or not; answers are kept")
    rs.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    rs.add_argument("-q", "--quiet", action="store_true", help="no progress display")

    ls = sub.add_parser("runs", help="list stored runs, newest first")
    ls.add_argument("--limit", type=int, help="show at most N")
    ls.add_argument("--data", metavar="TEXT", help="only runs whose data source contains TEXT")
    ls.add_argument("--method", metavar="NAME", help="only runs of this method")
    ls.add_argument("--json", metavar="PATH", nargs="?", const="-", help="write the runs as JSON instead (to standard output without PATH, or with -)")
    ex = sub.add_parser("export", help="write a run's report (or two runs compared) as HTML, Markdown, CSV or JSON, to share")
    ex.add_argument("run", help="run id (a unique prefix is enough)")
    ex.add_argument("--compare", metavar="RUN2", help="compare with this run (A: RUN, B: RUN2): deltas, McNemar's test, flips, config diff")
    ex.add_argument("--format", choices=("html", "md", "csv", "json"), default="html", help="html: one self-contained page; md: GitHub tables; csv: one row per prediction; json: the report [html]")
    ex.add_argument("--out", metavar="PATH", help="file or folder to write, - for standard output [./workbench-RUN.EXT]")
    ex.add_argument("--slice-by", action="append", default=[], metavar="COLUMN", help="figures per value of a column of the data (repeatable), or 'length'")
    s = sub.add_parser("show", help="print a stored run's report again")
    s.add_argument("run", help="run id (a unique prefix is enough)")
    s.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    s.add_argument("--target-accuracy", type=float, metavar="A", help="report the highest coverage whose accuracy reaches A [0.9]")
    s.add_argument("--slice-by", action="append", default=[], metavar="COLUMN", help=SLICE_HELP)
    su = sub.add_parser("suspects", help="rows of a run's data likely to carry a wrong gold label, most suspicious first")
    su.add_argument("run", help="run id (a unique prefix is enough)")
    su.add_argument("--json", metavar="PATH", help="also write every suspect as JSON")
    su.add_argument("--top", type=int, default=20, help="print the N most suspicious [20]")
    su.add_argument("--views", default="embeddings,words", help="what the train split's out-of-fold probabilities are averaged over: embeddings (the run's; the textbook route), words (TF-IDF) [embeddings,words]")
    from .cli_relabel import add_parser as add_relabel

    rl = add_relabel(sub)
    co = sub.add_parser("compare", help="two stored runs side by side: metric deltas, McNemar's test, flipped examples, configuration diff")
    co.add_argument("run_a", metavar="A", help="run id (a unique prefix is enough)")
    co.add_argument("run_b", metavar="B", help="run id (a unique prefix is enough)")
    co.add_argument("--slice-by", action="append", default=[], metavar="COLUMN", help="per-slice deltas by a column of the data (repeatable), or 'length'")
    co.add_argument("--json", metavar="PATH", help="also write the comparison as JSON")
    sub.add_parser("methods", help="list methods with their parameters and defaults")
    sw = sub.add_parser("sweep", help="run many variants from a TOML file, pick the best on a selection split, confirm it on test")
    sw.add_argument("file", help="the sweep file (see README: Sweeps)")
    sw.add_argument("--json", metavar="PATH", help="also write the sweep's result as JSON")
    sw.add_argument("--export", metavar="PATH", help="a [curve] file: also write the curve as PATH.html, PATH.md or PATH.csv")
    sw.add_argument("--propose", type=int, metavar="N", help="embed-zeroshot: add N label-text variants made from templates over the label names")
    sw.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    from .sweep_config import LARGE_SWEEP

    sw.add_argument("-y", "--yes", action="store_true", help=f"run a sweep of more than {LARGE_SWEEP} variants without asking (without it such a sweep asks on a terminal and is refused otherwise)")
    st = sub.add_parser("store", help="look after the run store file")
    st_sub = st.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    sc = st_sub.add_parser("check", help="run SQLite's integrity check on the run store and say what can be done")
    from .cli_finetune import add_parsers

    finetuning = add_parsers(sub)  # models, curve
    for sp in (e, rs, ls, ex, s, su, rl, co, sw, sc, *finetuning):  # --store is accepted before or after the command
        sp.add_argument("--store", default=argparse.SUPPRESS, help="run store file")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _open_tui(args.store)
    _sigterm_as_ctrl_c()
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    commands = {
        "eval": _cmd_eval, "resume": _cmd_resume, "runs": _cmd_runs, "show": _cmd_show, "methods": _cmd_methods,
        "suspects": _cmd_suspects, "relabel": _cmd_relabel, "sweep": _cmd_sweep, "store": _cmd_store, "compare": _cmd_compare, "export": _cmd_export,
        "models": _cmd_models, "curve": _cmd_curve,
    }  # fmt: skip
    from .safe_text import visible_output

    with visible_output():  # no control character from data reaches the terminal (safe_text.py)
        return _run_command(commands[args.command], args)


def _run_command(command, args) -> int:
    try:
        if getattr(args, "json", None) == "-":
            code = json_to_stdout(command, args)
        else:
            code = command(args)
        sys.stdout.flush()  # a closed pipe is told here, not at exit
        return code
    except BrokenPipeError:
        # The reader left (`workbench show RUN | head -1`): what was to be written is written (the
        # JSON report comes before the text), so end quietly, as a tool killed by SIGPIPE does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit must not fail again
        return 141
    except WorkbenchError as e:
        from .cli_fields import cli_message
        from .store import DamagedStoreError

        hint = " (`workbench store check` runs SQLite's integrity check on it)" if isinstance(e, DamagedStoreError) else ""
        print(f"error: {visible(cli_message(e))}{hint}", file=sys.stderr)  # one line, whatever the data held  # the message, and the flag that fixes it
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        first = (str(e).splitlines() or [""])[0][:300]
        print(f"internal error: {type(e).__name__}: {visible(first)} (set WORKBENCH_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return 3


def _sigterm_as_ctrl_c() -> None:
    """A SIGTERM (a job scheduler, `kill`, a container stopping) ends a command as Ctrl-C does:
    what finished is kept, the run is marked cancelled and can be resumed."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (main() called from a test's worker): leave it be
        pass


def _open_tui(store: str | None) -> int:
    try:
        from screens.app import run as run_app  # the UI lives outside the engine package
    except ImportError as e:
        raise SystemExit(f"error: the terminal UI is not available ({e}); use `workbench --help` for the commands") from None
    run_app(store)
    return 0


def _engine(args):
    from .engine import Engine

    return Engine(args.store)


def _params(args) -> dict:
    from .pairs import parse_pairs

    params: dict = parse_pairs(args.param, "-p {}", expected="NAME=VALUE (`workbench methods` lists the names)", key_words="parameter name", strip_values=False)
    if args.labels is not None:
        params["labels"] = list(args.labels)
    if args.label_map is not None:
        from .label_map import parse_label_map

        params["label_map"] = parse_label_map(args.label_map)
    if args.verbalizer is not None:
        from .answers import parse_verbalizer

        params["verbalizer"] = parse_verbalizer(args.verbalizer)
    flags = {"prompt": args.prompt, "system": args.system, "mode": args.mode, "few_shot": args.few_shot, "hypothesis": args.hypothesis}
    flags.update(base_url=args.base_url, api_key_file=args.api_key_file, concurrency=args.concurrency)
    params.update({k: v for k, v in flags.items() if v is not None})
    return params


def _cmd_eval(args) -> int:
    from .data import DataSpec
    from .spec import RunSpec

    spec = RunSpec(
        data=DataSpec(args.data, args.split, args.train_split, args.text_column, args.label_column, args.limit, args.seed, args.skip_empty, args.encoding, id_column=args.id_column or None),
        method=args.method,
        model=args.model,
        params=_params(args),
        device=args.device,
        devices=args.devices,
        ray=args.ray,
        batch_size=args.batch_size,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        calibrate_on=args.calibrate_on,
    )
    engine = _engine(args)
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter()
    prep = engine.prepare(spec)
    if args.estimate:
        return _print_estimate(engine, prep)
    outcome = engine.execute(prep, on_progress=progress, rerun=args.rerun, retry_errors=args.retry_errors)
    if progress:
        progress.close()
    if outcome.status == "failed":
        kept = 0 if outcome.kept_finished else engine.count_predictions(outcome.run_id)  # worth resuming rather than starting over
        raise WorkbenchError(outcome.error or "the run failed", fix=f"{kept} predictions are kept: once fixed, `workbench resume {outcome.run_id[:12]}`" if kept else None, field=outcome.error_field)
    report = _with_target(engine, outcome.report, args.target_accuracy)
    code = _print_report(engine.with_slices(report, args.slice_by) if report else None, args.json, reused=outcome.reused, status=outcome.status)
    if outcome.kept_finished:
        print(f"the rerun did not finish: run {outcome.run_id[:12]} is kept as it was before --rerun")
    elif outcome.status == "cancelled":
        print(f"resume it with: workbench resume {outcome.run_id[:12]}")
    return code


def _cmd_resume(args) -> int:
    engine = _engine(args)
    run = engine.run(args.run)
    errors = engine.count_errors(run.run_id) if args.retry_errors else 0
    if run.status == "done" and run.report and not errors:
        print(f"run {run.run_id[:12]} is complete" + (" with no errors to retry" if args.retry_errors else "") + ": showing it\n")
        return _print_report(run.report, args.json)
    kept = run.predicted - errors
    retry = f", {errors} errors asked again" if args.retry_errors else ""
    print(f"resuming run {run.run_id[:12]} ({run.status}): {kept} of {run.n} predictions kept{retry}, {run.n - kept} to go", flush=True)
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter()
    outcome = engine.resume(
        run.run_id, on_progress=progress, device=args.device, batch_size=args.batch_size, trust_remote_code=args.trust_remote_code,
        retry_errors=args.retry_errors, devices=args.devices,
    )  # fmt: skip
    if progress:
        progress.close()
    if outcome.status == "failed":
        raise WorkbenchError(outcome.error or "the run failed", fix=f"fix the cause, then `workbench resume {outcome.run_id[:12]}` again", field=outcome.error_field)
    code = _print_report(outcome.report, args.json, status=outcome.status)
    if outcome.status == "cancelled":
        print(f"resume it with: workbench resume {outcome.run_id[:12]}")
    return code


def _print_report(report: "Report | None", json_path: str | None, *, reused: bool = False, status: str = "done") -> int:
    from .report import report_text, text_width

    if report is None:
        print(f"run {status} before any prediction finished; nothing to report")
        return 1 if status == "cancelled" else 0
    if json_path:  # before the text: a reader that leaves early (`| head`) does not cost the file
        write_json(json_path, report.to_json(), "the JSON report")
    if reused:
        print("(an identical run is stored: showing it; pass --rerun to compute again)\n")
    print(report_text(report, text_width()))
    if status == "cancelled":
        print(f"\nrun cancelled: the report covers the {report.n} examples that finished")
        return 130
    return 0


def _print_estimate(engine, prep) -> int:
    est = engine.estimate(prep)
    if est is None:
        raise WorkbenchError(f"--estimate is for methods that call a paid API; {prep.spec.method} runs locally", fix="use --method chat")
    print(f"estimate for {est.model} at {est.base_url} ({est.token_rule})")
    print(f"examples {est.examples}  already cached {est.cached}  calls {est.calls}")
    print(f"prompt tokens {est.prompt_tokens}  completion tokens at most {est.completion_tokens_at_most}")
    if est.cost_usd_at_most is None:
        print(f"cost: unknown (no price for '{est.model}'; add it with -p price_file=PRICES.json or $WORKBENCH_PRICES)")
    else:
        print(f"cost: ${est.cost_usd_prompt or 0:.4f} for the prompts, at most ${est.cost_usd_at_most:.4f} with the answers")
    return 0


def _cmd_runs(args) -> int:
    from .cli_runs import run_json, run_lines, select_runs

    runs = select_runs(_engine(args), args.limit, data=args.data, method=args.method)
    if args.json:
        write_json(args.json, [run_json(r) for r in runs], "the runs")
        return 0
    if not runs:
        asked = [f"data containing {args.data!r}"] * bool(args.data) + [f"method {args.method}"] * bool(args.method)
        print(f"no stored run has {' and '.join(asked)}" if asked else "no runs stored yet (run `workbench eval ...`)")
        return 0
    import shutil

    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else None  # a pipe gets whole lines
    for line in run_lines(runs):
        print(_fit(visible(line), width) if width else visible(line))  # one line: a newline in a label text is shown, not obeyed
    if damaged := sum(bool(r.damaged) for r in runs):
        # A damaged page can read back as a row of nonsense rather than an error: the file may be damaged.
        print(f"{damaged} run{'s' * (damaged > 1)} could not be read whole: `workbench store check` says whether the store file is damaged and what to do")
    return 0


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _cmd_show(args) -> int:
    engine = _engine(args)
    run = engine.run(args.run)
    if run.damaged:
        print(f"run {run.run_id[:12]} is damaged: {run.damaged}")
        if run.config.has_spec:
            print(f"its predictions are kept: `workbench resume {run.run_id[:12]}` computes its report again")
        return 1
    if run.report is None:
        print(f"run {run.run_id[:12]} is {run.shown_status or run.status}" + (f": {visible(run.error)}" if run.error else ""))
        if run.status != "done" and not engine.is_live(run.run_id):
            print(f"resume it with: workbench resume {run.run_id[:12]}")
        return 1
    return _print_report(engine.with_slices(_with_target(engine, run.report, args.target_accuracy), args.slice_by), args.json)


def _with_target(engine, report, target: float | None):
    """The report with its selective figures recomputed for ``--target-accuracy`` (the stored
    report has them for the default, 0.9)."""
    if target is None or report is None or not report.selective or report.selective.target_accuracy == target:
        return report
    if not 0.0 < target <= 1.0:
        raise WorkbenchError(f"--target-accuracy {target} is not an accuracy", expected="a number in (0, 1]", fix="e.g. --target-accuracy 0.95")
    return dataclasses.replace(report, selective=engine.selective(report.run_id, target))


def _cmd_suspects(args) -> int:
    if args.top < 0:
        raise WorkbenchError(f"--top {args.top} is negative", fix="pass --top N with N >= 0")
    result = _engine(args).suspects(args.run, [v.strip() for v in args.views.split(",") if v.strip()])
    rows = result.suspects
    if args.json:  # before the text: a reader that leaves early (`| head`) does not cost the file
        write_json(args.json, result.to_json(), "the suspects")
    print(f"run {result.run_id[:12]}: {len(rows)} suspect labels" + (f" (the {min(args.top, len(rows))} most suspicious shown)" if len(rows) > args.top else ""))
    for note in result.notes:
        print(f"note: {visible(note)}")
    shown = rows[: args.top]
    id_width = max((len(s.id) for s in shown if s.id is not None), default=0)
    id_head = f"{'id':<{min(id_width, 24)}}  " if id_width else ""
    if shown:
        print(f"\n{'score':>6}  {'split':<10} {'row':>6}  {id_head}gold -> suggested  text")
    for s in shown:
        text = " ".join(s.text.split())
        ident = f"{_fit(visible(s.id or ''), 24):<{min(id_width, 24)}}  " if id_width else ""
        line = f"{s.score:>6.3f}  {s.split:<10} {s.row:>6}  {ident}{s.gold} -> {s.suggested}  {text[:90] + ('...' if len(text) > 90 else '')}"
        print(visible(line))  # one line: a newline in a label or a text is shown, not obeyed
    return 0


def _cmd_relabel(args) -> int:
    from .cli_relabel import run

    return run(args, _engine(args))


def _cmd_compare(args) -> int:
    from .cli_compare import comparison_json, comparison_lines

    engine = _engine(args)
    a, b = engine.run(args.run_a), engine.run(args.run_b)
    for run in (a, b):
        if run.report is None:
            raise WorkbenchError(f"run {run.run_id[:12]} has no report ({run.status})", fix="finish it first by resuming it", field=RUN)
    comparison = engine.compare(a.run_id, b.run_id)
    slices = engine.compare_slices(a.run_id, b.run_id, args.slice_by) if args.slice_by else {}
    labels = a.report.labels if a.report else []
    if args.json:  # before the text: a reader that leaves early (`| head`) does not cost the file
        write_json(args.json, comparison_json(a.run_id, b.run_id, comparison, labels, slices), "the comparison")
    print("\n".join(comparison_lines(a.run_id, b.run_id, comparison, labels, slices)))
    return 0


def _cmd_export(args) -> int:
    from .export import write_export

    export = _engine(args).export(args.run, args.format, compare=args.compare, slice_by=args.slice_by)
    if args.out == "-":
        sys.stdout.write(export.content)
        return 0
    path = write_export(export, args.out)
    print(f"wrote {path} ({export.fmt}, {len(export.content.encode('utf-8')) / 1024:.0f} KiB)")
    return 0


def _cmd_store(args) -> int:
    from .engine import Engine

    result = Engine.check_store(args.store)  # opens the file read-only itself: a damaged one cannot be opened as a store
    print(f"{result.path}: {'ok' if result.ok else 'damaged'}")
    for problem in result.problems:
        print(f"  {problem}")
    print(result.advice)
    if result.ok:
        from .artifacts import orphans

        left = orphans(result.path)
        for line in left:
            print(f"  artifact: {line}")
        if not left:
            print("fine-tuned model artifacts: none orphaned")
    return 0 if result.ok else 1


def _cmd_models(args) -> int:
    from .cli_finetune import cmd_models

    return cmd_models(args)


def _cmd_curve(args) -> int:
    from .cli_finetune import cmd_curve

    return cmd_curve(args)


def _cmd_methods(args) -> int:
    from .methods import METHODS

    for name, cls in METHODS.items():
        print(f"{name}  {cls.description}")
        fits = train_use(cls)
        print(f"    default model: {cls.default_model}   uses the train split: {fits}")
        for p in cls.params:
            print(f"    {p.name} = {p.default!r}   {p.help}")
    return 0


def _cmd_sweep(args) -> int:
    from .curve_config import CurveConfig, load_sweep_file
    from .sweep_config import SweepTooLarge

    loaded = load_sweep_file(args.file, propose=args.propose)
    if isinstance(loaded, CurveConfig):  # a learning curve: what `workbench curve` prints and writes
        from .cli_finetune import show_curve

        return show_curve(_engine(args), loaded, args, f"workbench sweep {args.file}")
    if args.export:
        from .errors import ConfigError

        raise ConfigError("--export writes a learning curve, and this sweep file has no [curve]", fix="use --json, or `workbench export RUN` for a run of the sweep")
    config = loaded
    confirmed = args.yes or _agreed(config.size_note())
    engine = _engine(args)
    progress = None if args.quiet or not sys.stderr.isatty() else ProgressPrinter()
    from .cli_sweep import Leaderboard

    board = Leaderboard(config.metric, config.baseline)
    on_variant, on_plan = _reader_may_leave(lambda vr, res: board.line(vr, res, progress)), _reader_may_leave(board.header)
    try:
        result = engine.sweep(config, on_variant=on_variant, on_progress=progress, on_plan=on_plan, confirmed=confirmed)
    except SweepTooLarge as e:  # the engine's refusal, with the flag that confirms
        raise SweepTooLarge(e.found, fix="pass --yes to run it, or make [matrix] / [[variants]] smaller") from None
    if progress:
        progress.close()
    if args.json:  # before the board: a reader that left early (`| head`) does not cost the file
        write_json(args.json, result.to_json(), "the sweep's JSON")
    board.footer(result)
    if result.status == "cancelled":
        print(f"\nsweep cancelled: finished runs are kept; run `workbench sweep {args.file}` again to continue")
        return 130
    return 0 if result.status == "done" else 1


def _agreed(note: str | None) -> bool:
    """Whether the user agreed to a large sweep's size (``note``), asked on the terminal; never
    asked without one (CI, a pipe): the engine then refuses the sweep and says to pass --yes."""
    if note is None or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print(f"{visible(note)}. Run it? [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _reader_may_leave(show):
    """``show`` for a sweep's live lines: when the reader leaves (`| head`), the rest of the
    output goes nowhere and the sweep goes on, so its runs and its --json file are still written."""

    def shown(*args):
        try:
            show(*args)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)

    return shown


def train_use(cls) -> str:
    """How a method uses the train split, told from its own ``uses_train`` rule."""
    with_shots, without = cls.uses_train({"few_shot": 1}), cls.uses_train({})
    return "yes" if without else "only with few_shot > 0" if with_shots else "no"
