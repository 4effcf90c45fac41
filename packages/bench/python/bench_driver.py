#!/usr/bin/env python3
"""What every engine driver of the Armillaria benchmark harness shares: the JSON-lines protocol, the
content checksum, peak RSS, filters, and the commands about slots and files.

Contract (one long-lived process per engine and benchmark run, spawned by
packages/bench/src/engines/python-engine.ts):

  stdin   one JSON object per line: {"id": <int>, "cmd": "<name>", ...arguments}
  stdout  exactly one JSON line per request, in request order, and nothing else:
            {"id": <same>, "ok": true, "ms": <time inside Python>, "rssPeakBytes": <int>, ...}
            {"id": <same>, "ok": false, "error": "<message>", "errorType": "<exception class>"}
          "ms" is measured with time.perf_counter() around the operation only (no JSON, no process
          spawn), "cpuMs" with time.process_time() around the same region (every thread of the
          process); "rssPeakBytes" is this process's peak RSS during the request (Linux VmHWM after
          resetting it through /proc/self/clear_refs; the process-lifetime peak elsewhere).
  stderr  free-form diagnostics for humans; the harness forwards it, never parses it.
  exit    0 after {"cmd": "quit"} or end of input; 2 on a malformed request line.

Commands every driver has (arguments in brackets are optional); each engine's driver adds its own
(delta_driver.py, iceberg_driver.py, lance_driver.py) with the same names and arguments:
  hello                    -> versions {python, pyarrow, <engine package>}, threads, pid
  load      slot, path     -> read an Arrow IPC file into memory slot `slot` (untimed setup); returns
                              rows and checksum of what was loaded, and the columns it widened for
                              an engine without unsigned integers
  checksum  slot           -> checksum of an in-memory slot
  unload    slot           -> forget a slot
  du        path           -> bytes and files under path (a table's stored size)
  drop      path           -> remove a directory tree (untimed housekeeping)
  quit

Filters are JSON: {"column", "op": < <= > >= = !=, "value"} | {"and": [...]} | {"or": [...]}: a pyarrow
compute expression (`filter_expression`) or a SQL predicate (`filter_sql`), as each engine takes them.

The checksum is `armillaria-checksum-v1`, defined in packages/bench/src/checksum.ts and implemented
identically in `table_checksum` below.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import os
import platform
import shutil
import struct
import sys
import time
import traceback
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

# --------------------------------------------------------------------------------------------------
# checksum (must match packages/bench/src/checksum.ts)


CHECKSUM_VERSION = "armillaria-checksum-v1"

# --------------------------------------------------------------------------------------------------
# checksum (must match packages/bench/src/checksum.ts)


def _kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        return _kind(t.value_type)
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "utf8"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "list"
    if pa.types.is_struct(t):
        return "struct"
    raise ValueError(f"checksum: unsupported column type {t}")


def _fixed_buffer(arr: pa.Array, width: int) -> memoryview:
    """The values of a null-free fixed-width array, as bytes, honouring the slice offset."""
    buf = arr.buffers()[1]
    return memoryview(buf)[arr.offset * width:(arr.offset + len(arr)) * width]


def _canonical(arr: pa.Array, kind: str) -> pa.Array:
    """Null-free canonical array: int64 for int/timestamp/date, float64, uint8 for bool, string for
    utf8, binary for binary; a decimal stays as it is (its buffer is the canonical bytes)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if kind == "int":
        if pa.types.is_uint64(t):
            return arr.view(pa.int64())
        return arr.cast(pa.int64())
    if kind == "float":
        return arr.cast(pa.float64())
    if kind == "bool":
        return arr.cast(pa.uint8())
    if kind == "timestamp":
        raw = arr.cast(pa.int64())
        unit = t.unit
        if unit == "s":
            return pc.multiply(raw, 1_000_000)
        if unit == "ms":
            return pc.multiply(raw, 1_000)
        if unit == "ns":
            return pc.divide(raw, 1_000)  # integer division truncates toward zero, like BigInt on Node
        return raw
    if kind == "date":
        if pa.types.is_date64(t):
            return pc.divide(arr.cast(pa.int64()), 86_400_000)
        return arr.cast(pa.int32()).cast(pa.int64())
    if kind == "utf8":
        return arr.cast(pa.string())
    if kind == "binary":
        return arr.cast(pa.binary())
    if kind == "decimal":
        return arr
    raise AssertionError(kind)


