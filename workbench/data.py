"""Datasets by source: the built-in sample, a local folder or file of splits, or a Hugging Face name.

Every source ends as a :class:`Dataset`: label names in a fixed order, and each split as texts plus
label indices into those names. Label order is the order of ``labels.json`` / ClassLabel names when
the dataset declares them, else the sorted distinct label values.
"""

from __future__ import annotations

import glob
import hashlib
import json
import numbers
import os
import random
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import DATA, ID_COLUMN, LABEL_COLUMN, LIMIT, SKIP_EMPTY, SPLIT, TEXT_COLUMN, TRAIN_SPLIT, DataError
from .labels import check_one_reading, is_missing, resolve_labels
from .readers import FORMATS, Row, clean_text, file_kind, json_type, read_rows, rows_of_columns

SAMPLE = "sample"
"""The source name of the movie-review sample that ships inside the package (works offline)."""


@dataclass(frozen=True)
class DataSpec:
    """Everything that says which examples a run sees."""

    source: str = "rotten_tomatoes"
    split: str = "test"
    train_split: str | None = "train"
    text_column: str = "text"
    label_column: str = "label"
    limit: int | None = None
    """Evaluate on a random sample of this many examples (seeded, in original order)."""
    seed: int = 0
    skip_empty: bool = False
    """Drop empty texts (counted in the report) instead of refusing the dataset."""
    encoding: str = "utf-8-sig"
    holdout: float | None = None
    """Hold out this fraction of the train split (seeded by ``seed``): methods that fit see only the
    rest, and the split named :data:`HOLDOUT_SPLIT` evaluates on the held-out part. None (the
    default): the train split as it is. Used by sweeps to select on data that has no validation
    split without leaking it into what a method fits on. Not part of a run's identity (that is the
    data's content, which this changes)."""
    id_column: str | None = None
    """A column naming each row (its values kept as the row's id in every output); None: rows are
    named by their number in the split file."""


HOLDOUT_SPLIT = ":holdout"
"""The eval split name that means "the part of the train split held out by ``DataSpec.holdout``"."""


@dataclass(frozen=True)
class Origin:
    """Where one example came from: stored with its prediction, named by every output."""

    row: int | None = None
    """Its row in the split file (0-based, every data row counted); None in runs stored before
    rows were kept (their predictions know only their position in the evaluated split)."""
    row_id: str | None = None
    """Its value of the data's id column, when one is named."""
    meta: dict[str, Any] = field(default_factory=dict)
    """The row's other columns (scalars), for slices and exports."""
    tokens: int | None = None
    """Its length in the model's tokens (None: the method has no tokenizer), for the length slice."""


