"""Convert vega-datasets' `flights-3m` table (npm package vega-datasets@3.2.1, BSD-3-Clause) to Arrow IPC.

Real data at scale: 3,000,000 US domestic flights of 2001 (the U.S. DOT's on-time performance records,
as the Vega project ships them), with two string columns of airport codes (origin, destination) beside a
timestamp and two integers: where Armillaria's string path (encoding, statistics, hashing, the IPC
crossing, JS strings) carries the weight that synthetic numbers do not give it.

The package is fetched with the ordinary client (`npm pack vega-datasets@3.2.1`, a 17 MB tarball) into
a cache directory; its `package/data/flights-3m.parquet` is read directly. Output: one Arrow IPC *file*
with a single record batch, schema fixed below (utf8, not large_utf8, as Node's apache-arrow reads best),
written by the pinned pyarrow, so the bytes are reproducible and their sha256 is pinned in
datasets/manifest.json.

Usage: python flights_3m.py --out <file.arrow> --cache <dir>
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

PACKAGE = "vega-datasets@3.2.1"
TARBALL = "vega-datasets-3.2.1.tgz"
MEMBER = "package/data/flights-3m.parquet"
ROWS = 3_000_000

SCHEMA = pa.schema([
    pa.field("date", pa.timestamp("us")),
    pa.field("delay", pa.int64()),
    pa.field("distance", pa.int64()),
    pa.field("origin", pa.string()),
    pa.field("destination", pa.string()),
])


def fetch(cache: Path) -> Path:
    """The package tarball in `cache`, packed by npm on first use."""
    tarball = cache / TARBALL
    if not tarball.exists():
        cache.mkdir(parents=True, exist_ok=True)
        print(f"flights-3m: npm pack {PACKAGE} into {cache}", file=sys.stderr)
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
    return tarball


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", required=True)
    args = ap.parse_args()
    with tarfile.open(fetch(Path(args.cache)), "r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"flights-3m: {MEMBER} missing from {TARBALL}")
        table = pq.read_table(io.BytesIO(member.read()))
    if table.num_rows != ROWS:
        raise SystemExit(f"flights-3m: expected {ROWS} rows, got {table.num_rows}")
    table = table.select(SCHEMA.names).cast(SCHEMA).combine_chunks()
    batch = table.to_batches(max_chunksize=table.num_rows)[0]
    with pa.OSFile(args.out, "wb") as f, ipc.new_file(f, SCHEMA) as writer:
        writer.write_batch(batch)
    print(f"flights-3m: wrote {args.out} ({table.num_rows} rows, {table.nbytes} bytes in memory)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
