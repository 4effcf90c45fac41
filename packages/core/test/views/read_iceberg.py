"""Reads published Iceberg views with pyiceberg and compares them with what Armillaria reads.

stdin: JSON {"metadata": FILE_OR_DIR, "key": COLUMN,
             "reads": [{"snapshot": ID | null, "ref": NAME | null, "expected": IPC_FILE}, ...]}
stdout: JSON ["ok" | problem, ...], one per read, in order.
A read takes the snapshot by id, else the ref (branch or tag) by name, else the current snapshot.
Rows are compared as compare_tables.compare does.
"""
import json
import sys

import pyarrow as pa
from pyiceberg.table import StaticTable

from compare_tables import compare


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
