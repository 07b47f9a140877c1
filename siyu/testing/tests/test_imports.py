"""Test modules take their helpers from ``siyu.testing``, never from a conftest or another test module.

Fixtures reach a test through pytest (a conftest names them); factories, flows, snapshots and worlds
are imported from ``siyu/testing/``. A helper imported from a conftest or from a test module ties
one app's tests to another's files and hides where the helper lives, so this test reads every test
module and conftest with ``ast`` and names each import that breaks the rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # siyu/


def checked_files() -> Iterator[Path]:
    """Every module under a ``tests`` folder, and every conftest.py, in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.relative_to(PACKAGE).parts[:-1] or path.name == "conftest.py":
            yield path


def module_name(path: Path) -> str:
    """``siyu/orders/tests/test_pickup.py`` -> ``siyu.orders.tests.test_pickup``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute name) of each module the source of ``module`` imports, at any depth (imports
    inside functions too); ``from a import b`` yields ``a`` and ``a.b``, since ``b`` may be a module,
    and ``__import__("a")`` or ``importlib.import_module("a")`` with a literal name yields ``a``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:
                yield node.lineno, f"{name}.{alias.name}"
        elif isinstance(node, ast.Call) and (name := _imported_by_call(node)):
            yield node.lineno, name


def _imported_by_call(call: ast.Call) -> str:
    """The module named by ``__import__("a")``, ``import_module("a")`` or ``importlib.import_module("a")``
    (a literal name only), else ""."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    first = call.args[0] if call.args else None
    if name in ("__import__", "import_module") and isinstance(first, ast.Constant):
        return str(first.value)
    return ""


def forbidden(name: str) -> bool:
    """A conftest, or a module inside one of the project's ``tests`` packages."""
    parts = name.split(".")
    return parts[0] == "siyu" and ("conftest" in parts or "tests" in parts)


def test_no_test_module_imports_from_a_conftest_or_another_test_module():
    offenders = sorted(
        {
            f"{path.relative_to(PACKAGE.parent)}:{line} imports {name.removesuffix('.*')}"
            for path in checked_files()
            for line, name in imported_modules(
                path.read_text(), module_name(path), is_package=path.name == "__init__.py"
            )
            if forbidden(name)
        }
    )
    assert offenders == [], "\n".join(["move these helpers to siyu/testing/:", *offenders])


def test_the_check_sees_absolute_from_relative_and_nested_imports():
    source = (
        "import siyu.conftest\n"
        "from siyu.orders.tests import flows\n"
        "from . import conftest\n"
        "from siyu.testing.flows import pay\n"
        "def f():\n"
        "    from .test_other import helper\n"
        "    return __import__('siyu.api.tests.conftest').x, importlib.import_module('siyu.tests.y')\n"
    )
    found = {name for _, name in imported_modules(source, "siyu.orders.tests.test_sample") if forbidden(name)}
    assert found == {
        "siyu.conftest",
        "siyu.orders.tests",
        "siyu.orders.tests.flows",
        "siyu.orders.tests.conftest",
        "siyu.orders.tests.test_other",
        "siyu.orders.tests.test_other.helper",
        "siyu.api.tests.conftest",
        "siyu.tests.y",
    }


def test_the_check_reads_the_project_tests_and_conftests():
    files = {module_name(path) for path in checked_files()}
    assert {"siyu.conftest", "siyu.testing.tests.test_imports", "siyu.orders.tests.test_pickup"} <= files
    assert "siyu.testing.flows" not in files
