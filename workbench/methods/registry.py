"""The method registry: every method the CLI, the UI and the conformance test know, by name.

A method is one module in this package whose class is decorated with ``@register``; the package
imports every module in it (workbench/methods/__init__.py), so a new file is picked up with no
other edit. Tests may put a method in for a while with ``monkeypatch.setitem(METHODS, name, cls)``:
the registry checks the class keeps the contract (a subclass of :class:`Method`) either way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ..errors import METHOD, ConfigError, param
from .base import Method

M = TypeVar("M", bound=type[Method])


class MethodRegistry(dict[str, type[Method]]):
    """Method classes by name, in registration order."""

    def __setitem__(self, name: str, cls: type[Method]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Method)):
            raise TypeError(f"{cls!r} is not a workbench.methods.Method subclass")
        if getattr(cls, "name", None) != name:
            raise TypeError(f"{cls.__name__} is registered as '{name}' but its name is {getattr(cls, 'name', None)!r}")
        super().__setitem__(name, cls)

    def register(self, cls: M) -> M:
        """Class decorator: add ``cls`` under its ``name`` (a second class of one name is refused)."""
        if cls.name in self and self[cls.name] is not cls:
            raise TypeError(f"two methods are named '{cls.name}': {self[cls.name].__name__} and {cls.__name__}")
        self[cls.name] = cls
        return cls

    def get_method(self, name: str) -> type[Method]:
        """The class named ``name``, or ConfigError listing the names there are."""
        try:
            return self[name]
        except KeyError:
            raise ConfigError(f"unknown method '{name}'", expected="one of " + ", ".join(self), field=METHOD) from None


METHODS = MethodRegistry()
register = METHODS.register


def resolve_params(method: type[Method], given: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters with defaults filled in and CLI strings coerced; unknown names
    refused. The method may settle defaults from the environment (``complete_params``), so they
    are part of the run's identity whichever front end started it."""
    known = {p.name: p for p in method.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise ConfigError(f"{method.name} has no parameter {', '.join(unknown)} (its parameters: {names})", field=param(unknown[0]))
    params = {name: p.coerce(given[name]) if name in given else p.default for name, p in known.items()}
    return method.complete_params(params)


def identity_params(method: type[Method], params: dict[str, Any]) -> dict[str, Any]:
    """The resolved ``params`` as the run's identity holds them: a parameter that is not part of
    it (``Param.in_identity`` False) at its default."""
    outside = {p.name: p.default for p in method.params if not p.in_identity}
    return {name: outside[name] if name in outside else value for name, value in params.items()}


def reads_train(method: type[Method], given: dict[str, Any]) -> bool:
    """Whether a run of ``method`` with the parameters ``given`` (as a front end holds them:
    strings, defaults left out) reads the train split: the method's own ``uses_train`` rule on
    the parameters resolved as :func:`resolve_params` resolves them for a run."""
    return method.uses_train(resolve_params(method, given))
