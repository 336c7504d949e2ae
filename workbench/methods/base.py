"""The one interface every method implements, and what flows through it."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal, Mapping, Sequence

from ..errors import Cancelled, ConfigError, param
from ..models import ModelRef
from ..pairs import parse_pairs
from ..precision import DEFAULT_BATCH
from ..progress import Phase, ProgressEvent

if TYPE_CHECKING:
    from typing_extensions import Self


@dataclass(frozen=True)
class Prediction:
    """One example's outcome. ``label`` is an index into the dataset's labels, or None when the
    method could not produce one (then ``raw`` or ``error`` says why): invalid is never a class."""

    label: int | None
    scores: list[float] | None = None
    raw: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Param:
    """A method parameter as the CLI, the UI and the run identity see it."""

    name: str
    default: Any
    help: str
    kind: str = "str"  # str | int | float | bool | texts | mapping
    editor: Literal["line", "texts", "template", "template-line", "message"] | None = None
    """How a front end edits it: ``line`` (one line, coerced by :meth:`coerce`), ``texts`` (one
    text per class), ``template`` (several lines, checked by ``check``: a prompt),
    ``template-line`` (one line checked by ``check``: a hypothesis) or ``message`` (several lines,
    any text or none). None: ``texts`` for kind texts, else ``line``. All but ``line`` are the
    prompt-and-labels part of a method's settings."""
    check: Callable[[str], Any] | None = field(default=None, compare=False)
    """The engine's check of one edited value on its own (raises ConfigError, returns the value),
    run as the user types; None: :meth:`coerce` alone. Whatever it refuses a run refuses too."""
    in_identity: bool = True
    """False for a parameter that cannot change the result (where the API key is read from): it
    enters the run's identity at its default whatever it is set to (``registry.identity_params``),
    so two runs that differ in it alone are one run, and runs made before keep their ids."""

    @property
    def editor_kind(self) -> str:
        """``editor``, or what the kind implies when none is declared."""
        return self.editor or ("texts" if self.kind == "texts" else "line")

    def coerce(self, value: Any) -> Any:
        """Turn a CLI string into this parameter's type, or raise ConfigError saying what fits."""
        if not isinstance(value, str):
            return value
        try:
            if self.kind == "int":
                return int(value)
            if self.kind == "float":
                number = float(value)
                if number != number or number in (float("inf"), float("-inf")):
                    raise ValueError(value)  # nan passes every range check a method makes
                return number
            if self.kind == "texts":  # -p labels="a very bad review|a very good review"
                return [t.strip() for t in value.split("|")]
            if self.kind == "mapping":  # -p label_map="LABEL_0=neg,LABEL_2=" (an empty value ignores)
                try:
                    return parse_pairs(value, "item {!r}")
                except ConfigError as e:
                    raise ConfigError(
                        f"parameter {self.name}={value!r} is not a valid mapping ({e.found})", expected=e.expected,
                        fix=f"e.g. {self.name}=KEY=VALUE,KEY2=VALUE2", field=param(self.name),
                    ) from None  # fmt: skip
            if self.kind == "bool":
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
        except ValueError:
            example = self.default
            expected = "a finite number" if self.kind == "float" else None
            raise ConfigError(f"parameter {self.name}={value!r} is not a valid {self.kind}", expected=expected, fix=f"e.g. {self.name}={example}", field=param(self.name)) from None
        return value


@dataclass
class RunContext:
    """What a method gets from the runner: where to run, how big a batch, and how to report
    progress and notice a cancel request. Plain code: no UI in here."""

    device: str = "cpu"
    dtype: str = "float32"
    """float32, bfloat16 or float16: what the model's weights and activations are kept in."""
    trust_remote_code: bool = False
    """Whether a model folder's own Python code may run (only when the user asked for it)."""
    batch_size: int = 32
    on_progress: Callable[[ProgressEvent], None] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    cache: Any = None
    """A RunStore whose embedding and response caches methods may use; None: no caching."""
    models: Any = None
    """The engine's kept models (a ``workbench.kept.KeptModels``) that ``models.load_model`` loads
    through; None: every load is fresh."""
    notes: list[str] = field(default_factory=list)
    """Things the runner did that the report should say (a batch size halved on out-of-memory)."""
    run_state: dict[str, Any] = field(default_factory=dict)
    """A method's state for this run only (counters, a client): the method object itself is
    cached and outlives runs, so it keeps none."""
    _phase_start: dict[tuple[Phase, str | None], float] = field(default_factory=dict)

    def progress(self, phase: Phase, done: int, total: int | None, correct: int | None = None, detail: str | None = None, loss: float | None = None) -> None:
        start = self._phase_start.setdefault((phase, detail), time.perf_counter())
        if self.on_progress is not None:
            self.on_progress(ProgressEvent(phase, done, total, time.perf_counter() - start, correct, detail, loss))

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()