def _id_sorted(table: pa.Table) -> pa.Table:
    """Ascending stable order by an integer `id` column, unless already non-decreasing."""
    if "id" not in table.column_names or table.num_rows < 2:
        return table
    ids = table.column("id")
    if not pa.types.is_integer(ids.type):
        return table
    ids = ids.combine_chunks().cast(pa.int64())
    if ids.null_count == 0:
        ok = pc.all(pc.greater_equal(ids.slice(1), ids.slice(0, len(ids) - 1))).as_py()
        if ok:
            return table
    # sort_indices is stable; nulls first to match the Node side
    idx = pc.sort_indices(table, sort_keys=[("id", "ascending", "at_start")])
    return table.take(idx)


def _body(chunks: list[pa.Array], t: pa.DataType) -> bytes:
    """What a sequence of values of type `t` contributes to the checksum after its name: kind, null
    count, null positions, lengths (strings, binaries, lists) and values; a nested kind's values are
    the digests of its nested sequences (a list's elements, each struct field over non-null rows)."""
    kind = _kind(t)
    nulls = hashlib.sha256()
    lengths = hashlib.sha256()
    values = hashlib.sha256()
    nested: list[list[pa.Array]] = [[]] if kind == "list" else [[] for _ in range(t.num_fields)] if kind == "struct" else []
    null_count = 0
    base = 0
    for chunk in chunks:
        n = len(chunk)
        if chunk.null_count:
            null_count += chunk.null_count
            pos = pc.add(pc.indices_nonzero(chunk.is_null()).cast(pa.uint64()), pa.scalar(base, pa.uint64()))
            nulls.update(_fixed_buffer(pos, 8))
            chunk = chunk.drop_null()
        if len(chunk):
            if kind == "list":
                lengths.update(_fixed_buffer(pc.list_value_length(chunk).cast(pa.uint32()), 4))
                nested[0].append(chunk.flatten())
            elif kind == "struct":
                for f, child in enumerate(chunk.flatten()):
                    nested[f].append(child)
            else:
                arr = _canonical(chunk, kind)
                if kind in ("utf8", "binary"):
                    lengths.update(_fixed_buffer(pc.binary_length(arr).cast(pa.uint32()), 4))
                    offsets = arr.buffers()[1]
                    (start,) = struct.unpack_from("<i", offsets, arr.offset * 4)
                    (end,) = struct.unpack_from("<i", offsets, (arr.offset + len(arr)) * 4)
                    values.update(memoryview(arr.buffers()[2])[start:end] if end > start else b"")
                else:
                    width = 1 if kind == "bool" else arr.type.byte_width if kind == "decimal" else 8
                    values.update(_fixed_buffer(arr, width))
        base += n
    if kind == "list":
        values_digest = hashlib.sha256(_body(nested[0], t.value_type)).digest()
    elif kind == "struct":
        h = hashlib.sha256()
        for f in range(t.num_fields):
            h.update(f"{t.field(f).name}\0".encode())
            h.update(hashlib.sha256(_body(nested[f], t.field(f).type)).digest())
        values_digest = h.digest()
    else:
        values_digest = values.digest()
    has_lengths = kind in ("utf8", "binary", "list")
    return b"".join([f"{kind}\0".encode(), struct.pack("<Q", null_count), nulls.digest(), *([lengths.digest()] if has_lengths else []), values_digest])


def table_checksum(table: pa.Table) -> str:
    """armillaria-checksum-v1 of a pyarrow table (see packages/bench/src/checksum.ts)."""
    table = _id_sorted(table)
    outer = hashlib.sha256()
    outer.update(f"{CHECKSUM_VERSION}\0".encode())
    outer.update(struct.pack("<QI", table.num_rows, table.num_columns))
    for field, column in zip(table.schema, table.columns):
        outer.update(f"{field.name}\0".encode())
        outer.update(_body(column.chunks, field.type))
    return outer.hexdigest()



# Delta Lake and Iceberg have no unsigned integer types (delta-rs 1.6 casts a uint8 column to int8 and
# fails on 128 and above): each goes to them as a signed type that holds all its values. The checksum
# reads every integer as int64, so it does not change, and `load` still proves the data equal.
_SIGNED_FOR = {pa.uint8(): pa.int16(), pa.uint16(): pa.int32(), pa.uint32(): pa.int64(), pa.uint64(): pa.int64()}


