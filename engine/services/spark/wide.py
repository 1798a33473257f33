"""Several tables in one Arrow table (and back), for Spark's grouped Arrow functions.

``applyInArrow`` hands a function one table per group and takes one back. A part's input tables
(and its result tables) travel together as one *wide* table: a ``table`` column naming each
row's table, and the columns of every table prefixed with its name (``transactions__tx_id``),
null on the other tables' rows. Arrow stores those nulls as bitmaps, so the padding is cheap.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema

SEP = "__"
PART = "part"
TABLE = "table"


def _as_spark_sees(t: pa.DataType) -> pa.DataType:
    """The Arrow type Spark hands back for ``t`` (it has no large strings or binaries)."""
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(_as_spark_sees(t.value_type))
    return t


def wide_schema(tables: dict[str, pa.Schema]) -> pa.Schema:
    """``part`` (int64), ``table`` (string), then every table's fields, prefixed and nullable
    (large strings as strings; :func:`unpack` casts back to the canonical types)."""
    fields = [pa.field(PART, pa.int64()), pa.field(TABLE, pa.string())]
    for name, table_schema in tables.items():
        fields.extend(
            pa.field(f"{name}{SEP}{f.name}", _as_spark_sees(f.type), nullable=True)
            for f in table_schema
        )
    return pa.schema(fields)


RESULTS_WIDE = wide_schema({n: s for n, s in schema.RESULT_TABLES.items()})


def pack(tables: dict[str, pa.Table], part: int, wide: pa.Schema) -> pa.Table:
    """One wide table holding ``tables`` (each conformed to its canonical schema)."""
    out = []
    for name, table in tables.items():
        table = schema.conform(table, name)
        n = table.num_rows
        if not n:
            continue
        columns = []
        for f in wide:
            if f.name == PART:
                columns.append(pa.array([part] * n, pa.int64()))
            elif f.name == TABLE:
                columns.append(pa.array([name] * n, pa.string()))
            elif f.name.startswith(name + SEP):
                columns.append(table.column(f.name[len(name) + len(SEP) :]).cast(f.type))
            else:
                columns.append(pa.nulls(n, f.type))
        out.append(pa.Table.from_arrays(columns, schema=wide))
    return pa.concat_tables(out) if out else wide.empty_table()


def unpack(wide: pa.Table, name: str) -> pa.Table:
    """The rows of table ``name`` in ``wide``, with its canonical schema."""
    rows = wide.filter(pc.equal(wide.column(TABLE), name))
    prefix = name + SEP
    columns = {c[len(prefix) :]: rows.column(c) for c in rows.column_names if c.startswith(prefix)}
    return schema.conform(pa.table(columns) if columns else pa.table({}), name)
