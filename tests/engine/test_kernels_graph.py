"""Graph-building kernels against pyarrow and numpy references: string encoding and the
counting sort that orders CSR rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.graph import csr_from_edges, encode_strings


def _reference(chunks: list[pa.Array]) -> tuple[list[int], list[str]]:
    enc = pa.chunked_array(chunks, pa.string()).dictionary_encode()
    codes = np.concatenate([c.indices.to_numpy() for c in enc.chunks]) if enc.num_chunks else []
    values = enc.chunks[-1].dictionary.to_pylist() if enc.num_chunks else []
    return [int(c) for c in codes], values


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), max_size=30), min_size=1, max_size=5))
def test_codes_and_values_are_those_of_dictionary_encode(parts: list[list[str]]) -> None:
    chunks = [pa.array(p, pa.string()) for p in parts]
    codes, values = encode_strings(chunks)
    want_codes, want_values = _reference(chunks)
    assert codes.tolist() == want_codes
    assert values.to_pylist() == want_values


def test_many_ids_grow_the_table_and_sliced_or_large_chunks_work() -> None:
    rng = np.random.default_rng(3)
    ids = [f"DE{i:020d}" for i in rng.integers(0, 50_000, 120_000)] + ["", "Zürich-€", ""]
    base = pa.array(ids, pa.string())
    chunks = [base.slice(0, 40_000), base.slice(40_000, 50_000),
              base.slice(90_000).cast(pa.large_string())]  # fmt: skip
    codes, values = encode_strings(chunks)
    want_codes, want_values = _reference([c.cast(pa.string()) for c in chunks])
    assert codes.tolist() == want_codes
    assert values.to_pylist() == want_values
    assert [values[c].as_py() for c in codes[-3:]] == ["", "Zürich-€", ""]


def test_a_null_is_the_empty_string_and_other_types_are_cast() -> None:
    codes, values = encode_strings([pa.array(["a", None, "b"]), pa.array(["", "a"])])
    assert codes.tolist() == [0, 1, 2, 1, 0] and values.to_pylist() == ["a", "", "b"]
    codes, values = encode_strings([pa.array([7, 8, 7])])
    assert codes.tolist() == [0, 1, 0] and values.to_pylist() == ["7", "8"]


@pytest.mark.parametrize("order_by", ["time", "neighbour"])
def test_csr_rows_are_ordered_like_a_lexsort(order_by: str) -> None:
    rng = np.random.default_rng(11)
    m, n = 5_000, 300
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    ts = rng.integers(0, 50, m)  # many ties: the input position breaks them
    if order_by == "neighbour":  # one edge per ordered pair, as the undirected view has
        _, first = np.unique(src * n + dst, return_index=True)
        src, dst, ts = src[first], dst[first], ts[first]
    g = csr_from_edges(src, dst, n, ts * 1.0, ts, np.arange(len(src)), order_by=order_by)
    minor = ts if order_by == "time" else dst
    want = np.lexsort((np.arange(len(src)), minor, src))
    assert g.edge_ids.tolist() == want.tolist()
    assert g.indptr.tolist() == np.r_[0, np.cumsum(np.bincount(src, minlength=n))].tolist()