@dataclass(frozen=True)
class Split:
    """The examples of one split, in file order. Example ``i`` is ``texts[i]`` with ``labels[i]``,
    from row ``rows[i]`` of the split file ``file_split`` (the row identity: it survives
    --skip-empty, --limit and a hold-out, see docs/architecture.md), named ``ids[i]`` when the
    data has an id column, with the row's other columns in ``columns[name][i]``."""

    name: str
    texts: list[str]
    labels: list[int]
    skipped_empty: int = 0
    rows: list[int] | None = None
    """Each example's row in its split file (0-based, counting every data row, empty or not);
    None: the examples are the file's rows 0..n-1."""
    ids: list[str] | None = None
    """Each example's value of the id column; None when the data names no id column."""
    columns: dict[str, list[Any]] = field(default_factory=dict)
    """The rows' other columns (metadata), one list per column, aligned with ``texts``; a row
    lacking a column has None there."""
    file_split: str | None = None
    """The split whose file the rows come from, when not ``name`` (a hold-out of the train split
    is named ``train[20% seed 0]`` but its rows are rows of ``train``)."""

    def __len__(self) -> int:
        return len(self.texts)

    def row_of(self, i: int) -> int:
        """The file row of example ``i``."""
        return self.rows[i] if self.rows is not None else i

    def id_of(self, i: int) -> str | None:
        return self.ids[i] if self.ids is not None else None

    def origin(self, i: int, tokens: int | None = None) -> "Origin":
        """Where example ``i`` came from, as a prediction of it is stored."""
        return Origin(self.row_of(i), self.id_of(i), {c: v[i] for c, v in self.columns.items() if v[i] is not None}, tokens)

    @property
    def source_split(self) -> str:
        """The name of the split file the rows are rows of."""
        return self.file_split or self.name

    def subset(self, keep: list[int], name: str | None = None) -> "Split":
        """The examples at positions ``keep`` (in that order), with their rows, ids and columns."""
        return Split(
            name or self.name,
            [self.texts[i] for i in keep],
            [self.labels[i] for i in keep],
            self.skipped_empty,
            [self.row_of(i) for i in keep],
            [self.ids[i] for i in keep] if self.ids is not None else None,
            {c: [v[i] for i in keep] for c, v in self.columns.items()},
            self.file_split,
        )

    def fingerprint(self) -> str:
        """The content that determines a run's result on this split: texts, labels and where each
        came from (row numbers, ids), so that a stored prediction names the same row."""
        h = hashlib.sha256()
        for i, (text, label) in enumerate(zip(self.texts, self.labels)):
            h.update(text.encode("utf-8", "surrogatepass"))
            h.update(b"\x00%d\x00" % label)
            h.update(b"%d\x00" % self.row_of(i))
            if self.ids is not None:
                h.update(self.ids[i].encode("utf-8", "surrogatepass") + b"\x00")
        return h.hexdigest()


@dataclass(frozen=True)
class SplitSummary:
    """A split's size and its examples per class (in the order of the label names)."""

    split: str
    n: int
    counts: list[int]


@dataclass(frozen=True)
class DataSummary:
    """What the setup screen shows of a dataset before a run: :meth:`Dataset.summary`."""

    source: str
    labels: list[str]
    eval: SplitSummary
    train: SplitSummary | None


@dataclass(frozen=True)
class Dataset:
    source: str
    label_names: list[str]
    eval: Split
    train: Split | None
    notes: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.label_names)

    def summary(self) -> "DataSummary":
        """Sizes and label balance, for showing a dataset before running on it."""

        def of(split: Split) -> SplitSummary:
            counts = Counter(split.labels)
            return SplitSummary(split.name, len(split), [counts.get(i, 0) for i in range(self.n_classes)])

        return DataSummary(self.source, list(self.label_names), of(self.eval), of(self.train) if self.train is not None else None)

    def fingerprint(self) -> dict[str, Any]:
        return {
            "labels": self.label_names,
            "eval": self.eval.fingerprint(),
            "train": self.train.fingerprint() if self.train else None,
        }


def sample_dir() -> Path:
    return Path(str(resources.files("workbench") / "sample_data"))


def load_dataset(spec: DataSpec, need_train: bool) -> Dataset:
    """Load the eval split (and the train split when ``need_train``), validated, labels resolved."""
    if spec.text_column == spec.label_column:
        raise DataError(f"the text column and the label column both name '{spec.text_column}'", fix="name a different label column", field=LABEL_COLUMN)
    try:
        raw_eval, raw_train, declared = _load_with_holdout(spec, need_train) if spec.holdout is not None else _load_raw(spec, need_train)
    except OSError as e:  # what the checks below did not foresee: an I/O error, a race with a delete
        where = e.filename or spec.source
        raise DataError(f"cannot read {where} ({e.strerror or type(e).__name__})", fix="check the data's files and their permissions", field=DATA) from None
    raw_eval, repaired_eval = _check_cells(spec.split, raw_eval)
    repaired_train = 0
    if raw_train is not None:
        raw_train, repaired_train = _check_cells(spec.train_split or "train", raw_train)
    names, to_index = resolve_labels(declared, raw_eval + (raw_train or []), spec.label_column)
    eval_name = holdout_name(spec) if spec.split == HOLDOUT_SPLIT else spec.split
    if declared is not None:  # a label that labels.json lets be read as two classes is refused
        check_one_reading(declared, {eval_name: raw_eval, **({spec.train_split or "train": raw_train} if raw_train is not None else {})}, spec.label_column)
    eval_split = _make_split(eval_name, raw_eval, to_index, spec)
    if spec.split == HOLDOUT_SPLIT:
        eval_split = replace(eval_split, file_split=spec.train_split or "train")
    train_split = _make_split(spec.train_split or "train", raw_train, to_index, spec) if raw_train is not None else None
    if train_split is not None:
        _check_train_covers(eval_split, train_split, names)
    if spec.limit is not None:
        eval_split = _limit(eval_split, spec.limit, spec.seed)
    notes = []
    for s in (eval_split, train_split):
        if s is not None and s.skipped_empty:
            notes.append(f"skipped {s.skipped_empty} empty texts in split '{s.name}'")
    for name, n in ((spec.split, repaired_eval), (spec.train_split, repaired_train)):
        if n:
            notes.append(f"{n} rows of split '{name}' held unpaired surrogates (invalid Unicode), replaced by U+FFFD")
    return Dataset(spec.source, names, eval_split, train_split, notes)