SCORE_TOLERANCE = 1e-6
"""How far from 1 a prediction's scores may sum (float rounding of a softmax)."""


@dataclass(frozen=True)
class Preview:
    """What the prompt/labels screen shows for one example: exactly what the model is given for
    it, built by the method itself so that no front end rebuilds a template.

    ``kind`` says which parts apply: ``prompt`` (system + filled prompt, answer words),
    ``hypothesis`` (the premise and one filled hypothesis per class), ``label_texts`` (the text
    and the label texts it is compared with) or ``plain`` (the text as it is)."""

    kind: Literal["prompt", "hypothesis", "label_texts", "plain"]
    text: str
    prompt: str | None = None
    system: str | None = None
    few_shot: int = 0
    """Few-shot examples put before the prompt (drawn from the train split at fit time)."""
    pairs: tuple[tuple[str, str], ...] = ()
    """(label name, what stands for it): answer words, filled hypotheses or label texts."""
    note: str = ""
    """How the text is compared with the pairs (one line)."""


@dataclass(frozen=True)
class Estimate:
    """What a run over an API would cost, before it is made (see :meth:`Method.estimate`)."""

    model: str
    base_url: str
    examples: int
    cached: int
    calls: int
    prompt_tokens: int
    completion_tokens_at_most: int
    token_rule: str
    cost_usd_at_most: float | None
    cost_usd_prompt: float | None


def check_scores(prediction: Prediction, n_classes: int) -> str | None:
    """What breaks the score contract in ``prediction`` (see :class:`Method`), or None."""
    scores = prediction.scores
    if scores is None:
        return None
    if len(scores) != n_classes:
        return f"{len(scores)} scores for {n_classes} classes"
    if any(not (0.0 <= s <= 1.0) for s in scores):  # nan fails both comparisons
        return f"scores outside [0, 1]: {scores}"
    if abs(sum(scores) - 1.0) > SCORE_TOLERANCE:
        return f"scores sum to {sum(scores)!r}, not 1"
    return None


