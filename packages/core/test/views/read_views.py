"""Reads published views with real engines and compares them with what Armillaria reads.

stdin: JSON {"dir": DIR, "versions": [{"delta": N, "expected": IPC_FILE}, ...], "key": COLUMN}
stdout: JSON {"<N>": {"deltalake": "ok" | problem, "polars": "ok" | problem}, ...}
Rows are compared as compare_tables.compare does.
"""
import json
import sys

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable

from compare_tables import compare


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
