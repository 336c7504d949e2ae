"""The files of a run's data as relabelling sees them: which file holds a split's row, the label
form each file writes (an int index, a name), where the corrected copy goes and what it holds
(workbench/relabel.py)."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .data import _SURROGATE, SAMPLE, _find_split_files, _read_labels_json, load_dataset, sample_dir
from .errors import DATA, DataError
from .labels import as_int, is_missing
from .readers import Row, clean_text, read_rows
from .relabel_types import Change, Decision
from .relabel_write import rewrite
from .suspects import text_sha256

if TYPE_CHECKING:
    from .data import DataSpec


def _same_or_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class DataFiles:
    spec: "DataSpec"
    root: Path
    """The data folder, or the folder of a single data file."""
    single: Path | None
    """The data file, when the data is one file (then the copy holds it and the train file)."""
    declared: list[str] | None
    """The names of ``labels.json``, when there is one."""

    @classmethod
    def of(cls, spec: "DataSpec") -> "DataFiles":
        path = Path(spec.source).expanduser()
        if not path.exists() and spec.source in (SAMPLE, f"builtin:{SAMPLE}"):
            path = sample_dir()
        if not path.exists():
            raise DataError(
                f"the data '{spec.source}' is not a local folder or file",
                expected="a run over a local folder or file of split files (a corrected copy is written beside it)",
                fix="save the dataset to a folder (e.g. datasets' to_json per split), run on that folder and relabel that run",
                field=DATA,
            )
        path = path.resolve()
        if path.is_file():
            return cls(spec, path.parent, path, _read_labels_json(path.parent / "labels.json"))
        return cls(spec, path, None, _read_labels_json(path / "labels.json"))

    # ------------------------------------------------------------ where things are

    def split_files(self, split: str) -> list[Path]:
        """The file(s) holding the rows of the split named ``split`` (a suspect's ``split``)."""
        named = Path(split).expanduser()
        if ("/" in split or "\\" in split) and named.is_file():
            return [named.resolve()]
        if self.single is not None:
            if split == self.spec.split:
                return [self.single]
            if split == self.spec.train_split and named.is_file():
                return [named.resolve()]
            raise DataError(f"the data is the file {self.single.name}, which has no split '{split}'", fix=f"name the split '{self.spec.split}'", field=DATA)
        files = _find_split_files(self.root, split)
        if not files:
            raise DataError(f"no file for split '{split}' in {self.root}", fix="name a split of the run's data", field=DATA)
        return [f.resolve() for f in files]

    def inputs(self) -> list[Path]:
        """The files a copy of a single-file dataset holds (its data, train file, labels.json)."""
        assert self.single is not None
        found = [self.single]
        train = self.spec.train_split
        if train and Path(train).expanduser().is_file():
            found.append(Path(train).expanduser().resolve())
        if (self.root / "labels.json").is_file():
            found.append(self.root / "labels.json")
        return found

    def copy_path(self, path: Path, staging: Path) -> Path:
        """Where input file ``path`` goes in the copy."""
        if self.single is None and _same_or_inside(path, self.root):
            return staging / path.relative_to(self.root)
        return staging / path.name

    def in_copy(self, target: Path) -> tuple[str, str | None]:
        """(data, train split) of a run over the copy at ``target``."""
        train = self.spec.train_split
        if train and ("/" in train or "\\" in train) and Path(train).expanduser().is_file():
            train = str(self.copy_path(Path(train).expanduser().resolve(), target))
        data = str(target / self.single.name) if self.single is not None else str(target)
        return data, train

    def check_out(self, target: Path) -> None:
        """Refuse an output that is the input, inside it, or holds anything already."""
        out = target.resolve()
        inputs = self.inputs() if self.single is not None else [self.root]
        for path in [*inputs, self.root]:
            if _same_or_inside(out, path) or (self.single is not None and out == path.parent):
                raise DataError(
                    f"the output {target} is the input data or inside it ({path})",
                    expected="a new folder: a corrected copy is never written in place",
                    fix="name a folder outside the data, e.g. beside it",
                )
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise DataError(f"the output {target} already exists and is not an empty folder", fix="name a new folder, or remove that one first")

    # ------------------------------------------------------------ labels

    def name_of(self, raw: Any) -> str:
        """The label name of a raw label cell, as workbench/labels.py resolves it."""
        if self.declared is not None:
            if isinstance(raw, str) and raw in self.declared:
                return raw
            i = as_int(raw)
            return self.declared[i] if i is not None and 0 <= i < len(self.declared) else str(raw)
        i = as_int(raw)
        return str(i) if i is not None else str(raw)

    def raw_form(self, name: str, raws: Sequence[Any]) -> Any:
        """``name`` as the file writes its labels: a value of the file meaning it, else in the form
        of the file's other labels (an int index, a digit string, the name)."""
        for r in raws:
            if not is_missing(r) and self.name_of(r) == name:
                return r
        sample = next((r for r in raws if not is_missing(r)), name)
        index = self.declared.index(name) if self.declared is not None else as_int(name)
        if isinstance(sample, bool) or index is None:
            return name
        if isinstance(sample, (int, float)):
            return type(sample)(index)
        return str(index) if as_int(sample) is not None else name

    # ------------------------------------------------------------ checks and writing

    def check_unchanged(self, decisions: Sequence["Decision"], fingerprint: Any, labels: Sequence[str]) -> None:
        """Decisions with no text digest (a decisions file) are checked against the data the
        evidence run read: the data must be as it was then."""
        if all(d.text_sha256 is not None for d in decisions) or not decisions:
            return
        need_train = isinstance(fingerprint, dict) and fingerprint.get("train") is not None
        current = load_dataset(self.spec, need_train=need_train)
        if fingerprint is not None and current.fingerprint() != fingerprint or list(current.label_names) != list(labels):
            raise DataError(
                "the data changed since the evidence run read it, so decisions without a text_sha256 cannot be checked against their rows",
                fix="run again on the data as it is now and decide on that run, or give each decision the text_sha256 of its row's text",
                field=DATA,
            )

    def write(self, staging: Path, decisions: Sequence["Decision"], labels: Sequence[str], run_id: str) -> tuple[list["Change"], int, list[str]]:
        """Copy the data into ``staging`` with ``decisions`` applied: (changes, decisions that
        change nothing, rewritten files relative to ``staging``). Every decision is checked
        before anything is written."""
        by_split: dict[str, list["Decision"]] = defaultdict(list)
        for d in decisions:
            if d.label not in labels:
                raise DataError(f"split '{d.split}' row {d.row}: the label '{d.label}' is not one of the data's ({', '.join(labels)})", field=DATA)
            by_split[d.split].append(d)
        changes: list[Change] = []
        unchanged = 0
        edits: dict[Path, dict[int, Any]] = {}
        for split, chosen in by_split.items():
            files = self.split_files(split)
            rows: list[tuple[Path, int, Row]] = []
            for f in files:
                rows += [(f, local, r) for local, r in enumerate(read_rows(f, self.spec.text_column, self.spec.label_column, self.spec.encoding))]
            raws = list(dict.fromkeys(r.label for _, _, r in rows if isinstance(r.label, (str, int, float))))
            for d in sorted(chosen, key=lambda d: d.row):
                if d.row >= len(rows):
                    raise DataError(f"split '{split}' has {len(rows)} rows; a decision names row {d.row}", fix="check the decisions (rows count from 0)", field=DATA)
                f, local, row = rows[d.row]
                text = _SURROGATE.sub("\ufffd", clean_text(row.text))
                digest = text_sha256(text)
                if d.text_sha256 is not None and d.text_sha256 != digest:
                    shown = " ".join(text.split())[:60]
                    raise DataError(
                        f"split '{split}' row {d.row} is not the row decided on: its text changed since (now '{shown}')",
                        expected="the text the decision was made on (its text_sha256)",
                        fix="find the suspect labels again on a run of the data as it is now, and decide on those",
                        field=DATA,
                    )
                old = self.name_of(row.label)
                if old == d.label:
                    unchanged += 1
                    continue
                edits.setdefault(f, {})[local] = self.raw_form(d.label, raws)
                changes.append(Change(split, d.row, d.id, digest, old, d.label, d.score, run_id, d.decided, d.at))
        if self.single is None:
            shutil.copytree(self.root, staging, dirs_exist_ok=True)
        else:
            for path in self.inputs():
                shutil.copy2(path, staging / path.name)
        written = []
        for f, rows_changed in edits.items():
            dest = self.copy_path(f, staging)
            rewrite(f, dest, self.spec.label_column, rows_changed, self.spec.encoding)
            written.append(str(dest.relative_to(staging)))
        changes.sort(key=lambda c: (c.split, c.row))
        return changes, unchanged, written