def softmax(logits: Any, temperature: float = 1.0) -> Any:
    """Row-wise softmax of ``logits / temperature`` (numpy), -inf columns getting 0."""
    import numpy as np

    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class Method(ABC):
    """A classification method: the one contract the runner, the CLI, the UI and the conformance
    test (tests/test_method_contract.py) rely on. Subclass it, decorate the class with
    ``@register`` (workbench/methods/registry.py), and the method is listed by the CLI and the UI
    and checked by the conformance test; docs/architecture.md walks through a whole example.

    Conventions (scikit-learn's): ``__init__`` stores the configuration only and does no work;
    ``load`` brings in the model; ``fit`` learns from the train split (or prepares label texts)
    and returns ``self``; ``predict`` classifies one batch. State learned by ``load``/``fit`` ends
    in ``_``. A fitted method object is cached and reused by later runs, so anything that belongs
    to *one run* (counters, a client's usage) lives in ``ctx.run_state``, never on ``self``.

    **Score contract.** ``predict`` returns one :class:`Prediction` per text, in order. Its
    ``label`` is an index into ``config.label_names`` or None (invalid: ``raw`` or ``error`` says
    why). Its ``scores`` are a probability per class, in label order, each in [0, 1] and summing
    to 1 within :data:`SCORE_TOLERANCE`; or None when the method cannot give probabilities, in
    which case :meth:`scores_rule` says so (it is shown in the report). How each method derives
    its scores is in its ``scores_rule``.

    Every optional hook is declared here with its default; the runner never looks a hook up by
    name.
    """

    name: ClassVar[str]
    """The name the CLI and the UI use (``--method NAME``)."""
    description: ClassVar[str]
    """One line for ``workbench methods`` and the UI's method list."""
    default_model: ClassVar[str | None] = None
    """The model used when none is given (a hub id or a folder name); None: the method needs none."""
    params: ClassVar[tuple[Param, ...]] = ()
    """The method's parameters: their names, defaults and kinds (the CLI's -p, the UI's editors)."""
    runs_locally: ClassVar[bool] = True
    """False for a method that runs no local model (an API): no device, no dtype, no torch."""
    float16_ok: ClassVar[bool] = True
    """False when the model's activations overflow float16 (T5): ``auto`` then never picks it."""
    batch_sizes: ClassVar[Mapping[str, int]] = DEFAULT_BATCH
    """Examples per batch by device kind when the user gives none (see :meth:`auto_batch_size`)."""
    fit_reads_texts: ClassVar[bool] = False
    """True when ``fit`` feeds the train texts through the model (and so cuts them at
    ``token_limit``, counted in the report's notes); False for a method whose train split only
    supplies few-shot examples or label counts. Default: False."""
    live_preview: ClassVar[bool] = False
    """True when scoring one example again after an edit is cheap once the model is loaded (an
    embedding method encodes the label texts and one text): the prompt screen then re-scores its
    example as the user types; otherwise on a key."""
    fits_on_embeddings: ClassVar[bool] = False
    """True when ``fit`` learns from sentence embeddings of the train split (embed-logreg,
    embed-centroid): ``workbench suspects`` then checks the train split too, by out-of-fold
    probabilities on the run's embeddings of it (see :meth:`train_check_c`). Default: False."""
    takes_proposed_label_texts: ClassVar[bool] = False
    """True when a sweep's ``propose = N`` may fill its ``labels`` parameter with generated label
    texts (workbench/propose.py: phrases like "A negative review" that it scores by similarity).
    Default: False (a sweep refuses proposals for the method)."""
    prefetches: ClassVar[bool] = False
    """True when ``predict`` is :meth:`prepare_batch` (host-side work: rendering prompts,
    tokenising, collating) then :meth:`predict_prepared` (the model). The runner then prepares the
    next batch on a prefetch thread while the model runs the current one (workbench/prefetch.py),
    so a GPU is not left waiting on Python. Default: False (``predict`` does it all)."""

    def __init__(self, config: MethodConfig) -> None:
        self.config = config
        self._host_lock = threading.RLock()  # see host_lock; made here: predict must not add state

    # ------------------------------------------------------------ class-level hooks

    @classmethod
    def uses_train(cls, params: Mapping[str, Any]) -> bool:
        """Whether a run with these (resolved) parameters reads the train split. Default: no."""
        return False

    @classmethod
    def holds_models(cls, params: Mapping[str, Any]) -> frozenset[str]:
        """Kinds of model (``models.load_model``'s ``kind``) a fitted method with these parameters
        holds besides its own: when the engine lets go of a model of such a kind to stay within
        memory, it lets go of this fitted method too, or the memory is not freed. Default: none."""
        return frozenset()

    @classmethod
    def train_check_c(cls, params: Mapping[str, Any]) -> float:
        """The inverse regularisation (C) of the LogisticRegression that checks the train split for
        suspect labels, for a method that ``fits_on_embeddings``: its own C where it has one.
        Default: 1.0."""
        return 1.0

    @classmethod
    def complete_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Settle defaults that come from the environment (a server URL from $OPENAI_BASE_URL), so
        they are part of the run's identity whichever front end started it. Default: as given."""
        return params

    @classmethod
    def scores_ignore_text(cls) -> str | None:
        """Why this method's scores do not depend on the text, or None (the default: they do).
        Scores that are the same for every text are no evidence about any row's label, so suspect
        labels (workbench/suspects.py) are refused for such a run, with this reason."""
        return None

    @classmethod
    def auto_batch_size(cls, params: Mapping[str, Any], device: str) -> int:
        """Examples per batch when the user gives none. Default: ``batch_sizes`` by device kind."""
        table = cls.batch_sizes
        return table.get(device.split(":")[0], table.get("cpu", 32))

    # ------------------------------------------------------------ before any model loads

    def validate(self) -> None:  # noqa: B027 -- an optional hook: its default checks nothing
        """Raise ConfigError for parameters that cannot work, before any model or data loads.
        Default: nothing to check."""

    def label_texts(self) -> list[str] | None:
        """The text that stands for each class (zero-shot label texts, answer words), validated;
        None for a method that has none. Default: None."""
        return None

    def preview(self, text: str) -> Preview:
        """What the model is given for ``text`` with the current parameters (for the prompt/labels
        screen). Default: the text as it is."""
        return Preview("plain", text, note="this method takes the text as it is (no prompt or label texts)")

    def estimate(self, texts: Sequence[str], cache: Any) -> Estimate | None:
        """Calls, tokens and cost of a run over ``texts`` before making it (after ``fit``); None
        for a method that calls no paid API. Default: None."""
        return None

    # ------------------------------------------------------------ the run

    @abstractmethod
    def load(self, ctx: RunContext) -> None:
        """Bring in the model (through ``workbench.models.load_model`` so it is kept between runs)."""

    def fit(self, texts: Sequence[str] | None, labels: Sequence[int] | None, ctx: RunContext) -> Self:
        """Learn from the train split (None when :meth:`uses_train` is False); return ``self``.
        Default: nothing to learn."""
        return self

    def fit_batches(self, texts: Sequence[str], ctx: RunContext) -> list[list[str]]:
        """The train texts ``fit`` would run through the model and the store's cache does not hold
        yet, cut into the batches ``fit`` would run them in. Other processes with the same model,
        device kind and dtype (``--devices`` workers) run them beforehand through
        :meth:`run_fit_batch` into the store's cache, shown as the 'encoding train' phase; ``fit``
        then finds them there and its result is the one it would have computed itself. Called
        after ``load``. Default: none (the fit runs nothing through the model, or cannot share it)."""
        return []

    def run_fit_batch(self, texts: Sequence[str], ctx: RunContext) -> None:  # noqa: B027 -- an optional hook: its default has nothing to run
        """Run one batch of :meth:`fit_batches` through the model into the store's cache
        (``ctx.cache``). Default: nothing (there are no such batches)."""

    @abstractmethod
    def predict(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        """One Prediction per text, in order, under the score contract above."""

    def prepare_batch(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """The host-side work on a batch that needs no model forward pass (see ``prefetches``).
        It may run on the prefetch thread while :meth:`predict_prepared` runs the previous batch:
        it must not change the method's state, and the runner holds :attr:`host_lock` around it
        (a fast tokenizer must not be used by two threads at once; ``predict_prepared`` takes
        the lock for any tokenizer use of its own). Default: the texts."""
        return list(texts)

    def predict_prepared(self, prepared: Any, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        """``predict(texts)`` from :meth:`prepare_batch`'s result for the same texts. Default:
        ``predict(texts, ctx)``, ignoring ``prepared``."""
        return self.predict(texts, ctx)

    @property
    def host_lock(self) -> threading.RLock:
        """Held around :meth:`prepare_batch` and any tokenizer use in :meth:`predict_prepared`."""
        return self._host_lock

    def prepare(self, texts: Sequence[str], ctx: RunContext) -> Any:
        """:meth:`prepare_batch` under :attr:`host_lock` (what the runner and ``predict`` call)."""
        with self.host_lock:
            return self.prepare_batch(texts, ctx)

    def predict_in_two_steps(self, texts: Sequence[str], ctx: RunContext) -> list[Prediction]:
        """``predict`` of a method that ``prefetches``: prepare, then run the model."""
        return self.predict_prepared(self.prepare(texts, ctx), texts, ctx)

    # ------------------------------------------------------------ after load

    def token_limit(self) -> tuple[Any, int] | None:
        """(tokenizer, tokens of a text the model reads) for the report's truncation count and the
        batch order (workbench/truncation.py); None when the method does not truncate or cannot
        say. Default: None."""
        return None

    def model_token_limit(self) -> int | None:
        """Tokens the model reads in all (the text and what the method puts around it), for the
        report's truncation note: "256 tokens (254 for text)"; None when it cannot say. Default: None."""
        return None

    def scores_rule(self, ctx: RunContext | None = None) -> str:
        """How ``Prediction.scores`` are derived, for the report; a method whose scores are None
        starts it with "none" and says why. ``ctx`` is the run's, as in :meth:`details`, for a
        method whose scores depend on what came back during it (a server without logprobs)."""
        return "the model's own class probabilities"

    def details(self, ctx: RunContext | None = None) -> dict[str, Any]:
        """Resolved settings worth showing in the report (the label mapping, the parse rule);
        ``ctx`` is the run's, for what was counted during it (``ctx.run_state``). A ``notes`` list
        is moved to the report's notes. Default: none."""
        return {}


@dataclass
class MethodConfig:
    """What every method's ``__init__`` receives: the resolved model (None where only the
    parameters are checked or previewed, with no model resolved), the dataset's label names in
    order, and the method's parameters with defaults filled in."""

    model: "ModelRef | None"
    label_names: list[str]
    params: dict[str, Any]
