"""Run a moneytrail command in this process and report what numba compiled for it.

``python -m benchmarks.jit_census OUT.json moneytrail-args...`` listens to numba's
``numba:compile`` events (fired only when a kernel is compiled, not when it is loaded from the
disk cache), runs :func:`engine.cli.main` with the arguments, and writes the kernels compiled
(``module.function`` and how often), their count, and the CPU-seconds spent compiling
(outermost compilations only, so a kernel compiled while compiling its caller is not counted
twice) to ``OUT.json``. The ``first_run`` benchmark case runs it in fresh processes with an
empty or a warmed ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Any


def main(argv: list[str]) -> int:
    """Run ``moneytrail argv[1:]``, write the compile census to ``argv[0]``."""
    from numba.core import event

    out, args = argv[0], argv[1:]
    compiled: Counter[str] = Counter()
    depth = 0
    started = 0.0
    cpu = 0.0

    class Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            nonlocal depth, started
            dispatcher = ev.data["dispatcher"]
            compiled[f"{dispatcher.py_func.__module__}.{dispatcher.py_func.__qualname__}"] += 1
            if depth == 0:
                started = time.process_time()
            depth += 1

        def on_end(self, ev: Any) -> None:
            nonlocal depth, cpu
            depth -= 1
            if depth == 0:
                cpu += time.process_time() - started

    event.register("numba:compile", Listener())
    from engine.cli import main as cli

    total = time.process_time()
    code = 0
    try:
        cli(args)
    except SystemExit as exc:  # the CLI ends with sys.exit
        code = int(exc.code or 0)
    report = {
        "kernels": len(compiled),
        "compilations": sum(compiled.values()),
        "compile_cpu_s": round(cpu, 3),
        "command_cpu_s": round(time.process_time() - total, 3),
        "compiled": dict(sorted(compiled.items())),
        "exit": code,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
