"""Reads published views with real engines and compares them with what Armillaria reads.

stdin: JSON {"dir": DIR, "versions": [{"delta": N, "expected": IPC_FILE}, ...], "key": COLUMN}
stdout: JSON {"<N>": {"deltalake": "ok" | problem, "polars": "ok" | problem}, ...}
Rows are compared in key order, column by column, after casting what the engine returns to the
expected type (engines widen units and change string layouts; values must survive the cast exactly).
"""
import json
import sys

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable


def plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def values(column: pa.ChunkedArray) -> list:
    """Python values, with NaN made comparable (NaN != NaN)."""
    return [("NaN" if isinstance(x, float) and x != x else x) for x in column.to_pylist()]


def compare(expected: pa.Table, actual: pa.Table, key: str) -> str:
    if expected.num_rows != actual.num_rows:
        return f"{actual.num_rows} rows, expected {expected.num_rows}"
    if sorted(actual.column_names) != sorted(expected.column_names):
        return f"columns {actual.column_names}, expected {expected.column_names}"
    expected = expected.take(pc.sort_indices(expected, [(key, "ascending")]))
    actual = actual.take(pc.sort_indices(actual, [(key, "ascending")]))
    for name in expected.column_names:
        want = plain(expected.column(name))
        got = plain(actual.column(name))
        try:
            got = got.cast(want.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            return f"column {name}: {got.type} does not cast to {want.type}: {e}"
        if values(got) != values(want):
            return f"column {name}: {values(got)[:5]} ..., expected {values(want)[:5]} ..."
    return "ok"


def main() -> None:
    job = json.load(sys.stdin)
    out = {}
    for v in job["versions"]:
        with pa.memory_map(v["expected"]) as source:
            expected = pa.ipc.open_stream(source).read_all()
        result = {}
        try:
            result["deltalake"] = compare(expected, DeltaTable(job["dir"], version=v["delta"]).to_pyarrow_table(), job["key"])
        except Exception as e:  # noqa: BLE001 - reported per engine
            result["deltalake"] = f"{type(e).__name__}: {e}"
        try:
            result["polars"] = compare(expected, pl.read_delta(job["dir"], version=v["delta"]).to_arrow(), job["key"])
        except Exception as e:  # noqa: BLE001
            result["polars"] = f"{type(e).__name__}: {e}"
        out[str(v["delta"])] = result
    json.dump(out, sys.stdout)


main()
