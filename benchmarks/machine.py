"""Describe the machine a benchmark ran on: CPU, cores, memory, load, library versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any

LIBRARIES = (
    "moneytrail",
    "numpy",
    "numba",
    "pyarrow",
    "scipy",
    "igraph",
    "networkx",
    "networkit",
    "neo4j",
)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what :mod:`platform` knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    """Total physical memory in GiB."""
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover - psutil is a dependency
        return float("nan")


def describe() -> dict[str, Any]:
    """A dictionary fit for the JSON report and the Markdown header."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "numba_threads": os.environ.get("NUMBA_NUM_THREADS", "all cores"),
        "versions": versions,
    }