def _signed(t: pa.DataType) -> pa.DataType:
    """`t` with each unsigned integer, nested ones too, replaced by a signed type that holds it."""
    if pa.types.is_unsigned_integer(t):
        return _SIGNED_FOR[t]
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(_signed(t.value_type)))
    if pa.types.is_large_list(t):
        return pa.large_list(t.value_field.with_type(_signed(t.value_type)))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(t.value_field.with_type(_signed(t.value_type)), t.list_size)
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(_signed(t.field(i).type)) for i in range(t.num_fields)])
    return t


def signed_integers(table: pa.Table, engine: str) -> tuple[pa.Table, list[str]]:
    """`table` with signed integers for unsigned ones, and a description of each column changed."""
    fields, columns, changed = [], [], []
    for field, column in zip(table.schema, table.columns):
        t = _signed(field.type)
        if t != field.type:
            try:
                column = column.cast(t)  # a safe cast: fails on a uint64 above 2**63 - 1
            except pa.ArrowInvalid as e:
                raise ValueError(f"{engine}: column {field.name} ({field.type}) holds a value that no signed integer type holds: {e}") from e
            changed.append(f"{field.name} ({field.type} -> {t})")
        fields.append(field.with_type(t))
        columns.append(column)
    if not changed:
        return table, []
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=table.schema.metadata)), changed


# --------------------------------------------------------------------------------------------------
# process helpers and filters


def _read_hwm() -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_hwm() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss() -> int:
    hwm = _read_hwm()
    if hwm is not None:
        return hwm
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


def local_du(path: str) -> tuple[int, int]:
    total = 0
    files = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
                files += 1
            except FileNotFoundError:
                pass
    return total, files


_OPS = {"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal", "=": "equal", "!=": "not_equal"}


def filter_expression(f: dict[str, Any]) -> pc.Expression:
    if "and" in f:
        parts = [filter_expression(p) for p in f["and"]]
        expr = parts[0]
        for p in parts[1:]:
            expr = expr & p
        return expr
    if "or" in f:
        parts = [filter_expression(p) for p in f["or"]]
        expr = parts[0]
        for p in parts[1:]:
            expr = expr | p
        return expr
    op = f["op"]
    if op not in _OPS:
        raise ValueError(f"filter: unknown op {op!r}")
    field = pc.field(f["column"])
    value = f["value"]
    return {
        "<": field < value, "<=": field <= value, ">": field > value,
        ">=": field >= value, "=": field == value, "!=": field != value,
    }[op]


_SQL_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "=", "!=": "<>"}


def sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"filter: unsupported value {value!r}")


def filter_sql(f: dict[str, Any], quote: str = '"') -> str:
    """The filter JSON as a SQL predicate (DeltaTable.delete, Lance take one), identifiers quoted with `quote`."""
    if "and" in f or "or" in f:
        word = " AND " if "and" in f else " OR "
        return "(" + word.join(filter_sql(p, quote) for p in f["and" if "and" in f else "or"]) + ")"
    op = f["op"]
    if op not in _SQL_OPS:
        raise ValueError(f"filter: unknown op {op!r}")
    column = quote + f["column"].replace(quote, quote * 2) + quote
    return f"{column} {_SQL_OPS[op]} {sql_literal(f['value'])}"


# --------------------------------------------------------------------------------------------------
# the commands every driver shares


