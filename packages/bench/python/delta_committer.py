#!/usr/bin/env python3
"""One Delta Lake writer of the harness's `commits` case (packages/bench/src/workers/processes.ts):

  delta_committer.py URI COMMITS ROWS_FILE CODEC

appends the table in ROWS_FILE (Arrow IPC file) to the Delta table at URI, COMMITS times, one commit
each. Prints `ready` once set up, waits for a line on stdin, then prints `done <landed> <failed>`: a
commit that delta-rs gives up on after its own retries (CommitFailedError) counts as failed.
S3 settings come from the environment (ARMILLARIA_DELTA_STORAGE_OPTIONS, a JSON object).
"""
import json
import os
import sys

import pyarrow.ipc as ipc
from deltalake import WriterProperties, write_deltalake
from deltalake.exceptions import CommitFailedError

uri, commits, rows_file, codec = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
options = json.loads(os.environ.get("ARMILLARIA_DELTA_STORAGE_OPTIONS", "null"))
table = ipc.open_file(rows_file).read_all()
props = WriterProperties(compression=codec.upper())
print("ready", flush=True)
sys.stdin.readline()
landed = failed = 0
for _ in range(commits):
    try:
        write_deltalake(uri, table, mode="append", writer_properties=props, storage_options=options)
        landed += 1
    except CommitFailedError as e:
        failed += 1
        print(f"delta_committer: commit failed: {e}", file=sys.stderr)
print(f"done {landed} {failed}", flush=True)
