#!/usr/bin/env python3
"""One writer of the harness's `commits` cases (packages/bench/src/workers/processes.ts), for any of the
competing engines:

  committer.py ENGINE URI COMMITS ROWS_FILE CODEC [CATALOG_DIR]

appends the rows in ROWS_FILE (Arrow IPC file) to the table at URI in COMMITS commits, the i-th of COMMITS
equal runs of them each;
ENGINE is delta, iceberg (CATALOG_DIR: the SQLite catalog's directory, as iceberg_driver.py's `catalog`)
or lance. Prints `ready` once set up, waits for a line on stdin, then prints `done <landed> <failed>`.
A commit the engine gives up on counts as failed: delta-rs's CommitFailedError after its own retries;
Iceberg's CommitFailedException (a concurrent commit won) after RETRIES reloads and tries, as a user of
pyiceberg, which does not retry itself, would write it. Lance retries conflicting appends itself, so an
error there is a failure of the writer (it exits non-zero), as is any other error.
S3 settings for Delta come from the environment (ARMILLARIA_DELTA_STORAGE_OPTIONS, a JSON object).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Callable

import pyarrow as pa
import pyarrow.ipc as ipc

from bench_driver import signed_integers

# An engine's append of some rows, and the exceptions that mean it gave up on a commit.
Appender = tuple[Callable[[pa.Table], None], tuple[type[BaseException], ...]]

# Iceberg: attempts per commit before it counts as failed. A bound of our choosing: in the one measured run
# (8 writers x 50 commits on one table) every commit landed within it.
RETRIES = 15


def delta_append(uri: str, codec: str) -> Appender:
    from deltalake import WriterProperties, write_deltalake
    from deltalake.exceptions import CommitFailedError

    options = json.loads(os.environ.get("ARMILLARIA_DELTA_STORAGE_OPTIONS", "null"))
    props = WriterProperties(compression=codec.upper())
    return (lambda rows: write_deltalake(uri, rows, mode="append", writer_properties=props, storage_options=options)), (CommitFailedError,)


def iceberg_append(uri: str, codec: str, catalog_dir: str) -> Appender:
    from pyiceberg.exceptions import CommitFailedException, NoSuchTableError
    from sqlalchemy.exc import OperationalError

    from iceberg_driver import IcebergDriver

    driver = IcebergDriver()
    driver.catalog({"dir": catalog_dir})

    def append(rows: pa.Table) -> None:
        for attempt in range(RETRIES):
            try:
                try:
                    table = driver._load(uri)
                except NoSuchTableError:  # a writer's own table: its first commit creates it
                    table = driver._create(uri, rows.schema, codec)
                table.append(rows)
                return
            except (CommitFailedException, OperationalError):  # lost the race (or SQLite's lock): reload, again
                if attempt == RETRIES - 1:
                    raise

    return append, (CommitFailedException, OperationalError)


def lance_append(uri: str) -> Appender:
    import lance

    return (lambda rows: lance.write_dataset(rows, uri, mode="append" if os.path.exists(uri) else "create")), ()


def main() -> int:
    engine, uri, commits, rows_file, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    rows = ipc.open_file(rows_file).read_all()
    if engine == "delta":
        append, gave_up = delta_append(uri, codec)
        rows = signed_integers(rows, engine)[0]
    elif engine == "iceberg":
        append, gave_up = iceberg_append(uri, codec, sys.argv[6])
        rows = signed_integers(rows, engine)[0]
    elif engine == "lance":
        append, gave_up = lance_append(uri)
    else:
        print(f"committer: unknown engine {engine!r}", file=sys.stderr)
        return 2
    print("ready", flush=True)
    sys.stdin.readline()
    landed = failed = 0
    per = rows.num_rows // commits
    for i in range(commits):
        try:
            append(rows.slice(i * per, per))
            landed += 1
        except gave_up as e:  # the engine gave up on this commit: counted, and said
            failed += 1
            print(f"committer: {engine} commit failed: {type(e).__name__}: {e}", file=sys.stderr)
    print(f"done {landed} {failed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
