"""The project's own error type: what was expected, what was found, how to fix it, and which
setting it is about.

Fields
------
An error names the setting it is about with ``field=``, one of the words below, so that each front
end can point at it in its own terms: the command line names its flag (``--text-column``), the
terminal UI the box the user sees ("Columns › text"). The message itself (``found``, ``expected``,
``fix``) names no flag or widget: it says what to change in plain words ("name the right text
column"). The two mappings live in ``workbench/cli_fields.py`` and ``screens/fields.py``; a test
checks that both cover every field here.

- ``data``: the data source: a Hugging Face dataset name, a local folder or file, 'sample'
- ``split``: the split evaluated on
- ``train_split``: the split (or file) a method fits on
- ``text_column``: the column holding the texts
- ``label_column``: the column holding the labels
- ``id_column``: the column naming each row (its id in every output)
- ``slice_by``: a column the figures are sliced by
- ``limit``: how many examples to sample for evaluation
- ``seed``: the seed of that sample
- ``skip_empty``: whether empty texts are left out instead of refused
- ``encoding``: the text encoding of local data files
- ``method``: the method evaluated
- ``model``: the model: a hub id or a local folder
- ``device``: where the model runs (auto, cpu, cuda, cuda:N, mps)
- ``dtype``: the precision the model runs in
- ``batch_size``: examples per batch
- ``trust_remote_code``: whether a model folder's own Python code may run
- ``store``: the run store file
- ``run``: a stored run named by the user (its id or a prefix of it)
- ``json_path``: where the JSON report is written
- ``calibrate_on``: the held-out split a temperature is fitted on
- ``param:<name>``: the method parameter ``<name>``: ``param:labels`` (the label texts),
  ``param:prompt``, ``param:system``, ``param:hypothesis``, ``param:few_shot``,
  ``param:label_map``, ``param:verbalizer``, ``param:max_iter`` ...
- ``param:api_key_file``: the file holding the API key (a chat parameter: :data:`API_KEY_FILE`)
- ``param:base_url``: the API server's address (a chat parameter: :data:`BASE_URL`)

The words are constants below (``errors.TEXT_COLUMN``, ``errors.param("labels")``); a
:class:`WorkbenchError` refuses a field outside them.
"""

from __future__ import annotations

from typing import Callable

DATA = "data"
SPLIT = "split"
TRAIN_SPLIT = "train_split"
TEXT_COLUMN = "text_column"
LABEL_COLUMN = "label_column"
ID_COLUMN = "id_column"
SLICE_BY = "slice_by"
LIMIT = "limit"
SEED = "seed"
SKIP_EMPTY = "skip_empty"
ENCODING = "encoding"
METHOD = "method"
MODEL = "model"
DEVICE = "device"
DEVICES = "devices"
RAY = "ray"
DTYPE = "dtype"
BATCH_SIZE = "batch_size"
TRUST_REMOTE_CODE = "trust_remote_code"
STORE = "store"
RUN = "run"
JSON_PATH = "json_path"
CALIBRATE_ON = "calibrate_on"
SUSPECT_VIEWS = "suspect_views"

FIELDS: tuple[str, ...] = (
    DATA, SPLIT, TRAIN_SPLIT, TEXT_COLUMN, LABEL_COLUMN, LIMIT, SEED, SKIP_EMPTY, ENCODING,
    METHOD, MODEL, DEVICE, DEVICES, RAY, DTYPE, BATCH_SIZE, TRUST_REMOTE_CODE, STORE, RUN, JSON_PATH, CALIBRATE_ON, SUSPECT_VIEWS, ID_COLUMN, SLICE_BY,
)  # fmt: skip
"""Every field that is not a method parameter (those are ``param:<name>``, see :func:`param`)."""

PARAM_PREFIX = "param:"


def param(name: str) -> str:
    """The field of method parameter ``name``: ``param("labels") == "param:labels"``."""
    return PARAM_PREFIX + name


def param_name(field: str | None) -> str | None:
    """``"labels"`` for ``"param:labels"``; None for a field that is not a method parameter."""
    if field and field.startswith(PARAM_PREFIX):
        return field[len(PARAM_PREFIX) :]
    return None


def is_field(field: str) -> bool:
    """Whether ``field`` is in the vocabulary above."""
    return field in FIELDS or bool(param_name(field))


API_KEY_FILE = param("api_key_file")
BASE_URL = param("base_url")


class WorkbenchError(Exception):
    """A fatal problem the user can fix. Its message is one line meant for the terminal.

    Build it from three parts so every message says the same things in the same order, and name
    the setting it is about (see the module's docstring):
    ``WorkbenchError("split 'test' not found", expected="...", fix="...", field=SPLIT)``.
    """

    def __init__(self, found: str, *, expected: str | None = None, fix: str | None = None, field: str | None = None):
        if field is not None and not is_field(field):
            raise ValueError(f"unknown error field {field!r} (see workbench/errors.py)")
        self.found = found
        self.expected = expected
        self.fix = fix
        self.field = field
        parts = [found]
        if expected:
            parts.append(f"expected {expected}")
        if fix:
            parts.append(fix)
        # One line whatever the parts quote (a template, a label with a newline in it).
        super().__init__("; ".join(parts).replace("\r", "\\r").replace("\n", "\\n"))


class DataError(WorkbenchError):
    """The dataset, a split, a column or a label is missing or malformed."""


class ConfigError(WorkbenchError):
    """A method, model, parameter, label map or template is not usable as given."""


class ServerError(WorkbenchError):
    """An API server keeps failing (no answer, errors for every request): the run stops rather
    than spend every example's retries on it."""


class StoreError(WorkbenchError):
    """The run store cannot be opened, or a run named by the user is not in it."""


class WorkerError(WorkbenchError):
    """A worker process of a run spread over devices ended without a word (killed: out of host
    memory, a signal); the batches it had finished are stored."""


class Cancelled(Exception):
    """Raised inside a run when the user asked it to stop; finished predictions are kept."""


def with_field(error: BaseException | str, field: str | None, name_of: Callable[[str], str], form: str) -> str:
    """The error's one line with its field named as a front end names it: ``form`` is filled with
    ``text`` and ``name`` (``name_of(field)``: a flag, a widget's label). ``error`` is a
    WorkbenchError (its own field is used unless ``field`` is given) or a stored error text. A
    field the front end cannot name leaves the message alone: it still says what is wrong."""
    text = str(error)
    field = field if field is not None else getattr(error, "field", None)
    if field is None:
        return text
    try:
        return form.format(text=text, name=name_of(field))
    except ValueError:  # a field this version does not know
        return text
