"""Writes Delta tables with the deltalake package, as other pipelines would, for the import tests.

argv: DIR SCENARIO   (history: a table through appends, deletes, updates, a schema change, compaction
and an overwrite; partitioned: a table partitioned by a column)
"""
import sys
from datetime import datetime, timezone
from decimal import Decimal

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

path, scenario = sys.argv[1], sys.argv[2]


def rows(start: int, n: int) -> pa.Table:
    ids = list(range(start, start + n))
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "name": pa.array([None if i % 7 == 3 else f"n{i}" for i in ids], pa.string()),
        "value": pa.array([i * 0.5 for i in ids], pa.float64()),
        "at": pa.array([datetime(2026, 1, 1, tzinfo=timezone.utc).replace(microsecond=i) for i in ids], pa.timestamp("us", tz="UTC")),
        "price": pa.array([Decimal(i) / 100 for i in ids], pa.decimal128(10, 2)),
        "day": pa.array([datetime(2026, 1, 1 + i % 28).date() for i in ids], pa.date32()),
    })


if scenario == "history":
    write_deltalake(path, rows(0, 100))                                   # 0
    write_deltalake(path, rows(100, 50), mode="append")                   # 1
    DeltaTable(path).delete("id % 10 = 3")                                # 2
    DeltaTable(path).update(predicate="id < 20", updates={"value": "value + 1000"})  # 3
    extra = rows(150, 10).append_column("note", pa.array([f"x{i}" for i in range(10)]))
    write_deltalake(path, extra, mode="append", schema_mode="merge")      # 4: a column added
    DeltaTable(path).optimize.compact()                                   # 5: no data change
    write_deltalake(path, rows(500, 20).append_column("note", pa.nulls(20, pa.string())), mode="overwrite")  # 6
elif scenario == "partitioned":
    write_deltalake(path, rows(0, 10), partition_by=["day"])
else:
    raise SystemExit(f"unknown scenario {scenario}")
print(DeltaTable(path).version())