class BaseDriver:
    """Slots and files. Subclasses name their package in `hello` and may widen types in `compatible`."""

    def __init__(self) -> None:
        self.slots: dict[str, pa.Table] = {}

    def versions(self) -> dict[str, str]:
        """The engine's package versions, beside Python's and pyarrow's."""
        return {}

    def compatible(self, table: pa.Table) -> tuple[pa.Table, list[str]]:
        """`table` as the engine can store it, and a description of each column changed."""
        return table, []

    def hello(self, _req: dict[str, Any]) -> dict[str, Any]:
        return {
            "versions": {"python": platform.python_version(), "pyarrow": pa.__version__, **self.versions()},
            "threads": {"pyarrowCpu": pa.cpu_count(), "pyarrowIo": pa.io_thread_count(), "osCpu": os.cpu_count()},
            "pid": os.getpid(),
            "checksum": CHECKSUM_VERSION,
        }

    def settle(self, _req: dict[str, Any]) -> dict[str, Any]:
        """Before a dataset's cases: collect garbage and hand the memory earlier work freed back to the OS
        (Arrow's pool, glibc's arenas), as the Node side does, so that the peaks measured next are their own."""
        gc.collect()
        pa.default_memory_pool().release_unused()
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (AttributeError, OSError):  # not glibc
            pass
        return {}

    def load(self, req: dict[str, Any]) -> dict[str, Any]:
        # The whole file in memory, then zero-copy IPC decode: the same as the Node side does.
        with pa.OSFile(req["path"], "rb") as f:
            buf = f.read_buffer()
        table, widened = self.compatible(ipc.open_file(pa.BufferReader(buf)).read_all())
        self.slots[req["slot"]] = table
        return {"rows": table.num_rows, "nbytes": table.nbytes, "checksum": table_checksum(table), "widened": widened}

    def source(self, req: dict[str, Any]) -> pa.Table:
        """A write's rows: read from its IPC file ("file": inside the caller's timed region, as
        Armillaria reads its file), or the memory slot ("slot")."""
        if "file" in req:
            return self.compatible(ipc.open_file(req["file"]).read_all())[0]
        return self.slots[req["slot"]]

    def checksum(self, req: dict[str, Any]) -> dict[str, Any]:
        t = self.slots[req["slot"]]
        return {"rows": t.num_rows, "checksum": table_checksum(t)}

    def unload(self, req: dict[str, Any]) -> dict[str, Any]:
        self.slots.pop(req["slot"], None)
        return {}

    def _grown(self, path: str, change: Callable[[], Any]) -> dict[str, Any]:
        """Time `change` to the table at `path` (a branch, say): its ms and the bytes it added there."""
        size0, _ = local_du(path)
        t0 = clock.start()
        change()
        ms = clock.stop(t0)
        return {"ms": ms, "bytes": local_du(path)[0] - size0}

    def du(self, req: dict[str, Any]) -> dict[str, Any]:
        size, files = local_du(req["path"])
        return {"bytes": size, "files": files}

    def drop(self, req: dict[str, Any]) -> dict[str, Any]:
        shutil.rmtree(req["path"], ignore_errors=True)
        return {}


class Stopwatch:
    """Wall and CPU time of a request's timed region (`t0 = clock.start()` ... `ms = clock.stop(t0)`).
    CPU time counts every thread of this process (the engines' Rust pools too); serve() reports it as
    "cpuMs", beside the Node engines' process.cpuUsage() (packages/bench/src/measure.ts, Stopwatch)."""

    cpu_ms: float | None = None

    def start(self) -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def stop(self, t0: tuple[float, float]) -> float:
        self.cpu_ms = (time.process_time() - t0[1]) * 1000
        return (time.perf_counter() - t0[0]) * 1000


clock = Stopwatch()


def serve(driver: BaseDriver, name: str) -> int:
    """Answer requests on stdin until `quit` or end of input: every public method of `driver` is a
    command (`branch_write` answers `branch-write`)."""
    out = sys.stdout
    # Anything a library prints must not corrupt the protocol: point Python's stdout at stderr.
    sys.stdout = sys.stderr
    handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        n: getattr(driver, n) for n in dir(driver) if not n.startswith("_") and n not in ("versions", "compatible", "source", "slots")
    }
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"{name}: malformed request line: {e}", file=sys.stderr)
            return 2
        rid = req.get("id")
        cmd = req.get("cmd")
        if cmd == "quit":
            out.write(json.dumps({"id": rid, "ok": True}) + "\n")
            out.flush()
            return 0
        handler = handlers.get(str(cmd).replace("-", "_"))
        if handler is None or not callable(handler):
            resp: dict[str, Any] = {"id": rid, "ok": False, "error": f"unknown command {cmd!r}", "errorType": "UnknownCommand"}
        else:
            _reset_hwm()
            clock.cpu_ms = None
            try:
                resp = {"id": rid, "ok": True, **handler(req)}
                if clock.cpu_ms is not None and "ms" in resp:
                    resp["cpuMs"] = clock.cpu_ms
                resp["rssPeakBytes"] = _peak_rss()
            except Exception as e:  # reported to the harness, which records status 'error'
                traceback.print_exc(file=sys.stderr)
                resp = {"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}", "errorType": type(e).__name__}
        out.write(json.dumps(resp) + "\n")
        out.flush()
    return 0
