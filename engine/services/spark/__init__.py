"""Beyond one machine: the store as a partitioned Parquet dataset and the analysis on Spark.

:mod:`engine.services.spark.snapshot` writes the store's tables as a dataset Spark, Dask and DuckDB read
directly (no Spark needed); :mod:`engine.services.spark.engine` runs ``moneytrail analyze --engine
spark``. See docs/scale.md.
"""
