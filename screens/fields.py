"""How the terminal UI names each error field (workbench/errors.py): the form field the user sees,
and the widget that edits it where one does.

An engine message says what to change in words; the UI adds where to change it: ``data: no column
'txt' in test.jsonl (...); name the right text column (field: Columns › text)``, and the setup
screen puts the cursor in that box. Settings the UI has no box for (the encoding, the seed: they
come with a configuration reused from a stored run) are named in words."""

from __future__ import annotations

from dataclasses import dataclass

from workbench import errors as E


@dataclass(frozen=True)
class TuiField:
    label: str
    """What the user reads: the form's row, then the box in it ("Columns › text")."""
    screen: str | None = None
    """The screen whose widget edits it: "setup" or "prompt"; None when no widget does."""
    widget: str | None = None
    """The CSS selector of that widget on that screen."""


FIELDS: dict[str, TuiField] = {
    E.DATA: TuiField("Name or path", "setup", "#source"),
    E.SPLIT: TuiField("Splits › eval", "setup", "#split"),
    E.TRAIN_SPLIT: TuiField("Splits › train", "setup", "#train-split"),
    E.LIMIT: TuiField("Splits › limit", "setup", "#limit"),
    E.TEXT_COLUMN: TuiField("Columns › text", "setup", "#text-column"),
    E.LABEL_COLUMN: TuiField("Columns › label", "setup", "#label-column"),
    E.ID_COLUMN: TuiField("Columns › id", "setup", "#id-column"),
    E.SLICE_BY: TuiField("the column the Slices tab groups by"),
    E.METHOD: TuiField("Method", "setup", "#method"),
    E.MODEL: TuiField("Model", "setup", "#model"),
    E.DEVICE: TuiField("Running › device", "setup", "#device"),
    E.DEVICES: TuiField("Devices", "setup", "#devices"),
    E.RAY: TuiField("the Ray cluster the prediction runs on (a command-line setting)"),
    E.BATCH_SIZE: TuiField("Running › batch", "setup", "#batch-size"),
    E.DTYPE: TuiField("Running › precision", "setup", "#dtype"),
    E.TRUST_REMOTE_CODE: TuiField("Model code › trust remote code", "setup", "#trust-remote-code"),
    E.SEED: TuiField("the sampling seed (kept from the reused run's configuration)"),
    E.SKIP_EMPTY: TuiField("skipping empty texts (kept from the reused run's configuration)"),
    E.ENCODING: TuiField("the text encoding of the data files (kept from the reused run's configuration)"),
    E.STORE: TuiField("the run store (the file the app was opened on)"),
    E.RUN: TuiField("the selected run (History)"),
    E.JSON_PATH: TuiField("the JSON report path"),
    E.CALIBRATE_ON: TuiField("the calibration split (kept from the reused run's configuration)"),
    E.SUSPECT_VIEWS: TuiField("the views suspect labels are found from (a command-line setting)"),
}
"""Every field that is not a method parameter."""

PARAM_LABELS: dict[str, str] = {"labels": "Label texts"}
"""Method parameters whose editor is titled otherwise than by the parameter's name."""


def tui_field(field: str) -> TuiField:
    """Where the UI edits ``field``; a method parameter is its editor on the prompt screen."""
    name = E.param_name(field)
    if name is not None:
        return TuiField(f"Prompt and labels › {PARAM_LABELS.get(name, name)}", "prompt", f"#editor-{name}")
    try:
        return FIELDS[field]
    except KeyError:
        raise ValueError(f"no UI name for error field {field!r}") from None


def setup_widget(field: str | None) -> str | None:
    """The selector of the setup screen's widget for ``field``, or None when it has none there."""
    if field is None:
        return None
    try:
        found = tui_field(field)
    except ValueError:
        return None
    return found.widget if found.screen == "setup" else None


def tui_label(field: str) -> str:
    return tui_field(field).label


def tui_message(error: BaseException | str, field: str | None = None) -> str:
    """The error's one line with the UI's name of its field at the end (when it has one).
    ``error`` is a WorkbenchError (its own field is used), or a stored error text and its field."""
    return E.with_field(error, field, tui_label, "{text} (field: {name})")