# ---------------------------------------------------------------- sources


def holdout_name(spec: DataSpec) -> str:
    """How a held-out part of the train split is named in reports: ``train[20% seed 0]``."""
    return f"{spec.train_split or 'train'}[{spec.holdout or 0:.0%} seed {spec.seed}]"


def has_split(source: str, split: str) -> bool | None:
    """Whether a local source (a folder of split files, or 'sample') has ``split``; None when that
    cannot be told without loading (a hub name, a single file)."""
    path = Path(source).expanduser()
    if not path.exists() and source in (SAMPLE, f"builtin:{SAMPLE}"):
        path = sample_dir()
    if not path.is_dir():
        return None
    return bool(_find_split_files(path, split))


def _carve(rows: list[Row], fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    """(held out, rest): a seeded ``fraction`` of the rows, both parts in their original order."""
    held = set(random.Random(seed).sample(range(len(rows)), max(1, round(len(rows) * fraction)))) if rows else set()
    return [r for i, r in enumerate(rows) if i in held], [r for i, r in enumerate(rows) if i not in held]


def _load_with_holdout(spec: DataSpec, need_train: bool) -> tuple[list[Row], list[Row] | None, list[str] | None]:
    """``spec.holdout`` of the train split held out: the eval rows when the split is
    :data:`HOLDOUT_SPLIT`, and never among the train rows a method fits on."""
    frac = spec.holdout
    if not isinstance(frac, (int, float)) or isinstance(frac, bool) or not 0 < frac < 1:
        raise DataError(f"holdout {frac!r} is not a fraction", expected="a number between 0 and 1 (0.2: a fifth of the train split)")
    if not spec.train_split:
        raise DataError("holdout needs a train split to hold a part of out", fix="name the train split")
    if spec.split != HOLDOUT_SPLIT:
        raw_eval, raw_train, declared = _load_raw(spec, need_train)
        if raw_train is not None:
            raw_train = _carve(raw_train, frac, spec.seed)[1]
        return raw_eval, raw_train, declared
    train_rows, _, declared = _load_raw(replace(spec, split=spec.train_split, holdout=None), False)
    held, rest = _carve(train_rows, frac, spec.seed)
    return held, (rest if need_train else None), declared


def _load_raw(spec: DataSpec, need_train: bool) -> tuple[list[Row], list[Row] | None, list[str] | None]:
    source = spec.source
    if not source or not source.strip():  # Path("") is the current folder: never what was meant
        raise DataError("no data named (the source is empty)", fix="name a local folder or file, a Hugging Face dataset, or 'sample'", field=DATA)
    path = Path(source).expanduser()
    try:
        exists = path.exists()
    except OSError as e:  # a folder on the path that may not be searched
        raise DataError(f"cannot read {path} ({e.strerror})", fix="check the permissions of the data and of the folders above it", field=DATA) from None
    if exists or os.path.lexists(path):
        kind = file_kind(path)
        if kind not in (None, "a folder"):  # a FIFO would block the read; a link loop never ends
            raise DataError(f"the data {path} is {kind}", expected="a data folder or a data file", fix="point at the data folder or file itself", field=DATA)
        return _load_local(path, spec, need_train)
    if source in (SAMPLE, f"builtin:{SAMPLE}"):
        return _load_local(sample_dir(), spec, need_train)
    if source.startswith((".", "/", "~")) or Path(source).suffix.lower() in FORMATS:
        raise DataError(f"no file or folder at {source}", fix="check the path of the data", field=DATA)
    return _load_hub(spec, need_train)


def _find_split_files(folder: Path, split: str, field: str = SPLIT) -> list[Path]:
    if "/" in split or "\\" in split or split in ("", ".", ".."):
        return []  # a path, not a split name (and glob() refuses absolute patterns)
    name = glob.escape(split)  # a split named 'a[1]' is a name, not a pattern
    for ext in FORMATS:
        single = folder / f"{split}{ext}"
        if os.path.lexists(single):
            kind = file_kind(single)
            if kind is None:
                return [single]
            raise DataError(
                f"{single} is {kind} where the file of split '{split}' should be",
                expected="a regular file of rows",
                fix="put the split's file there, or pick another split",
                field=field,
            )
        shards = sorted(folder.glob(f"{name}-*{ext}")) or sorted(folder.glob(f"data/{name}-*{ext}"))
        if shards:
            return shards
    return []


def _available_splits(folder: Path) -> list[str]:
    found = {p.name.split(".")[0].split("-")[0] for p in folder.glob("*") if p.suffix.lower() in FORMATS}
    found |= {p.name.split("-")[0] for p in folder.glob("data/*") if p.suffix.lower() in FORMATS}
    return sorted(found - {"labels"})  # labels.json names the classes; it is not a split


def _split_field(name: str | None, spec: DataSpec) -> str:
    """The field a split named ``name`` came from: the evaluated split, else the train split."""
    return SPLIT if name == spec.split else TRAIN_SPLIT


def _read_folder_split(folder: Path, split: str, spec: DataSpec) -> list[Row]:
    files = _find_split_files(folder, split, _split_field(split, spec))
    if not files:
        field = _split_field(split, spec)
        avail = ", ".join(_available_splits(folder)) or "none"
        if ("/" in split or "\\" in split) and os.path.lexists(Path(split).expanduser()):
            kind = file_kind(Path(split).expanduser())
            raise DataError(f"the split file {split} is {kind}", expected="a regular file of rows", fix="point at the split's file itself", field=field)
        if "/" in split or "\\" in split:
            raise DataError(f"no split file at {split}", expected=f"the path of a split file, or a split name found in {folder} ({avail})", field=field)
        raise DataError(
            f"no file for split '{split}' in {folder} (splits found: {avail})",
            expected=f"{split}.jsonl, {split}.csv or {split}.parquet",
            fix="pick one of the splits found",
            field=field,
        )
    rows: list[Row] = []
    for f in files:
        rows.extend(read_rows(f, spec.text_column, spec.label_column, spec.encoding))
    return rows


def _load_local(path: Path, spec: DataSpec, need_train: bool):
    train_path = Path(spec.train_split).expanduser() if spec.train_split else None
    if path.is_file():
        eval_rows = read_rows(path, spec.text_column, spec.label_column, spec.encoding)
        declared = _read_labels_json(path.parent / "labels.json")
        train_rows = None
        if need_train:
            if train_path is not None and os.path.lexists(train_path) and (kind := file_kind(train_path)) is not None:
                raise DataError(f"the train file {train_path} is {kind}", expected="a regular file of rows", fix="point at the training file itself", field=TRAIN_SPLIT)
            if train_path is None or not train_path.is_file():
                raise DataError(
                    f"the data is a single file ({path.name}), so it has no train split",
                    fix="name the training file as the train split",
                    field=TRAIN_SPLIT,
                )
            train_rows = read_rows(train_path, spec.text_column, spec.label_column, spec.encoding)
        return eval_rows, train_rows, declared
    if not os.access(path, os.R_OK | os.X_OK):
        raise DataError(f"cannot read the data folder {path} (permission denied)", fix="make the folder readable (and searchable) by this user", field=DATA)
    declared = _read_labels_json(path / "labels.json")
    eval_rows = _read_folder_split(path, spec.split, spec)
    train_rows = None
    if need_train:
        if not spec.train_split:
            raise DataError("this method fits on a train split but none was given", fix="name the train split", field=TRAIN_SPLIT)
        if train_path is not None and train_path.is_file():
            train_rows = read_rows(train_path, spec.text_column, spec.label_column, spec.encoding)
        else:
            train_rows = _read_folder_split(path, spec.train_split, spec)
    return eval_rows, train_rows, declared


def _read_labels_json(path: Path) -> list[str] | None:
    kind = file_kind(path)
    if kind == "nothing":
        return None
    if kind is not None:  # never opened: a FIFO would block
        raise DataError(f"{path} is {kind}", expected="a labels.json file listing the class names in order", fix="replace it with that file, or remove it", field=DATA)
    try:
        raw = path.read_bytes()
    except OSError as e:  # no read permission, an I/O error
        raise DataError(f"cannot read {path} ({e.strerror or type(e).__name__})", fix="make it readable by this user", field=DATA) from None
    try:  # JSON is UTF-8 whatever the encoding of the split files is (a BOM is allowed)
        value = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DataError(f"{path} is not valid JSON ({str(e)[:200]})", expected='{"0": "neg", "1": "pos"} or ["neg", "pos"]', field=DATA) from None
    names: list[str] | None = None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = value
    elif isinstance(value, dict) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values()):
        by_index = {int(k): v for k, v in value.items() if re.fullmatch(r"[0-9]{1,6}", k)}
        if len(by_index) == len(value) and sorted(by_index) == list(range(len(value))):
            names = [str(by_index[i]) for i in range(len(value))]
    if names:
        names = [_SURROGATE.sub("\ufffd", n) for n in names]  # printable in every report
        blank = [i for i, n in enumerate(names) if not n.strip()]
        repeated = sorted(n for n, c in Counter(names).items() if c > 1)
        if blank or repeated:
            found = f"an empty label name (class {blank[0]})" if blank else "the label name(s) " + ", ".join(map(repr, repeated[:5])) + " more than once"
            raise DataError(f"{path} has {found}", fix="give every class its own non-empty name in labels.json", field=DATA)
        return names
    raise DataError(
        f"{path} does not list the label names in order",
        expected='{"0": "neg", "1": "pos"} (keys 0..K-1) or ["neg", "pos"]',
        fix="rewrite labels.json in one of those forms",
        field=DATA,
    )


