"""What ``pip install .`` gives: the packages, the console script and the bench command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (path,) = out.glob("moneytrail-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_packages_the_benchmarks_and_declares_the_bench_command(wheel):
    names = wheel.namelist()
    for module in ("benchmarks/command.py", "benchmarks/run.py", "benchmarks/cases/detection.py",
                   "engine/core/config.py", "engine/security/audit.py",
                   "engine/services/pipeline.py", "dashboard/app.py"):  # fmt: skip
        assert module in names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "moneytrail = engine.cli:main" in text
    assert "[moneytrail.commands]" in text and "bench = benchmarks.command:register" in text
    assert not any(n.startswith("tests/") for n in names)


def test_peer_libraries_are_a_bench_extra_not_dependencies(wheel):
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    lines = wheel.read(metadata).decode().splitlines()
    requires = [
        line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")
    ]
    plain = {r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower()
             for r in requires if "extra ==" not in r}  # fmt: skip
    bench = {r.split(">")[0].split("<")[0].strip().lower()
             for r in requires if "extra == \"bench\"" in r}  # fmt: skip
    assert {"igraph", "networkit", "matplotlib", "psutil"} <= bench
    assert not {"igraph", "networkit", "matplotlib", "psutil", "defusedxml"} & plain


def test_bench_is_a_command_of_the_installed_cli():
    from typer.testing import CliRunner

    from engine.cli import app

    result = CliRunner().invoke(app, ["bench", "--list"])
    assert result.exit_code == 0, result.output
    assert "detection:" in result.output and "components:" in result.output
