"""Temperature scaling on a held-out split (``--calibrate-on validation``), and the runner's one
call for the report's confidence entries.

Why a held-out split: a temperature fitted on the evaluated split's own labels would flatter the
"after" figures (it is fitted to the very answers it is judged on). The split is read and
fingerprinted at prepare, and its name and content enter the run's identity, but only when asked
for: a run without ``--calibrate-on`` keeps its identity, hence its id, unchanged. The stored
predictions stay the method's own scores; the report gives calibration before and after
(``Report.calibration.after_scaling``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .errors import CALIBRATE_ON, ConfigError, DataError
from .methods import Phase
from .split_checks import calibration_warnings

if TYPE_CHECKING:
    from .confidence import ConfidenceEntries
    from .data import Dataset, Split
    from .methods import Method, Prediction, RunContext
    from .spec import PreparedRun, RunSpec


def calibration_split_of(spec: "RunSpec", dataset: "Dataset", identity: dict[str, Any], warnings: list[str] | None = None) -> "Split | None":
    """The split to fit a temperature on (``spec.calibrate_on``), read with the eval split's
    columns and label names; its name and fingerprint are added to ``identity``. None (and the
    identity untouched) when not asked for. Refused: a split of one example or of one class (a
    temperature fitted there only sharpens or flattens every score as far as it can go, to fit
    that one answer or that one class). ``warnings`` gets the warning for a split the method
    fits on (workbench/split_checks.py)."""
    name = spec.calibrate_on
    if not name:
        return None
    from .data import Split, load_dataset

    if name == dataset.eval.name:
        raise ConfigError(
            f"the calibration split {name} is the split being evaluated", expected="a held-out split (a temperature fitted on the evaluated labels flatters the result)",
            fix="calibrate on the validation split (or another split than the evaluated one)", field=CALIBRATE_ON,
        )  # fmt: skip
    held = load_dataset(replace(spec.data, split=name, limit=None), need_train=False)
    index = {label: i for i, label in enumerate(dataset.label_names)}
    unknown = [label for label in held.label_names if label not in index]
    if unknown:
        raise DataError(f"split '{name}' has labels the evaluated data has not: {unknown[:5]}", fix="calibrate on a split with the same labels", field=CALIBRATE_ON)
    split = held.eval
    classes = {held.label_names[y] for y in split.labels}
    if len(split) < 2 or len(classes) < 2:
        found = f"1 example (of class '{next(iter(classes))}')" if len(split) < 2 else f"{len(split)} examples, all of class '{next(iter(classes))}'"
        raise ConfigError(
            f"the calibration split '{name}' has {found}: a temperature fitted there only fits that "
            f"{'answer' if len(split) < 2 else 'class'}, pushing every score as far as it goes",
            expected="a held-out split with examples of at least two classes", fix="calibrate on a larger held-out split (validation), or not at all",
            field=CALIBRATE_ON,
        )  # fmt: skip
    if warnings is not None:
        warnings += calibration_warnings(split, dataset)
    split = Split(split.name, list(split.texts), [index[held.label_names[y]] for y in split.labels], split.skipped_empty)
    identity["calibrate_on"] = {"split": name, "data": split.fingerprint()}
    return split


def fit_scaling(prep: "PreparedRun", method: "Method", ctx: "RunContext", predict: Callable[[list[str]], "list[Prediction]"]) -> tuple[float, str] | None:
    """(temperature, split name) fitted on the predictions of ``prep.calibration_split``, or None
    when no split was asked for or its predictions have no scores (then a note says so)."""
    split = prep.calibration_split
    if split is None:
        return None
    import numpy as np

    from .calibration import fit_temperature

    rows: list[list[float]] = []
    gold: list[int] = []
    for start in range(0, len(split), ctx.batch_size):
        ctx.check_cancelled()
        texts = split.texts[start : start + ctx.batch_size]
        for p, y in zip(predict(list(texts)), split.labels[start : start + ctx.batch_size]):
            if p.label is not None and p.scores is not None:
                rows.append(p.scores)
                gold.append(y)
        ctx.progress(Phase.CALIBRATING, min(start + ctx.batch_size, len(split)), len(split), detail=split.name)
    if not rows:
        ctx.notes.append(f"no temperature fitted on split '{split.name}': its predictions have no scores")
        return None
    return fit_temperature(np.asarray(rows), gold), split.name


def report_confidence(prep: "PreparedRun", done: "dict[int, Prediction]", order: Sequence[int], scaling: tuple[float, str] | None) -> "ConfidenceEntries":
    """The report's ``calibration`` and ``selective`` entries for the predictions ``done`` (in
    ``order``), with the calibration after scaling when a temperature was fitted."""
    from .confidence import confidence_entries

    ds = prep.dataset
    temperature, fitted_on = scaling if scaling else (None, None)
    return confidence_entries(
        [ds.eval.labels[i] for i in order], [done[i].label for i in order], [done[i].scores for i in order], len(ds.label_names),
        temperature=temperature, fitted_on=fitted_on,
    )  # fmt: skip