@contextmanager
def _offline_unless_hub_reachable():
    """While the hub cannot be reached, datasets and huggingface_hub in offline mode: a dataset in
    the local cache loads, any other fails at once instead of after half a minute of retries (the
    models' rule: models.check_available). The process-wide switches are put back after."""
    from .models import _hub_offline_env, hub_reachable

    if _hub_offline_env() or hub_reachable():
        yield False
        return
    import datasets.config
    import huggingface_hub.constants

    saved = datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE
    datasets.config.HF_HUB_OFFLINE = huggingface_hub.constants.HF_HUB_OFFLINE = True
    try:
        yield True
    finally:
        datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE = saved


def _load_hub(spec: DataSpec, need_train: bool):
    try:
        import datasets  # lazy: heavy, and only for hub names
    except ImportError:  # pragma: no cover - datasets is a dependency
        raise DataError("the 'datasets' package is not installed", fix="pip install datasets") from None
    unreachable = False
    try:
        with _offline_unless_hub_reachable() as unreachable:
            dd = datasets.load_dataset(spec.source)
    except Exception as e:  # the hub raises many types: offline, not found, gated, bad config
        if unreachable:
            from .models import _hub_address

            host, port = _hub_address()
            raise DataError(
                f"Hugging Face dataset '{spec.source}' is not in the local cache and the hub ({host}:{port}) cannot be reached",
                fix="use a local folder of split files, or the built-in 'sample' offline, or connect to the hub",
                field=DATA,
            ) from None
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise DataError(
            f"could not load Hugging Face dataset '{spec.source}' ({type(e).__name__}: {msg[:200]})",
            fix="check the name and your network, or use a local folder of split files, or the built-in 'sample' offline",
            field=DATA,
        ) from None
    wanted = [spec.split] + ([spec.train_split] if need_train and spec.train_split else [])
    for name in wanted:
        if name not in dd:
            raise DataError(
                f"dataset '{spec.source}' has no split '{name}' (splits: {', '.join(dd)})",
                fix="pick one of them",
                field=_split_field(name, spec),
            )
    first = dd[spec.split]
    for col, what, column_field in ((spec.text_column, "text", TEXT_COLUMN), (spec.label_column, "label", LABEL_COLUMN)):
        if col not in first.column_names:
            raise DataError(
                f"dataset '{spec.source}' has no column '{col}' (columns: {', '.join(first.column_names)})",
                fix=f"name the right {what} column",
                field=column_field,
            )
    feature = first.features.get(spec.label_column)
    declared = list(feature.names) if hasattr(feature, "names") else None

    def rows(name: str) -> list[Row]:
        ds = dd[name]
        return rows_of_columns({c: ds[c] for c in ds.column_names}, spec.text_column, spec.label_column)

    return rows(spec.split), (rows(spec.train_split) if need_train and spec.train_split else None), declared


