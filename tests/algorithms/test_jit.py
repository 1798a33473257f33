"""Every Numba kernel caches its machine code on disk and compiles on first use, never on import.

``cache=True`` is what lets ``make setup``'s warm-up (and a user's first analysis) pay the
compilation once per machine instead of once per process; an eager signature
(``@njit("f8(f8[:])")``) or a kernel called at import would make every ``moneytrail`` command,
``--help`` included, compile kernels it may never use.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Packages that may hold kernels (the layers contract keeps numba out of the others).
PACKAGES = ("algorithms", "engine")


def _jit_decorators() -> list[tuple[str, ast.expr]]:
    """``(where, decorator)`` for every ``@njit``/``@jit`` decorator in the packages."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef):
                    continue
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = ast.unparse(target).rsplit(".", 1)[-1]
                    if name in ("njit", "jit", "generated_jit", "vectorize", "guvectorize"):
                        where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                        found.append((where, decorator))
    return found


def test_the_kernels_are_found():
    assert len(_jit_decorators()) >= 40  # 45 kernels in algorithms/ when this was written


@pytest.mark.parametrize(("where", "decorator"), _jit_decorators(), ids=lambda v: str(v))
def test_every_kernel_caches_and_compiles_lazily(where, decorator):
    assert isinstance(decorator, ast.Call), f"{where}: bare @njit has no cache=True"
    keywords = {k.arg: k.value for k in decorator.keywords}
    cache = keywords.get("cache")
    assert isinstance(cache, ast.Constant) and cache.value is True, f"{where}: no cache=True"
    # A signature (positional argument or signature=) compiles when the module is imported.
    assert not decorator.args and "signature" not in keywords, f"{where}: eager signature"


# Run in a fresh interpreter: other tests in this process have compiled kernels already.
IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
from numba.core import event, registry

compiled = []

class Listener(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].py_func.__qualname__)
    def on_end(self, ev):
        pass

event.register("numba:compile", Listener())
dispatchers = []
for package in ("algorithms", "engine.detect", "engine.services", "engine.triage", "engine.queries"):
    root = importlib.import_module(package)
    names = [package] + [f"{package}.{m.name}" for m in pkgutil.iter_modules(root.__path__)]
    for name in names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, registry.CPUDispatcher) and value.__module__ == name:
                dispatchers.append((name, value))
uncached = [f"{n}.{d.py_func.__name__}" for n, d in dispatchers
            if type(d._cache).__name__ == "NullCache"]
signed = [f"{n}.{d.py_func.__name__}" for n, d in dispatchers if d.signatures]
print(len(dispatchers), len(compiled), ",".join(uncached) or "-", ",".join(signed) or "-")
"""


def test_importing_the_engine_compiles_no_kernel(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        env={"NUMBA_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    kernels, compiled, uncached, signed = result.stdout.split()
    assert int(kernels) >= 40  # every module's kernels were found and inspected
    assert int(compiled) == 0, "a kernel was compiled at import time"
    assert uncached == "-", f"kernels without a disk cache: {uncached}"
    assert signed == "-", f"kernels compiled at import: {signed}"
