"""Starting Spark: the checks that give one clear line when Spark or Java is missing, and the
session settings of the Spark engine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from engine.core.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Settings for one machine of 2 cores and 24 GiB shared with other work (tests, benchmarks);
#: a real cluster takes its own from spark-submit (see docs/scale.md).
LOCAL_CONF = {
    "spark.driver.memory": "4g",
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.extraJavaOptions": "-Dlog4j2.level=ERROR",
    "spark.python.worker.reuse": "true",
}


def require_spark() -> None:
    """Raise :class:`ConfigError` (one line) unless pyspark imports and a Java runtime runs."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            "--engine spark needs pyspark: pip install 'moneytrail[spark]' (or make setup)"
        ) from exc
    java = (
        os.path.join(os.environ["JAVA_HOME"], "bin", "java") if "JAVA_HOME" in os.environ else None
    )
    java = java if java and os.path.exists(java) else shutil.which("java")
    if not java:
        raise ConfigError(
            "--engine spark needs Java 17 or later: apt-get install openjdk-17-jre-headless "
            "(or set JAVA_HOME)"
        )
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"--engine spark: {java} -version failed: {exc}") from exc


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session for the engine (``conf`` overrides :data:`LOCAL_CONF` on local masters).

    The executors' Python is this interpreter and they import this process's ``engine`` (its
    folder is put first on their path), so the kernels they run are the driver's.
    """
    require_spark()
    from pyspark.sql import SparkSession

    # The workers' interpreter and path go in Spark's own configuration (never into this
    # process's environment, which moneytrail does not write).
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.environ.get("PYTHONPATH", "")
    builder = SparkSession.builder.master(master).appName("moneytrail")
    settings = dict(LOCAL_CONF) if master.startswith("local") else {}
    settings["spark.sql.session.timeZone"] = "UTC"  # days and months of ``ts`` are UTC's
    settings["spark.pyspark.python"] = sys.executable
    settings["spark.pyspark.driver.python"] = sys.executable
    settings["spark.executorEnv.PYTHONPATH"] = os.pathsep.join(p for p in (root, path) if p)
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # pyspark takes the workers' interpreter from PYSPARK_PYTHON when the context starts and
    # reads it from here for every Python function it ships: this interpreter, without writing
    # the environment (the conf keys above serve spark-submit on a cluster)
    spark.sparkContext.pythonExec = sys.executable
    spark.sparkContext.setLogLevel("ERROR")
    return spark