# ---------------------------------------------------------------- labels and splits


_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair with no other half: JSON may escape one (\\ud83d), but it is no character,
and neither the store nor a tokenizer can encode it."""


def _check_cells(split: str, rows: list[Row]) -> tuple[list[Row], int]:
    """Refuse texts and labels of a kind no class can come from (objects, lists, bytes); replace
    unpaired surrogates by U+FFFD. Returns the rows and how many were repaired."""
    out = rows
    repaired = 0
    for i, (text, label, *_) in enumerate(rows):
        for what, value in (("text", text), ("label", label)):
            if value is not None and not isinstance(value, (str, numbers.Number)):
                expected = "a string (numbers are read as text)" if what == "text" else "one string or number label (multi-label data is not supported)"
                raise DataError(
                    f"split '{split}' row {i + 1} has {json_type(value)} as its {what}: {repr(value)[:60]}",
                    expected=expected,
                    fix=f"fix that row, or name the right {what} column",
                    field=TEXT_COLUMN if what == "text" else LABEL_COLUMN,
                )
        if isinstance(text, str) and _SURROGATE.search(text) or isinstance(label, str) and _SURROGATE.search(label):
            if out is rows:
                out = list(rows)
            fixed = [_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in (text, label)]
            out[i] = rows[i]._replace(text=fixed[0], label=fixed[1])
            repaired += 1
    return out, repaired


def _make_split(name: str, rows: list[Row], to_index, spec: DataSpec) -> Split:
    if not rows:
        raise DataError(f"split '{name}' of {spec.source} is empty", expected="at least one row", fix="check the file or pick another split", field=_split_field(name, spec))
    texts: list[str] = []
    labels: list[int] = []
    kept: list[Row] = []
    empty_rows: list[int] = []
    bad: Counter = Counter()
    for row in rows:
        t = clean_text(row.text)
        idx = to_index(row.label)
        if idx is None:
            bad["(missing)" if is_missing(row.label) else repr(row.label)[:60]] += 1
            continue
        if not t.strip():
            empty_rows.append(row.row)
            continue
        texts.append(t)
        labels.append(idx)
        kept.append(row)
    if bad:
        shown = ", ".join(f"{v} ({n} rows)" for v, n in bad.most_common(5))
        raise DataError(
            f"split '{name}' has labels outside the dataset's label set: {shown}",
            fix="fix those rows, or correct labels.json or the label column",
            field=LABEL_COLUMN,
        )
    if empty_rows and not spec.skip_empty:
        first = ", ".join(str(r) for r in empty_rows[:5])
        raise DataError(
            f"split '{name}' has {len(empty_rows)} empty texts (rows {first}{', ...' if len(empty_rows) > 5 else ''}, counted from 0)",
            fix="remove them, or choose to skip empty texts (they are left out and counted in the report)",
            field=SKIP_EMPTY,
        )
    if not texts:
        raise DataError(f"split '{name}' has no usable rows", fix="check the text column and the file's contents", field=TEXT_COLUMN)
    positions = [r.row for r in kept]
    return Split(
        name,
        texts,
        labels,
        skipped_empty=len(empty_rows),
        rows=None if positions == list(range(len(rows))) else positions,
        ids=_row_ids(name, kept, spec),
        columns=_metadata_columns(kept, spec),
    )


def _row_ids(name: str, rows: list[Row], spec: DataSpec) -> list[str] | None:
    """The id column's value of each row, as text; refuses a missing column, a row without an id
    and an id that two rows share (a correction or a slice must land on one row)."""
    column = spec.id_column
    if not column:
        return None
    if column in (spec.text_column, spec.label_column):
        raise DataError(f"the id column '{column}' is also the {'text' if column == spec.text_column else 'label'} column", fix="name a column that identifies the rows", field=ID_COLUMN)
    ids: list[str] = []
    seen: dict[str, int] = {}
    for r in rows:
        value = r.extra.get(column)
        if value is None or (isinstance(value, float) and value != value) or value == "":
            if not any(column in x.extra for x in rows):
                found = sorted({k for x in rows[:100] for k in x.extra})
                raise DataError(f"split '{name}' has no column '{column}' (other columns: {', '.join(found) or 'none'})", fix="name the column that identifies the rows, or none", field=ID_COLUMN)
            raise DataError(f"split '{name}' row {r.row} has no value in the id column '{column}'", expected="an id on every row", fix="fill it in, or name no id column", field=ID_COLUMN)
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if text in seen:
            raise DataError(f"split '{name}' has the id {text!r} on rows {seen[text]} and {r.row}", expected="a different id on every row", fix="make the ids unique, or name no id column (rows are then named by their number)", field=ID_COLUMN)
        seen[text] = r.row
        ids.append(text)
    return ids


def _metadata_columns(rows: list[Row], spec: DataSpec) -> dict[str, list[Any]]:
    """The rows' other columns, one list each (None where a row lacks it), in first-seen order."""
    names: dict[str, None] = {}
    for r in rows:
        for k in r.extra:
            names.setdefault(k)
    names.pop(spec.id_column or "", None)
    return {k: [r.extra.get(k) for r in rows] for k in names}


def _check_train_covers(eval_split: Split, train: Split, names: list[str]) -> None:
    seen = set(train.labels)
    unseen = Counter(names[label] for label in eval_split.labels if label not in seen)
    if unseen:
        shown = ", ".join(f"'{n}' ({c} rows)" for n, c in unseen.most_common())
        raise DataError(
            f"split '{eval_split.name}' has labels the train split '{train.name}' never saw: {shown}",
            fix="use a train split that has every class, or drop those rows",
            field=TRAIN_SPLIT,
        )
    if len(seen) < 2:
        raise DataError(f"train split '{train.name}' has a single class", expected="at least two classes to fit on", field=TRAIN_SPLIT)


def _limit(split: Split, limit: int, seed: int) -> Split:
    if limit <= 0:
        raise DataError(f"the limit {limit} is not a positive number", fix="sample 1 or more examples, or set no limit to use them all", field=LIMIT)
    if limit >= len(split):
        return split
    return split.subset(sorted(random.Random(seed).sample(range(len(split)), limit)))
