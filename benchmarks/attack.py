"""Attack harness for the command line ("Trust the numbers"): tries the current CLI as a careless
user and as an attacker would, and prints a summary, not a pass/fail verdict.

    python benchmarks/attack.py [--workers 2] [--keep]

What it does, each in a fresh temporary folder (HOME points there too, so nothing lands elsewhere):

- bad data: missing files, columns and splits, empty splits, malformed JSONL/CSV/TSV/JSON/parquet,
  wrong encodings, mixed/float/case-variant labels, huge texts, NUL bytes, unpaired surrogates,
  FIFOs, symlink loops, folders in place of files, unreadable files (run as ``nobody`` when this
  runs as root), broken labels.json;
- bad options: absurd values for every flag, unknown methods/models/devices/dtypes, bad ``-p``,
  templates without placeholders or full of braces, unknown run ids, bad stores (a folder, a file
  that is not SQLite, a store from a newer layout, a read-only one), ``--json`` to places that
  cannot be written, ``show | head -1``;
- chat faults against tests/fake_openai.py in this process (429, 5xx, timeouts, bad JSON, empty
  choices, content filter, truncated bodies, refused connections, key-echoing bodies);
- kills: SIGKILL / SIGTERM / SIGINT of a chat run and of a local-method run mid-way, then
  ``resume``: no example lost or asked twice, ``PRAGMA integrity_check`` ok.

Every exit is classified: 0 ok, 2 clean error (one ``error: ...`` line), 130 cancelled, 141 pipe;
an ``internal error``, a traceback, a hang or any other exit status is a failure and is printed
with its command. At the end every artefact (stdout, stderr, stores with their WAL files, JSON
reports) is searched for the planted API key.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from attack_edges import edges  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402
from terminal_signals import ctrl_c_as_in_a_terminal  # noqa: E402

PLANTED = "sk-PLANTED-4c1d9e7a-attack-harness-never-store"
PLANTED_FORMS = (PLANTED.encode(), PLANTED[10:30].encode(), PLANTED.upper().encode(), PLANTED[10:30].upper().encode(),
                 " ".join(PLANTED[10:30]).encode(), PLANTED.encode("utf-16-le"))  # fmt: skip
"""The planted key as it may leak: whole, in part, upper-cased, spelled out, in UTF-16."""
PY = sys.executable
TIMEOUT = 90


@dataclass
class Outcome:
    name: str
    category: str
    argv: list[str]
    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    verdict: str = ""  # ok / clean-error / cancelled / pipe / FAIL: ...
    notes: list[str] = field(default_factory=list)


class Harness:
    def __init__(self, root: Path, workers: int):
        self.root = root
        self.workers = workers
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.faults_injected = 0
        self.faults_survived = 0
        self.kills = 0
        self.kills_survived = 0
        self.examples_lost = 0
        self.asked_twice = 0
        self.skipped: list[str] = []
        self.extra_failures: list[str] = []
        self.silent_wrong: list[str] = []
        """A wrong answer given as if right (attack_edges.py checks what it can)."""
        self.home = root / "home"
        self.home.mkdir()
        os.chmod(root, 0o777)
        os.chmod(self.home, 0o777)
        self.as_nobody = os.geteuid() == 0 and self._nobody_works()

    # ----- running -------------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "WORKBENCH_"))}
        env.update(HOME=str(self.home), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", OPENAI_API_KEY=PLANTED,
                   HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   WORKBENCH_STORE=str(self.root / "default-store.sqlite"), XDG_DATA_HOME=str(self.home / "data"))  # fmt: skip
        env.update(extra)
        return env

    def _nobody_works(self) -> bool:
        try:
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PY, "-c", "import workbench"],
                               cwd=REPO, env=self.env(), capture_output=True, timeout=60)  # fmt: skip
            return r.returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    def cli(self, *args: str, fake: bool = False) -> list[str]:
        entry = [PY, str(REPO / "tests" / "fake_cli.py")] if fake else [PY, "-m", "workbench"]
        return [*entry, *args]

    def run(self, name: str, category: str, argv: list[str], *, env: dict[str, str] | None = None, shell: bool = False,
            nobody: bool = False, allowed: tuple[int, ...] = (0, 2, 130, 141), timeout: float = TIMEOUT) -> Outcome:  # fmt: skip
        if nobody:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
        start = time.monotonic()
        try:
            if shell:
                r = subprocess.run(["bash", "-o", "pipefail", "-c", argv[0]], cwd=REPO, env=env or self.env(),
                                   capture_output=True, text=True, errors="replace", timeout=timeout)  # fmt: skip
            else:
                r = subprocess.run(argv, cwd=REPO, env=env or self.env(), capture_output=True, text=True, errors="replace",
                                   timeout=timeout, stdin=subprocess.DEVNULL)  # fmt: skip
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, str(e.stdout or ""), str(e.stderr or "")
        o = Outcome(name, category, argv, rc, out, err, time.monotonic() - start)
        o.verdict = self.classify(o, allowed)
        with self.lock:
            self.outcomes.append(o)
        return o

    @staticmethod
    def classify(o: Outcome, allowed: tuple[int, ...]) -> str:
        err = o.stderr
        if o.rc is None:
            return "FAIL: hung (timeout)"
        if "internal error" in err:
            return "FAIL: internal error"
        if "Traceback (most recent call last)" in err:
            return "FAIL: traceback"
        if o.rc not in allowed:
            return f"FAIL: exit {o.rc}"
        if o.rc == 0:
            return "ok"
        if o.rc == 2:
            lines = [ln for ln in err.splitlines() if ln.strip()]
            if not lines:
                return "FAIL: exit 2 with nothing said"
            errors = [ln for ln in lines if "error:" in ln]
            if not errors:
                return "FAIL: exit 2 without an error line"
            if lines[0].startswith("usage:"):  # argparse: usage + one error line
                return "clean-error"
            if len(lines) > 1 or not lines[0].startswith("error: "):
                return "FAIL: error not one 'error: ...' line"
            return "clean-error"
        if o.rc == 1:
            return "damaged (store check)"
        if o.rc == 130:
            return "cancelled"
        if o.rc == 141:
            return "pipe"
        return f"FAIL: exit {o.rc}"

    def many(self, jobs: list[tuple]) -> None:
        with ThreadPoolExecutor(self.workers) as pool:
            futures = [pool.submit(self.run, *job[:3], **(job[3] if len(job) > 3 else {})) for job in jobs]
            for f in futures:
                f.result()

    # ----- bad data ------------------------------------------------------------------------------
    def data_dir(self, name: str) -> Path:
        d = self.root / "data" / name
        d.mkdir(parents=True)
        return d

    def bad_data(self) -> None:
        good = [{"text": f"a {'good' if i % 2 else 'bad'} film number {i}", "label": i % 2} for i in range(30)]

        def jsonl(rows) -> str:
            return "".join(json.dumps(r) + "\n" for r in rows)

        cases: dict[str, dict[str, bytes | str | None]] = {
            # name: {file: content}; None content = special handling below
            "empty-folder": {},
            "only-train": {"train.jsonl": jsonl(good)},
            "empty-test": {"train.jsonl": jsonl(good), "test.jsonl": ""},
            "blank-lines-test": {"train.jsonl": jsonl(good), "test.jsonl": "\n\n   \n"},
            "malformed-jsonl": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a", "label": 0}\n{"text": "b", "lab\n'},
            "jsonl-list-line": {"train.jsonl": jsonl(good), "test.jsonl": '["a", 0]\n'},
            "jsonl-scalar-line": {"train.jsonl": jsonl(good), "test.jsonl": "42\n"},
            "jsonl-trailing-garbage": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a", "label": 0} xx\n'},
            "jsonl-deep-nesting": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": ' + "[" * 200000 + "]" * 200000 + ', "label": 0}\n'},
            "missing-text-col": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"txt": "a", "label": 0}] * 3)},
            "missing-label-col": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a"}] * 3)},
            "mixed-labels": {"train.jsonl": jsonl([{"text": "a", "label": 0}, {"text": "b", "label": "pos"}] * 5), "test.jsonl": jsonl(good[:4])},
            "float-labels": {"train.jsonl": jsonl([{"text": f"t{i}", "label": i * 0.137} for i in range(30)]), "test.jsonl": jsonl(good[:4])},
            "case-variant-labels": {"train.jsonl": jsonl([{"text": f"t{i}", "label": ["neg", "Neg", "neg ", "pos"][i % 4]} for i in range(20)]),
                                    "test.jsonl": jsonl([{"text": "x", "label": "neg"}])},
            "null-labels": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a", "label": None}] * 3)},
            "object-labels": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a", "label": {"x": 1}}])},
            "list-labels": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a", "label": [0, 1]}])},
            "object-text": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": {"a": 1}, "label": 0}])},
            "bool-labels": {"train.jsonl": jsonl([{"text": f"t{i}", "label": bool(i % 2)} for i in range(10)]), "test.jsonl": jsonl([{"text": "x", "label": True}])},
            "huge-int-label": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a", "label": ' + "9" * 5000 + "}\n"},
            "nan-label": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a", "label": NaN}\n'},
            "inf-label": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a", "label": Infinity}\n'},
            "unseen-test-label": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a", "label": 7}])},
            "single-class": {"train.jsonl": jsonl([{"text": "a", "label": 0}] * 5), "test.jsonl": jsonl([{"text": "a", "label": 0}] * 5)},
            "one-row": {"train.jsonl": jsonl(good[:1]), "test.jsonl": jsonl(good[:1])},
            "empty-texts": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "", "label": 0}, {"text": None, "label": 1}, *good[:4]])},
            "id-column-labels": {"train.jsonl": jsonl([{"text": f"t{i}", "label": f"id{i}"} for i in range(40)]), "test.jsonl": jsonl(good[:3])},
            "huge-text": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "good " * 2_000_000, "label": 1}, *good[:3]])},
            "nul-bytes-json": {"train.jsonl": jsonl(good), "test.jsonl": jsonl([{"text": "a\u0000good\u0000", "label": 1}, *good[:3]])},
            "nul-bytes-raw": {"train.jsonl": jsonl(good), "test.jsonl": b'{"text": "a\x00b", "label": 0}\n\x00\x00\n'},
            "unpaired-surrogate": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "good \\ud83d film", "label": 1}\n{"text": "\\udc00", "label": 0}\n'},
            "latin1": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "caf\u00e9 good", "label": 1}\n'.encode("latin-1")},
            "utf16": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]).encode("utf-16")},
            "utf8-bom-jsonl": {"train.jsonl": jsonl(good), "test.jsonl": b"\xef\xbb\xbf" + jsonl(good[:3]).encode()},
            "binary-garbage": {"train.jsonl": jsonl(good), "test.jsonl": bytes(range(256)) * 40},
            "gzip-as-jsonl": {"train.jsonl": jsonl(good), "test.jsonl": b"\x1f\x8b\x08\x00" + os.urandom(200)},
            "line-separators": {"train.jsonl": jsonl(good), "test.jsonl": '{"text": "a\u2028good\u2029b\rc", "label": 1}\r\n{"text": "bad", "label": 0}\r'},
            "csv-ragged": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": "text,label\na,0,extra\nb\n"},
            "csv-stray-quote": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": 'text,label\n"a,0\nb,1\n'},
            "csv-dup-column": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": "text,text,label\na,b,0\n"},
            "csv-header-only": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": "text,label\n"},
            "csv-empty-colname": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": ",label\na,0\n"},
            "csv-nul": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": b"text,label\na\x00b,0\n"},
            "csv-bom": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": b"\xef\xbb\xbftext,label\na,0\nb,1\n"},
            "csv-huge-field": {"train.csv": "text,label\na,0\nb,1\n", "test.csv": "text,label\n\"" + "x" * 30_000_000 + "\",0\nb,1\n"},
            "tsv-with-commas": {"train.tsv": "text\tlabel\na,b\t0\nc\t1\n", "test.tsv": "text,label\na,0\n"},
            "tsv-ragged": {"train.tsv": "text\tlabel\na\t0\nc\t1\n", "test.tsv": "text\tlabel\na\t0\tx\n"},
            "json-columns": {"train.jsonl": jsonl(good), "test.json": json.dumps({"text": ["a", "b"], "label": [0, 1]})},
            "json-empty-list": {"train.jsonl": jsonl(good), "test.json": "[]"},
            "json-not-json": {"train.jsonl": jsonl(good), "test.json": "{not json"},
            "json-scalar": {"train.jsonl": jsonl(good), "test.json": "3"},
            "parquet-garbage": {"train.jsonl": jsonl(good), "test.parquet": os.urandom(500)},
            "parquet-magic-only": {"train.jsonl": jsonl(good), "test.parquet": b"PAR1" + os.urandom(300) + b"PAR1"},
            "parquet-empty": {"train.jsonl": jsonl(good), "test.parquet": b""},
            "two-test-files": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "test.csv": "text,label\na,0\n"},
            "labels-json-broken": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": "{broken"},
            "labels-json-empty": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": "[]"},
            "labels-json-dup": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '["neg", "neg"]'},
            "labels-json-number": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": "42"},
            "labels-json-badkeys": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '{"a": "neg", "b": "pos"}'},
            "labels-json-sparse": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '{"0": "neg", "5": "pos"}'},
            "labels-json-too-few": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '["neg"]'},
            "labels-json-objects": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '[{"a": 1}, null]'},
            "labels-json-emptyname": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '["", "pos"]'},
            "labels-json-negkey": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '{"-1": "neg", "0": "pos"}'},
            "labels-json-huge-key": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '{"0": "neg", "99999999999": "pos"}'},
            "labels-json-utf16": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": '["neg", "pos"]'.encode("utf-16")},
            "fifo-test": {"train.jsonl": jsonl(good), "test.jsonl": None},
            "symlink-loop-test": {"train.jsonl": jsonl(good), "test.jsonl": None},
            "dangling-symlink-test": {"train.jsonl": jsonl(good), "test.jsonl": None},
            "folder-as-test": {"train.jsonl": jsonl(good), "test.jsonl": None},
            "folder-as-labels": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": None},
            "fifo-labels": {"train.jsonl": jsonl(good), "test.jsonl": jsonl(good[:3]), "labels.json": None},
            "dev-zero-test": {"train.jsonl": jsonl(good), "test.jsonl": None},
        }  # fmt: skip
        jobs: list[tuple] = []
        for name, files in cases.items():
            d = self.data_dir(name)
            for fname, content in files.items():
                p = d / fname
                if content is None:
                    if name.startswith("fifo"):
                        os.mkfifo(p)
                    elif name.startswith("symlink-loop"):
                        p.symlink_to(d / "loop2")
                        (d / "loop2").symlink_to(p)
                    elif name.startswith("dangling"):
                        p.symlink_to(d / "nowhere")
                    elif name.startswith("folder"):
                        p.mkdir()
                    elif name.startswith("dev-zero"):
                        p.symlink_to("/dev/zero")
                elif isinstance(content, bytes):
                    p.write_bytes(content)
                else:
                    p.write_text(content, encoding="utf-8", errors="surrogatepass")
            store = str(self.root / "stores" / f"data-{name}.sqlite")
            jobs.append((f"data:{name}", "bad data", self.cli("--store", store, "eval", "--data", str(d), "--method", "majority", "-q")))
        (self.root / "stores").mkdir(exist_ok=True)
        single = self.data_dir("single-file") / "only.jsonl"
        single.write_text(jsonl(good))
        st = str(self.root / "stores" / "data-misc.sqlite")
        rt = str(self.data_dir("ok"))
        (Path(rt) / "train.jsonl").write_text(jsonl(good))
        (Path(rt) / "test.jsonl").write_text(jsonl(good[:6]))
        misc = [
            ("missing-path", ["--data", str(self.root / "nope")]),
            ("hub-name-offline", ["--data", "no-such-user/no-such-dataset-xyz"]),
            ("single-file-no-train", ["--data", str(single)]),
            ("single-file-train-split-missing", ["--data", str(single), "--train-split", str(self.root / "nope.jsonl")]),
            ("single-file-train-split-folder", ["--data", str(single), "--train-split", str(self.root)]),
            ("split-missing", ["--data", rt, "--split", "validation"]),
            ("split-weird", ["--data", rt, "--split", "../../etc/passwd"]),
            ("split-empty-name", ["--data", rt, "--split", ""]),
            ("text-column-missing", ["--data", rt, "--text-column", "nope"]),
            ("label-column-missing", ["--data", rt, "--label-column", "nope"]),
            ("text-is-label-column", ["--data", rt, "--text-column", "label"]),
            ("label-is-text-column", ["--data", rt, "--label-column", "text"]),
            ("encoding-bogus", ["--data", rt, "--encoding", "bogus-enc"]),
            ("encoding-utf16", ["--data", rt, "--encoding", "utf-16"]),
            ("encoding-rot13", ["--data", rt, "--encoding", "rot13"]),
            ("encoding-empty", ["--data", rt, "--encoding", ""]),
            ("data-is-dev-null", ["--data", "/dev/null"]),
            ("data-is-proc", ["--data", "/proc/self"]),
            ("skip-empty-all-empty", ["--data", str(self.root / "data" / "empty-texts"), "--skip-empty"]),
            ("empty-texts-no-skip", ["--data", str(self.root / "data" / "empty-texts")]),
        ]  # fmt: skip
        for name, args in misc:
            jobs.append((f"data:{name}", "bad data", self.cli("--store", st, "eval", *args, "--method", "majority", "-q")))
        self.many(jobs)
        # unreadable files: only a user who is not root can be refused a read
        if self.as_nobody:
            nst = self.root / "nobody-stores"
            nst.mkdir()
            os.chmod(nst, 0o777)
            for name, mode_target in (("unreadable-file", "file"), ("unreadable-folder", "folder"), ("unreadable-labels", "labels")):
                d = self.data_dir(name)
                (d / "train.jsonl").write_text(jsonl(good))
                (d / "test.jsonl").write_text(jsonl(good[:4]))
                (d / "labels.json").write_text('["neg", "pos"]')
                for p in (d, *d.iterdir()):
                    os.chmod(p, 0o755 if p.is_dir() else 0o644)
                target = {"file": d / "test.jsonl", "folder": d, "labels": d / "labels.json"}[mode_target]
                os.chmod(target, 0)
                self.run(f"data:{name}", "bad data", self.cli("--store", str(nst / f"{name}.sqlite"), "eval", "--data", str(d), "--method", "majority", "-q"), nobody=True)
        else:
            self.skipped.append("unreadable files: not running as root with a working `setpriv` to become nobody")

    # ----- bad options ---------------------------------------------------------------------------
    def bad_options(self, server: FakeOpenAI) -> None:
        st = str(self.root / "stores" / "opts.sqlite")
        rt = str(self.root / "data" / "ok")
        base = ["--store", st, "eval", "--data", rt, "-q"]
        jobs: list[tuple] = []

        def add(name, *args, fake=False, **kw):
            jobs.append((f"opt:{name}", "bad option", self.cli(*args, fake=fake), kw) if kw else (f"opt:{name}", "bad option", self.cli(*args, fake=fake)))

        absurd = ["-1", "0", "nan", "inf", "-inf", "1e309", "99999999999999999999999", "abc", "", "1.5", "0x10", " 3", "٣"]
        for flag in ("--limit", "--seed", "--batch-size"):
            for v in absurd:
                add(f"{flag}={v!r}", *base, "--method", "majority", flag, v)
        for v in ("-1", "0", "nan", "2", "1.5", "abc"):
            add(f"--target-accuracy={v}", *base, "--method", "majority", "--target-accuracy", v)
        for v in ("nope", "test", "", "../x"):
            add(f"--calibrate-on={v}", *base, "--method", "majority", "--calibrate-on", v)
        for m in ("nope", "", "MAJORITY", "../majority", "majority; rm -rf /", "\x7f"):
            add(f"--method={m!r}", *base, "--method", m)
        for model in (str(self.root / "nope"), str(self.root / "data" / "ok" / "test.jsonl"), str(self.root / "data" / "ok"), "///", "no-user/no-model-xyz", "", "../../../etc"):
            add(f"--model={model!r}", *base, "--method", "embed-zeroshot", "--model", model)
        for dev in ("bogus", "cuda:99", "cuda", "mps", "cpu:0", "", "tpu", "cuda:-1"):
            add(f"--device={dev!r}", *base, "--method", "embed-zeroshot", "--device", dev)
        for dt in ("bogus", "int8", "float16", "bfloat16", "", "float64"):
            add(f"--dtype={dt!r}", *base, "--method", "embed-zeroshot", "--dtype", dt)
        # -p with bad kinds, per method that has parameters (validated before any model loads)
        chat = [*base, "--method", "chat", "--base-url", server.url]
        for p in ("noequals", "=x", "unknown=1", "temperature=nan", "temperature=-5", "temperature=abc", "max_retries=-1",
                  "max_retries=1e9", "timeout=0", "timeout=nan", "timeout=-1", "few_shot=-1", "few_shot=nan", "few_shot=1e9",
                  "max_tokens=0", "max_tokens=-3", "price_file=/nonexistent.json", f"price_file={self.root}", "few_shot_seed=abc",
                  "labels=a|b|c", "labels=", "verbalizer=x", "prompt=", "system={"):  # fmt: skip
            add(f"chat -p {p}", *chat, "-p", p, "--limit", "2")
        for p in ("labels=a|b|c", "labels=", "labels=|", "labels=a", "nope=1"):
            add(f"embed-zeroshot -p {p}", *base, "--method", "embed-zeroshot", "-p", p)
        for p in ("C=nan", "C=-1", "C=0", "C=abc", "max_iter=-1"):
            add(f"embed-logreg -p {p}", *base, "--method", "embed-logreg", "-p", p)
        prompts = ["no placeholder", "{", "}", "}{", "{text} {0}", "{text} {foo}", "{text!r}", "{text:>99999999999}", "{{text}}",
                   "{" * 500 + "text" + "}" * 500, "[DOCUMENT] {", "{text.__class__}", "{text[0]}", ""]  # fmt: skip
        for pr in prompts:
            add(f"chat --prompt {pr[:30]!r}", *chat, "--prompt", pr, "--limit", "2")
        for s in ("{", "{text}", "}" * 100):
            add(f"chat --system {s[:20]!r}", *chat, "--system", s, "--limit", "2")
        for k in ("-1", "1000000000", "nan", "abc", "99999999999999999999999"):
            add(f"chat --few-shot {k}", *chat, "--few-shot", k, "--limit", "2")
        for v in (["x"], ["=pos"], ["a=nolabel"], ["a="], ["a=b=c"]):
            add(f"chat --verbalizer {v}", *chat, "--verbalizer", *v, "--limit", "2")
        for c in ("0", "-1", "nan", "1000000", "abc"):
            add(f"chat --concurrency {c}", *chat, "--concurrency", c, "--limit", "2")
        for u in ("notaurl", "http://", "ftp://127.0.0.1/x", "http://127.0.0.1:1/v1", "http://[::1", ""):
            add(f"chat --base-url {u!r}", *base, "--method", "chat", "--base-url", u, "--limit", "2")
        keyfile_empty = self.root / "emptykey"
        keyfile_empty.write_text("")
        keyfile_bin = self.root / "binkey"
        keyfile_bin.write_bytes(b"\xff\xfe\x00sk-\n\n")
        for kf in (str(self.root / "nokey"), str(self.root), str(keyfile_empty), str(keyfile_bin), "/dev/null"):
            add(f"chat --api-key-file {kf}", *chat, "--api-key-file", kf, "--limit", "2")
        for h in ("no placeholder", "{} {}", "{0}{1}", "{foo}", "{", ""):
            add(f"nli --hypothesis {h!r}", *base, "--method", "nli-zeroshot", "--hypothesis", h)
        for labels in (["one"], ["a", "b", "c"], ["", ""], ["a", "a"]):
            add(f"embed-zeroshot --labels {labels}", *base, "--method", "embed-zeroshot", "--labels", *labels)
        for lm in (["garbage"], ["=x"], ["a=nolabel"]):
            add(f"classifier --label-map {lm}", *base, "--method", "classifier", "--model", str(self.root / "nope"), "--label-map", *lm)
        add("chat --estimate", *chat, "--estimate")
        add("majority --estimate", *base, "--method", "majority", "--estimate")
        add("majority --mode generate", *base, "--method", "majority", "--mode", "generate")
        add("majority --few-shot 3", *base, "--method", "majority", "--few-shot", "3")
        add("majority --retry-errors (nothing stored)", *base, "--method", "majority", "--retry-errors")
        # --json to places that cannot be written
        for j in ("/proc/version", "/dev/full", str(self.root), str(self.root / "no" / "dir" / "r.json"), "", "/"):
            add(f"--json {j!r}", *base, "--method", "majority", "--json", j)
        self.many(jobs)

        # run ids
        jobs = []
        ok = self.run("setup: a finished run", "setup", self.cli("--store", st, "eval", "--data", rt, "--method", "majority", "-q", "--json", str(self.root / "ok.json")))
        for cmd in ("show", "resume", "suspects"):
            for rid in ("ffffffffffff", "", "0", "x" * 5000, "%", "_", "'; DROP TABLE runs; --", "*", "\x01", "-1"):
                jobs.append((f"id:{cmd} {rid[:20]!r}", "bad option", self.cli("--store", st, cmd, rid)))
        # pipes
        run_id = json.loads((self.root / "ok.json").read_text())["run_id"] if ok.rc == 0 else "0"
        for cmd in (f"show {run_id[:10]}", "runs", "methods", f"show {run_id}", f"suspects {run_id[:8]}", "store check"):
            line = shlex.join(self.cli("--store", st, *cmd.split())) + " | head -1"
            jobs.append((f"pipe:{cmd.split()[0]} | head -1", "bad option", [line], {"shell": True, "allowed": (0, 2, 141)}))
        line = shlex.join(self.cli("--store", st, "show", run_id[:10], "--json", str(self.root / "piped.json"))) + " | head -c 1"
        jobs.append(("pipe:show --json | head -c 1", "bad option", [line], {"shell": True, "allowed": (0, 2, 141)}))
        line = shlex.join(self.cli("--store", st, "eval", "--data", rt, "--method", "majority")) + " | true"
        jobs.append(("pipe:eval | true", "bad option", [line], {"shell": True, "allowed": (0, 2, 141)}))
        self.many(jobs)

    # ----- bad stores ----------------------------------------------------------------------------
    def bad_stores(self) -> None:
        sd = self.root / "badstores"
        sd.mkdir()
        rt = str(self.root / "data" / "ok")
        stores: dict[str, Path] = {}
        stores["folder"] = sd / "folder.sqlite"
        stores["folder"].mkdir()
        stores["not-sqlite"] = sd / "text.sqlite"
        stores["not-sqlite"].write_text("this is not a database\n" * 100)
        stores["empty-file"] = sd / "empty.sqlite"
        stores["empty-file"].write_bytes(b"")
        newer = sd / "newer.sqlite"
        db = sqlite3.connect(newer)
        db.execute("CREATE TABLE runs (x)")
        db.execute("PRAGMA user_version=99")
        db.commit()
        db.close()
        stores["newer-version"] = newer
        # a real store, then cut short / damaged in its middle
        real = sd / "real.sqlite"
        subprocess.run(self.cli("--store", str(real), "eval", "--data", rt, "--method", "majority", "-q"), cwd=REPO, env=self.env(), capture_output=True)
        truncated = sd / "truncated.sqlite"
        data = real.read_bytes()
        truncated.write_bytes(data[: len(data) // 2])
        stores["truncated"] = truncated
        damaged = sd / "damaged.sqlite"
        b = bytearray(data)
        for i in range(4096 + 100, min(len(b), 4096 * 3), 7):
            b[i] = (b[i] * 31 + 7) % 256
        damaged.write_bytes(bytes(b))
        stores["damaged-pages"] = damaged
        foreign = sd / "foreign.sqlite"
        db = sqlite3.connect(foreign)
        db.execute("CREATE TABLE runs (id INTEGER, other TEXT)")
        db.execute("INSERT INTO runs VALUES (1, 'x')")
        db.commit()
        db.close()
        stores["foreign-schema"] = foreign
        stores["missing-dir"] = sd / "no" / "such" / "dir" / "s.sqlite"
        fifo = sd / "fifo.sqlite"
        os.mkfifo(fifo)
        stores["fifo"] = fifo
        loop = sd / "loop.sqlite"
        loop.symlink_to(sd / "loop2.sqlite")
        (sd / "loop2.sqlite").symlink_to(loop)
        stores["symlink-loop"] = loop
        stores["dev-null"] = Path("/dev/null")
        stores["dev-full"] = Path("/dev/full")
        stores["proc-file"] = Path("/proc/version")
        jobs: list[tuple] = []
        for name, path in stores.items():
            for cmd in (["runs"], ["show", "abc"], ["store", "check"], ["eval", "--data", rt, "--method", "majority", "-q"], ["resume", "abc"]):
                allowed = (0, 1, 2) if cmd[0] == "store" else (0, 2, 130, 141)  # `store check`: 1 says the file is damaged
                jobs.append((f"store:{name} {cmd[0]}", "bad store", self.cli("--store", str(path), *cmd), {"allowed": allowed}))
        self.many(jobs)
        if self.as_nobody:  # read-only store: owned by root, readable by all, writable by none but root
            ro = sd / "readonly.sqlite"
            shutil.copy(real, ro)
            os.chmod(sd, 0o755)
            os.chmod(ro, 0o644)
            for cmd in (["runs"], ["store", "check"], ["eval", "--data", rt, "--method", "majority", "-q"], ["eval", "--data", rt, "--method", "majority", "-q", "--seed", "5", "--limit", "3"]):
                self.run(f"store:read-only {' '.join(cmd[:1])}", "bad store", self.cli("--store", str(ro), *cmd), nobody=True, allowed=(0, 1, 2))
            ro_json = self.root / "home" / "ro.json"
            ro_json.write_text("{}")
            os.chmod(ro_json, 0o444)
            self.run("opt:--json read-only file (as nobody)", "bad option",
                     self.cli("--store", str(self.root / "nobody-stores" / "j.sqlite"), "eval", "--data", rt, "--method", "majority", "-q", "--json", str(ro_json)), nobody=True)  # fmt: skip
        else:
            self.skipped.append("read-only store / read-only --json file: needs root + setpriv to act as nobody")
        # sweeps
        sw = self.root / "sweeps"
        sw.mkdir()
        files = {
            "not-toml": "[[[",
            "empty": "",
            "unknown-key": '[data]\nsource = "sample"\nbogus = 1\n[base]\nmethod = "majority"\n',
            "no-baseline": '[data]\nsource = "sample"\n[sweep]\nbaseline = "nope"\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n',
            "dup-names": '[data]\nsource = "sample"\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n',
            "bad-method": '[data]\nsource = "sample"\n[base]\nmethod = "nope"\n[[variants]]\nname = "a"\n',
            "wrong-kinds": '[data]\nsource = 3\nlimit = "x"\n[base]\nmethod = ["majority"]\n',
            "matrix-empty": '[data]\nsource = "sample"\n[base]\nmethod = "majority"\n[matrix]\nmodel = []\n',
            "bad-metric": '[data]\nsource = "sample"\n[sweep]\nmetric = "nope"\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n',
            "holdout-absurd": '[data]\nsource = "sample"\nholdout = 7\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n',
            "missing-data": f'[data]\nsource = "{self.root}/nope"\n[base]\nmethod = "majority"\n[[variants]]\nname = "a"\n',
        }
        jobs = []
        for name, text in files.items():
            (sw / f"{name}.toml").write_text(text)
            jobs.append((f"sweep:{name}", "bad option", self.cli("--store", str(self.root / "stores" / "sweep.sqlite"), "sweep", str(sw / f"{name}.toml"))))
        for name, path in (("missing-file", sw / "none.toml"), ("folder", sw), ("dev-null", Path("/dev/null"))):
            jobs.append((f"sweep:{name}", "bad option", self.cli("--store", str(self.root / "stores" / "sweep.sqlite"), "sweep", str(path))))
        self.many(jobs)

    # ----- chat faults ---------------------------------------------------------------------------
    def chat_faults(self, server: FakeOpenAI) -> None:
        faults = ["[429x1]", "[429rax1]", "[500x1]", "[502x2]", "[503]", "[500]", "[badjson]", "[badjsonx1]", "[nochoices]", "[filtered]",
                  "[length]", "[echo500]", "[echo500x1]", "[truncated]", "[truncatedx1]", "[slowx1]", "[hangx1]", "[429]"]  # fmt: skip
        rows = []
        for i in range(60):
            text = f"review {i:04d}: a {'good' if i % 2 else 'bad'} film"
            if i >= 12 and (i - 12) // 2 < len(faults) and i % 2 == 0:
                text += " " + faults[(i - 12) // 2]
            rows.append({"text": text, "label": i % 2})
        tagged = [r for r in rows if "[" in r["text"]]
        self.faults_injected += len(tagged)
        d = self.data_dir("chat-faults")
        (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        (d / "labels.json").write_text('["neg", "pos"]')
        st = str(self.root / "stores" / "chat.sqlite")
        js = self.root / "chat-faults.json"
        o = self.run("chat:fault mix", "chat fault", self.cli("--store", st, "eval", "--data", str(d), "--method", "chat", "--base-url", server.url,
                     "--concurrency", "4", "-p", "max_retries=1", "-p", "timeout=2", "-q", "--json", str(js)), timeout=240)  # fmt: skip
        if o.rc == 0 and js.exists():
            rep = json.loads(js.read_text())
            notes = json.dumps(rep.get("details", {})) + json.dumps(rep.get("notes", []))
            ok = rep.get("n") == len(rows)
            o.notes.append(f"n={rep.get('n')} invalid={rep.get('invalid')} accuracy={rep.get('accuracy')}")
            if ok:
                self.faults_survived += len(tagged)
            else:
                self.extra_failures.append(f"chat fault mix: report n={rep.get('n')} != {len(rows)}")
            db = sqlite3.connect(st, timeout=30)
            errored = db.execute("SELECT COUNT(*) FROM predictions WHERE run_id = ? AND error IS NOT NULL", (rep["run_id"],)).fetchone()[0]
            db.close()
            requests = str(rep.get("details", {}).get("requests", ""))
            o.notes.append(f"{errored} examples stored with their error; details.requests: {requests}")
            if not errored or "failed" not in requests or rep.get("invalid", 0) < errored:
                self.extra_failures.append(f"chat fault mix: errors not counted (stored {errored}, invalid {rep.get('invalid')}, requests '{requests}')")
            del notes
            # retry the errors: every errored example asked again, nothing else
            self.run("chat:retry-errors", "chat fault", self.cli("--store", st, "resume", rep["run_id"][:12], "--retry-errors", "-q",
                     "-p", "max_retries=0"), timeout=240)  # fmt: skip
        elif o.rc == 2:
            self.faults_survived += len(tagged)  # a clean refusal is survival, not a loss
        # whole-server faults, each in a server of its own
        fd = self.data_dir("chat-small")
        (fd / "test.jsonl").write_text("".join(json.dumps({"text": f"s{i} a good film", "label": 1}) for i in range(6)).replace("}{", "}\n{") + "\n")
        (fd / "labels.json").write_text('["neg", "pos"]')
        scenarios = [
            ("wrong key 401 echoing it", {"key": "sk-the-right-key"}, []),
            ("unknown model 404", {"models": {"other"}}, []),
            ("rejects max_tokens", {"reject_max_tokens": True}, []),
            ("rejects temperature", {"reject_temperature": True}, ["-p", "temperature=0.5"]),
        ]
        for name, kw, extra in scenarios:
            self.faults_injected += 1
            with FakeOpenAI(**kw) as srv:
                o = self.run(f"chat:{name}", "chat fault", self.cli("--store", st, "eval", "--data", str(fd), "--method", "chat", "--base-url", srv.url,
                             "-p", "max_retries=1", "-q", *extra), timeout=120)  # fmt: skip
                if o.verdict in ("ok", "clean-error"):
                    self.faults_survived += 1
                o.notes.append(f"requests={srv.requests}")
        # all fail: every text tagged [500]
        ad = self.data_dir("chat-all500")
        (ad / "test.jsonl").write_text("".join(json.dumps({"text": f"a{i} good [500]", "label": 1}) + "\n" for i in range(8)))
        (ad / "labels.json").write_text('["neg", "pos"]')
        for name, url, data in (("every request 500", server.url, ad), ("connection refused", "http://127.0.0.1:1/v1", fd)):
            self.faults_injected += 1
            o = self.run(f"chat:{name}", "chat fault", self.cli("--store", st, "eval", "--data", str(data), "--method", "chat", "--base-url", url,
                         "-p", "max_retries=1", "-q"), timeout=120)  # fmt: skip
            if o.verdict in ("ok", "clean-error"):
                self.faults_survived += 1
        # hang everywhere with a short timeout
        hd = self.data_dir("chat-hang")
        (hd / "test.jsonl").write_text("".join(json.dumps({"text": f"h{i} good [hang]", "label": 1}) + "\n" for i in range(4)))
        (hd / "labels.json").write_text('["neg", "pos"]')
        self.faults_injected += 1
        o = self.run("chat:server never answers", "chat fault", self.cli("--store", st, "eval", "--data", str(hd), "--method", "chat", "--base-url", server.url,
                     "-p", "max_retries=0", "-p", "timeout=1", "-q"), timeout=120)  # fmt: skip
        if o.verdict in ("ok", "clean-error"):
            self.faults_survived += 1

    # ----- kills ---------------------------------------------------------------------------------
    def kills_(self) -> None:
        with FakeOpenAI(delay=0.03) as server:  # a server of its own: the fault mix leaves [hang] requests open
            self._kills(server)

    def _kills(self, server: FakeOpenAI) -> None:
        def wait_count(store: Path, at_least: int, proc: subprocess.Popen, timeout: float = 60) -> bool:
            end = time.monotonic() + timeout
            while time.monotonic() < end and proc.poll() is None:
                try:
                    db = sqlite3.connect(store, timeout=10)
                    n = db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
                    db.close()
                    if n >= at_least:
                        return True
                except sqlite3.Error:
                    pass
                time.sleep(0.05)
            return False

        n = 120
        for kind in ("chat", "local"):
            for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, "double-SIGKILL"):
                label = f"kill:{kind} {sig if isinstance(sig, str) else sig.name}"
                d = self.data_dir(f"kill-{kind}-{label.split()[-1]}")
                rows = [{"text": f"{kind} review {i:04d} {label.split()[-1]}: a {'good' if i % 2 else 'bad'} film", "label": i % 2} for i in range(n)]
                (d / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
                (d / "labels.json").write_text('["neg", "pos"]')
                store = self.root / "stores" / f"{label.replace(':', '-').replace(' ', '-')}.sqlite"
                gate = self.root / f"gate-{kind}-{label.split()[-1]}"
                if kind == "chat":
                    argv = self.cli("--store", str(store), "eval", "--data", str(d), "--method", "chat", "--base-url", server.url,
                                    "--concurrency", "4", "--batch-size", "8", "-q")  # fmt: skip
                else:  # the keyword test double, held at a gate after its first batch until the kill
                    argv = self.cli("--store", str(store), "eval", "--data", str(d), "--method", "keyword", "--batch-size", "8", "-q",
                                    "-p", f"gate={gate}", "-p", "patience=0.15", fake=True)  # fmt: skip
                rounds = 2 if sig == "double-SIGKILL" else 1
                lost = False
                for r in range(rounds):
                    self.kills += 1
                    cmd = argv if r == 0 else self.cli("--store", str(store), "resume", run_id[:12], "-q", fake=(kind == "local"))  # noqa: F821
                    proc = subprocess.Popen(cmd, cwd=REPO, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            preexec_fn=ctrl_c_as_in_a_terminal)  # fmt: skip
                    got = wait_count(store, 24 * (r + 1), proc)
                    s = signal.SIGKILL if isinstance(sig, str) else sig
                    if proc.poll() is None:
                        proc.send_signal(s)
                    try:
                        out, err = proc.communicate(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        out, err = proc.communicate()
                        self.extra_failures.append(f"{label}: did not end within 60 s of {s.name}: {shlex.join(cmd)}")
                    o = Outcome(f"{label} (round {r + 1})", "kill", cmd, proc.returncode, out, err, 0.0)
                    expect = {signal.SIGKILL: (-9,), signal.SIGTERM: (130, 0), signal.SIGINT: (130, 0)}[s]
                    if "internal error" in err or "Traceback" in err:
                        o.verdict = "FAIL: traceback/internal error after signal"
                    elif proc.returncode not in expect:
                        o.verdict = f"FAIL: exit {proc.returncode} after {s.name} (expected {expect})"
                    else:
                        o.verdict = "killed" if proc.returncode == -9 else ("cancelled" if proc.returncode == 130 else "ok (finished first)")
                    if not got:
                        o.notes.append("the kill came before 24 stored predictions")
                    with self.lock:
                        self.outcomes.append(o)
                    if r == 0:
                        db = sqlite3.connect(store, timeout=30)
                        run_id = db.execute("SELECT run_id FROM runs").fetchone()[0]
                        db.close()
                    if kind == "chat":
                        server.settle()
                gate.touch()  # a resumed local run goes through its gate at once
                db = sqlite3.connect(store, timeout=30)
                kept = {row[0] for row in db.execute("SELECT idx FROM predictions WHERE run_id = ?", (run_id,))}
                db.close()
                before = {i: server.tries(f"{kind} review {i:04d} {label.split()[-1]}:") for i in range(n)} if kind == "chat" else {}
                res = self.run(f"{label}: resume", "kill", self.cli("--store", str(store), "resume", run_id[:12], "-q", fake=(kind == "local")), timeout=180)
                if res.rc == 0 and "nothing to resume" not in res.stdout:
                    pass
                db = sqlite3.connect(store, timeout=30)
                integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
                count = db.execute("SELECT COUNT(DISTINCT idx) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()[0]
                status = db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()[0]
                db.close()
                res.notes.append(f"kept {len(kept)} of {n} before resume; after: {count}, status {status}, integrity {integrity}")
                if integrity != "ok":
                    self.extra_failures.append(f"{label}: integrity_check says {integrity}")
                if count != n or status != "done":
                    self.examples_lost += n - count
                    lost = True
                    self.extra_failures.append(f"{label}: {count}/{n} predictions after resume, status {status}")
                if kind == "chat":
                    server.settle()
                    for i in range(n):
                        t = server.tries(f"{kind} review {i:04d} {label.split()[-1]}:")
                        if i in kept and t != before[i]:
                            self.asked_twice += 1
                            self.extra_failures.append(f"{label}: example {i} was stored yet asked again on resume")
                        elif t > rounds + 1 or t == 0:
                            self.asked_twice += 1 if t else 0
                            self.extra_failures.append(f"{label}: example {i} asked {t} times")
                if not lost and integrity == "ok" and res.verdict == "ok":
                    self.kills_survived += rounds

    # ----- secrets -------------------------------------------------------------------------------
    def secrets(self) -> list[str]:
        leaks = []
        for o in self.outcomes:
            for stream, text in (("stdout", o.stdout), ("stderr", o.stderr)):
                if any(form.decode() in text for form in PLANTED_FORMS[:-1]):
                    leaks.append(f"{o.name}: {stream}")
        for p in self.root.rglob("*"):
            try:
                if p.is_symlink() or not p.is_file() or p.stat().st_size > 200_000_000:
                    continue
                data = p.read_bytes()
            except OSError:
                continue
            if any(form in data for form in PLANTED_FORMS):
                leaks.append(str(p.relative_to(self.root)))
        return leaks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--show-ok", action="store_true", help="list the bad inputs that were accepted (exit 0)")
    ap.add_argument("--only", default="", help="comma-separated: data,options,stores,chat,kills,edges")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wb-attack-"))
    h = Harness(root, args.workers)
    parts = set(filter(None, args.only.split(","))) or {"data", "options", "stores", "chat", "kills", "edges"}
    start = time.monotonic()
    try:
        with FakeOpenAI(delay=0.03, slow=3.0) as server:
            steps = [("data", h.bad_data), ("options", lambda: h.bad_options(server)), ("stores", h.bad_stores),
                     ("chat", lambda: h.chat_faults(server)), ("kills", h.kills_), ("edges", lambda: edges(h, server, PLANTED, REPO))]  # fmt: skip
            (root / "stores").mkdir(exist_ok=True)
            (root / "data").mkdir(exist_ok=True)
            (root / "data" / "ok").mkdir(exist_ok=True)
            good = [{"text": f"a {'good' if i % 2 else 'bad'} film number {i}", "label": i % 2} for i in range(30)]
            (root / "data" / "ok" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in good))
            (root / "data" / "ok" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in good[:6]))
            for name, step in steps:
                if name in parts:
                    t = time.monotonic()
                    if name == "data":
                        shutil.rmtree(root / "data" / "ok")
                    try:
                        step()
                    except Exception as e:  # the harness itself failed: say so, keep the rest
                        h.extra_failures.append(f"harness step {name} stopped: {type(e).__name__}: {e}")
                    print(f"[{name}: {time.monotonic() - t:.0f} s]", file=sys.stderr)
        leaks = h.secrets()
    finally:
        if not args.keep:
            for p in root.rglob("*"):
                try:
                    if not p.is_symlink():
                        os.chmod(p, 0o700 if p.is_dir() else 0o600)
                except OSError:
                    pass
            shutil.rmtree(root, ignore_errors=True)

    outs = h.outcomes
    fails = [o for o in outs if o.verdict.startswith("FAIL")]
    internal = [o for o in outs if "internal error" in o.stderr or "Traceback (most recent call last)" in o.stderr]
    hangs = [o for o in outs if o.rc is None] + [f for f in h.extra_failures if "did not end" in f]
    by_cat: dict[str, int] = {}
    for o in outs:
        by_cat[o.category] = by_cat.get(o.category, 0) + 1
    verdicts: dict[str, int] = {}
    for o in outs:
        key = o.verdict.split(":")[0] if o.verdict.startswith("FAIL") else o.verdict
        verdicts[key] = verdicts.get(key, 0) + 1
    bad_inputs = sum(by_cat.get(c, 0) for c in ("bad data", "bad option", "bad store"))
    print("=" * 78)
    print(f"attack harness summary ({time.monotonic() - start:.0f} s, {len(outs)} commands run)")
    print(f"  bad inputs tried:              {bad_inputs}  (data {by_cat.get('bad data', 0)}, options {by_cat.get('bad option', 0)}, stores {by_cat.get('bad store', 0)})")
    print(f"  faults injected / survived:    {h.faults_injected} / {h.faults_survived}")
    print(f"  kills survived:                {h.kills_survived} / {h.kills}")
    print(f"  examples lost:                 {h.examples_lost}  (asked twice after being stored: {h.asked_twice})")
    print(f"  secrets leaked:                {len(leaks)}")
    print(f"  'internal error' exits:        {len(internal)}")
    print(f"  silent wrong:                  {len(h.silent_wrong)}")
    print(f"  hangs:                         {len(hangs)}")
    print(f"  outcomes:                      {', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))}")
    print(f"  failures (any kind):           {len(fails) + len(h.extra_failures) + len(leaks) + len(h.silent_wrong)}")
    for o in fails:
        last = (o.stderr.strip().splitlines() or [""])[-1][:200]
        print(f"  FAIL [{o.verdict}] {o.name}\n      $ {shlex.join(o.argv)[:400]}\n      rc={o.rc} stderr: {last}")
    for f in h.extra_failures:
        print(f"  FAIL {f}")
    for leak in leaks:
        print(f"  LEAK {leak}")
    for wrong in h.silent_wrong:
        print(f"  SILENT WRONG {wrong}")
    for o in outs:
        if o.notes:
            print(f"  note {o.name}: {'; '.join(o.notes)}")
    for o in sorted(outs, key=lambda o: -o.seconds)[:5]:
        print(f"  slowest {o.seconds:5.1f} s {o.name}")
    if args.show_ok:
        for o in outs:
            if o.rc == 0 and o.category.startswith("bad"):
                print(f"  accepted {o.name}: {(o.stdout.strip().splitlines() or [''])[0][:120]}")
    for s in h.skipped:
        print(f"  skipped: {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
