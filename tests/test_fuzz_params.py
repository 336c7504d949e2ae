"""Random strings through ``Param.coerce`` and every registered method's parameter checks.

Whatever a user feeds in ends in either a clear one-line WorkbenchError or a documented,
counted handling - never another exception, never a hang. (Split by subject from the former
test_fuzz_inputs.py; shared helpers in fuzz_helpers.py.)
"""

from __future__ import annotations

import math

import pytest
from fuzz_helpers import FAST, one_line
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import ConfigError
from workbench.methods import METHODS, MethodConfig, Param, resolve_params


@FAST
@given(st.sampled_from(["int", "float", "bool", "str", "texts", "mapping"]), st.one_of(st.text(max_size=20), st.sampled_from(["nan", "-inf", "1e999", "1_000", " 7 ", "²", "9" * 5000, "a=b,c=", "=x", "a|b"])))
def test_param_coerce(kind, value):
    p = Param("x", None, "help", kind)
    try:
        out = p.coerce(value)
    except ConfigError as e:
        assert one_line(e).startswith("parameter x=")
        return
    expected_type = {"int": int, "float": float, "bool": bool, "str": str, "texts": list, "mapping": dict}[kind]
    assert isinstance(out, expected_type)
    if kind == "float":
        assert math.isfinite(out)


def test_param_coerce_examples():
    assert Param("n", 1, "", "int").coerce(" 7 ") == 7
    assert Param("labels", None, "", "texts").coerce("a bad film | a good film") == ["a bad film", "a good film"]
    assert Param("label_map", {}, "", "mapping").coerce("LABEL_0=neg, LABEL_2=") == {"LABEL_0": "neg", "LABEL_2": ""}
    for kind, value in (("int", "1e3"), ("int", "²"), ("float", "nan"), ("float", "inf"), ("bool", "maybe"), ("mapping", "noequals"), ("mapping", "=x")):
        with pytest.raises(ConfigError, match=r"is not a valid"):
            Param("p", None, "", kind).coerce(value)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(METHODS)), st.data())
def test_every_method_refuses_garbage_parameters_before_loading(method_name, data):
    """Random CLI strings for every parameter: resolve_params and the method's validate() end in
    values or a ConfigError; no model is loaded for this."""
    cls = METHODS[method_name]
    given_params = {p.name: data.draw(st.one_of(st.text(max_size=8), st.sampled_from(["0", "-1", "nan", "1e9", "{}", "|", "a=b"])), label=p.name) for p in cls.params if data.draw(st.booleans(), label=f"set {p.name}")}
    try:
        params = resolve_params(cls, given_params)
        method = cls(MethodConfig(None, ["neg", "pos"], params))
        if hasattr(method, "validate"):
            method.validate()
    except ConfigError as e:
        one_line(e)


def test_logistic_regression_parameters_are_checked_before_encoding():
    for params in ({"C": "0"}, {"C": "-1"}, {"max_iter": "0"}):
        method = METHODS["embed-logreg"](MethodConfig(None, ["neg", "pos"], resolve_params(METHODS["embed-logreg"], params)))
        with pytest.raises(ConfigError, match=r"expected C > 0 and max_iter >= 1"):
            method.validate()
