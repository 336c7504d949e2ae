"""The engine never imports the UI: every module of ``workbench`` imports without textual or the
screens package (checked in a fresh interpreter, so nothing a test imported earlier hides it), and
``workbench --help`` loads none of the heavy libraries."""

import pkgutil
import subprocess
import sys

import workbench

MODULES = sorted(m.name for m in pkgutil.walk_packages(workbench.__path__, "workbench.") if not m.name.endswith("__main__"))


def fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_every_engine_module_imports_without_the_ui():
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'screens'))))\n"
    )
    assert len(MODULES) > 20 and "workbench.engine" in MODULES and "workbench.methods.majority" in MODULES
    assert fresh(code).strip() == "[]"


def test_the_command_line_help_loads_no_heavy_library():
    code = (
        "import sys\nfrom workbench.cli import _build_parser\n_build_parser().format_help()\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'openai', 'textual', 'sklearn') if m in sys.modules))\n"
    )
    assert fresh(code).strip() == "[]"
