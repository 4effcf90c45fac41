"""Reads published Iceberg views with pyiceberg and compares them with what Armillaria reads.

stdin: JSON {"metadata": FILE_OR_DIR, "key": COLUMN,
             "reads": [{"snapshot": ID | null, "ref": NAME | null, "expected": IPC_FILE}, ...]}
stdout: JSON ["ok" | problem, ...], one per read, in order.
A read takes the snapshot by id, else the ref (branch or tag) by name, else the current snapshot.
Rows are compared in key order, column by column, after casting what pyiceberg returns to the
expected type (it widens units and ints and changes string layouts; values must survive exactly).
"""
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.table import StaticTable


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
    table = StaticTable.from_metadata(job["metadata"])
    out = []
    for read in job["reads"]:
        with pa.memory_map(read["expected"]) as source:
            expected = pa.ipc.open_stream(source).read_all()
        try:
            scan = table.scan(snapshot_id=read["snapshot"]) if read.get("snapshot") else table.scan()
            if read.get("ref"):
                scan = table.scan().use_ref(read["ref"])
            out.append(compare(expected, scan.to_arrow(), job["key"]))
        except Exception as e:  # noqa: BLE001 - reported per read
            out.append(f"{type(e).__name__}: {e}")
    json.dump(out, sys.stdout)


main()
