"""How the command line names each error field (workbench/errors.py): the flag that sets it.

An engine message says what to change in words; ``workbench eval`` adds the flag that changes it,
in brackets at the end: ``error: no column 'txt' in test.jsonl (...); name the right text column
[--text-column]``. A method parameter with a flag of its own gets that flag, any other ``-p``."""

from __future__ import annotations

from . import errors as E

FLAGS: dict[str, str] = {
    E.DATA: "--data",
    E.SPLIT: "--split",
    E.TRAIN_SPLIT: "--train-split",
    E.TEXT_COLUMN: "--text-column",
    E.LABEL_COLUMN: "--label-column",
    E.ID_COLUMN: "--id-column",
    E.SLICE_BY: "--slice-by",
    E.LIMIT: "--limit",
    E.SEED: "--seed",
    E.SKIP_EMPTY: "--skip-empty",
    E.ENCODING: "--encoding",
    E.METHOD: "--method",
    E.MODEL: "--model",
    E.DEVICE: "--device",
    E.DEVICES: "--devices",
    E.RAY: "--ray",
    E.DTYPE: "--dtype",
    E.BATCH_SIZE: "--batch-size",
    E.TRUST_REMOTE_CODE: "--trust-remote-code",
    E.STORE: "--store",
    E.RUN: "RUN (the run id; `workbench runs` lists them)",
    E.JSON_PATH: "--json",
    E.CALIBRATE_ON: "--calibrate-on",
    E.SUSPECT_VIEWS: "--views",
}
"""The flag (or argument) of every field that is not a method parameter."""

PARAM_FLAGS: dict[str, str] = {
    "labels": "--labels",
    "label_map": "--label-map",
    "prompt": "--prompt",
    "system": "--system",
    "mode": "--mode",
    "few_shot": "--few-shot",
    "verbalizer": "--verbalizer",
    "hypothesis": "--hypothesis",
    "base_url": "--base-url",
    "api_key_file": "--api-key-file",
    "concurrency": "--concurrency",
}
"""Method parameters with a flag of their own (see cli.py's parser); the rest are ``-p NAME=VALUE``."""


def cli_flag(field: str) -> str:
    """The flag that sets ``field``: ``--text-column``, ``--labels``, ``-p max_iter=VALUE``."""
    name = E.param_name(field)
    if name is not None:
        return PARAM_FLAGS.get(name, f"-p {name}=VALUE")
    try:
        return FLAGS[field]
    except KeyError:
        raise ValueError(f"no command-line flag for error field {field!r}") from None


def cli_message(error: BaseException | str, field: str | None = None) -> str:
    """The error's one line with the flag of its field in brackets at the end (when it has one).
    ``error`` is a WorkbenchError (its own field is used), or a stored error text and its field."""
    return E.with_field(error, field, cli_flag, "{text} [{name}]")
