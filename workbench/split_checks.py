"""Splits that measure something else than they seem to: an evaluation (or a sweep's selection,
or a temperature's fit) on rows the method fitted on. Each is a warning, not an error: the user may
mean it (a training score is worth knowing), but the figure is then no test on unseen data.

A split's rows are compared, not its name: a hold-out of train (``DataSpec.holdout``) is evaluated
on rows of the train file that the method never sees, so it is no overlap; the same file named
twice (``--split train --train-split train``) is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .results import warning

if TYPE_CHECKING:
    from .data import Dataset, Split


def rows_fitted_on(split: "Split", train: "Split | None") -> int:
    """How many examples of ``split`` are rows of ``train`` (the split a method fits on): 0 when
    no method fits (``train`` None) or the two are other files, or other rows of one file."""
    if train is None or split.source_split != train.source_split:
        return 0
    fitted = {train.row_of(i) for i in range(len(train))}
    return sum(split.row_of(i) in fitted for i in range(len(split)))


def fit_split_warnings(dataset: "Dataset") -> list[str]:
    """The warning for a dataset whose evaluated split holds rows its train split has (the method
    fits on ``dataset.train``; None when it fits on nothing)."""
    ev, train = dataset.eval, dataset.train
    n = rows_fitted_on(ev, train)
    if not n or train is None:
        return []
    share = f"all {n}" if n == len(ev) else f"{n} of the {len(ev)}"
    return [
        warning(
            f"the method fits on split '{train.name}', and {share} evaluated examples are its rows: "
            "these figures are (in part) a training score, not a test on unseen data; evaluate on another split for that"
        )
    ]


def calibration_warnings(split: "Split", dataset: "Dataset") -> list[str]:
    """The warning for a temperature fitted on the rows the method fits on (``--calibrate-on
    train`` for a method that fits on train): the method is surer of those than of new texts."""
    n = rows_fitted_on(split, dataset.train)
    if not n:
        return []
    assert dataset.train is not None  # rows_fitted_on found some of its rows
    return [
        warning(
            f"the temperature is fitted on split '{split.name}', the split the method fits on ({n} of its {len(split)} rows): "
            "the method is surer of rows it fitted on, so the 'after scaling' calibration is too confident for new texts; "
            "calibrate on a held-out split (validation)"
        )
    ]
