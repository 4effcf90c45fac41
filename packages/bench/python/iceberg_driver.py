#!/usr/bin/env python3
"""Apache Iceberg (`pyiceberg`) driver for the Armillaria benchmark harness.

The protocol, the checksum and the shared commands (hello, load, checksum, unload, du, drop, quit)
are bench_driver.py's; spawned by packages/bench/src/engines/iceberg.ts. Tables live in a SQL catalog
on SQLite (`catalog` names its directory); a request's `path` is the table's location, and the
driver keeps the catalog identifier that goes with it.

Versions are the positions in the main branch's snapshot log (0 for the first snapshot, the number
Delta Lake would give): Iceberg's snapshot ids are random 63-bit numbers, which JSON cannot carry to
Node exactly; `read` looks the position up in the same log, so time travel is by snapshot.

Commands (arguments in brackets are optional):
  catalog   dir                          -> open (or create) the SQLite catalog in dir (untimed)
  write     slot | file, path, mode, codec, [schemaMode]
                                         -> create the table if needed, then append or overwrite
                                            (Table.append / Table.overwrite, Parquet with `codec`);
                                            schemaMode 'overwrite' first unions the table's schema
                                            with the rows' (adding a column); timed
  read      path, [version], [branch], [columns], [filter]
                                         -> load_table + scan(row_filter, selected_fields,
                                            snapshot_id | use_ref(branch)).to_arrow(); timed;
                                            returns rows + checksum (computed after timing)
  update    path, slot, codec            -> replace `value` at the slot's ids: scan the matched rows,
                                            join the new values, Table.overwrite(rows,
                                            overwrite_filter=In(id, ids)) (copy-on-write; pyiceberg
                                            writes no delete files); timed
  delete    path, filter                 -> Table.delete(filter); timed; returns rows deleted
  branch    path, name                   -> manage_snapshots().create_branch(head, name); timed;
                                            returns the bytes it added (metadata)
  branch-write path, name, slot, codec   -> create the branch, then overwrite it with the slot's rows
                                            (Table.overwrite(branch=name)); timed
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

import pyarrow as pa

import pyiceberg
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    EqualTo,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
    NotEqualTo,
    Or,
)
from pyiceberg.table import Table

from bench_driver import BaseDriver, clock, serve, signed_integers, table_checksum

NAMESPACE = "bench"
_PREDICATES = {"<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual, "=": EqualTo, "!=": NotEqualTo}


def iceberg_filter(f: dict[str, Any]) -> BooleanExpression:
    """The harness's filter JSON as a pyiceberg expression (pruning by manifest and file statistics,
    then exact row filtering in to_arrow)."""
    if "and" in f or "or" in f:
        parts = [iceberg_filter(p) for p in f["and" if "and" in f else "or"]]
        combine = And if "and" in f else Or
        expr = parts[0]
        for p in parts[1:]:
            expr = combine(expr, p)
        return expr
    if f["op"] not in _PREDICATES:
        raise ValueError(f"filter: unknown op {f['op']!r}")
    return _PREDICATES[f["op"]](f["column"], f["value"])


class IcebergDriver(BaseDriver):
    def __init__(self) -> None:
        super().__init__()
        self._catalog: SqlCatalog | None = None

    def versions(self) -> dict[str, str]:
        import sqlalchemy

        return {"pyiceberg": pyiceberg.__version__, "sqlalchemy": sqlalchemy.__version__}

    def compatible(self, table: pa.Table) -> tuple[pa.Table, list[str]]:
        return signed_integers(table, "iceberg")

    # ---------------------------------------------------------------------------------------------
    # tables by location

    def _cat(self) -> SqlCatalog:
        if self._catalog is None:
            raise RuntimeError("iceberg: no catalog: send `catalog` first")
        return self._catalog

    @staticmethod
    def _identifier(path: str) -> str:
        return f"{NAMESPACE}.t_{hashlib.sha1(path.encode()).hexdigest()[:20]}"

    def _load(self, path: str) -> Table:
        return self._cat().load_table(self._identifier(path))

    def _create(self, path: str, schema: pa.Schema, codec: str) -> Table:
        return self._cat().create_table(
            self._identifier(path), schema=schema, location=path,
            properties={"write.parquet.compression-codec": codec},
        )

    def _version(self, table: Table) -> int:
        return len(table.history()) - 1

    def catalog(self, req: dict[str, Any]) -> dict[str, Any]:
        directory = req["dir"]
        self._catalog = SqlCatalog("bench", uri=f"sqlite:///{directory}/iceberg-catalog.db", warehouse=f"file://{directory}/warehouse")
        self._catalog.create_namespace_if_not_exists(NAMESPACE)
        return {}

    # ---------------------------------------------------------------------------------------------
    # commands

    def write(self, req: dict[str, Any]) -> dict[str, Any]:
        path, mode, codec = req["path"], req.get("mode", "overwrite"), req.get("codec", "snappy")
        t0 = clock.start()
        rows = self.source(req)
        try:
            table = self._load(path)
            created = False
        except NoSuchTableError:
            table, created = self._create(path, rows.schema, codec), True
        if req.get("schemaMode") == "overwrite":
            with table.update_schema() as update:
                update.union_by_name(rows.schema)
        if mode == "append" or created:  # a new table is empty: overwriting it would first commit a no-op delete
            table.append(rows)
        else:
            table.overwrite(rows)
        ms = clock.stop(t0)
        return {"ms": ms, "rows": rows.num_rows, "version": self._version(table)}

    def read(self, req: dict[str, Any]) -> dict[str, Any]:
        columns, filt, version, branch = req.get("columns"), req.get("filter"), req.get("version"), req.get("branch")
        t0 = clock.start()
        table = self._load(req["path"])
        kwargs: dict[str, Any] = {"row_filter": iceberg_filter(filt) if filt else AlwaysTrue()}
        if columns:
            kwargs["selected_fields"] = tuple(columns)
        if version is not None:
            kwargs["snapshot_id"] = table.history()[int(version)].snapshot_id
        scan = table.scan(**kwargs)
        if branch is not None:
            scan = scan.use_ref(branch)
        result = scan.to_arrow()
        if columns:
            result = result.select(columns)  # selected_fields keeps the table's column order, not the request's
        ms = clock.stop(t0)
        out: dict[str, Any] = {"ms": ms, "rows": result.num_rows, "version": int(version) if version is not None else self._version(table)}
        if req.get("checksum", True):
            out["checksum"] = table_checksum(result)
        return out

    def update(self, req: dict[str, Any]) -> dict[str, Any]:
        updates = self.slots[req["slot"]]
        t0 = clock.start()
        table = self._load(req["path"])
        matched_ids = In("id", updates.column("id").to_pylist())
        matched = table.scan(row_filter=matched_ids).to_arrow()
        names = matched.column_names
        rows = matched.drop_columns(["value"]).join(updates.select(["id", "value"]), "id").select(names).cast(matched.schema)
        table.overwrite(rows, overwrite_filter=matched_ids)
        ms = clock.stop(t0)
        return {"ms": ms, "rows": rows.num_rows, "version": self._version(table)}

    def upsert(self, req: dict[str, Any]) -> dict[str, Any]:
        rows = self.slots[req["slot"]]
        t0 = clock.start()
        table = self._load(req["path"])
        result = table.upsert(rows.cast(table.schema().as_arrow()), join_cols=["id"])
        ms = clock.stop(t0)
        return {"ms": ms, "rows": result.rows_updated + result.rows_inserted, "version": self._version(table)}

    def delete(self, req: dict[str, Any]) -> dict[str, Any]:
        path = req["path"]
        before = self._load(path).current_snapshot()
        t0 = clock.start()
        table = self._load(path)
        table.delete(delete_filter=iceberg_filter(req["filter"]))
        ms = clock.stop(t0)
        return {"ms": ms, "rows": _records(before) - _records(table.current_snapshot()), "version": self._version(table)}

    def _branch(self, path: str, name: str) -> Table:
        table = self._load(path)
        table.manage_snapshots().create_branch(table.current_snapshot().snapshot_id, name).commit()
        return table

    def branch(self, req: dict[str, Any]) -> dict[str, Any]:
        return {**self._grown(req["path"], lambda: self._branch(req["path"], req["name"])), "method": "ref"}

    def branch_write(self, req: dict[str, Any]) -> dict[str, Any]:
        rows = self.slots[req["slot"]]
        grown = self._grown(req["path"], lambda: self._branch(req["path"], req["name"]).overwrite(rows, branch=req["name"]))
        return {**grown, "rows": rows.num_rows}

    def drop(self, req: dict[str, Any]) -> dict[str, Any]:
        """Remove the directory tree, and the catalog's entries for the tables located in it."""
        path = req["path"]
        if self._catalog is not None:
            for (ns, name) in self._catalog.list_tables(NAMESPACE):
                identifier = f"{ns}.{name}"
                location = self._catalog.load_table(identifier).location()
                if location == path or location.startswith(path.rstrip("/") + "/"):
                    self._catalog.drop_table(identifier)
        return super().drop(req)


def _records(snapshot: Any) -> int:
    """Rows in the table as of `snapshot` (its summary's total-records)."""
    return int(snapshot.summary["total-records"]) if snapshot is not None and snapshot.summary is not None else 0


if __name__ == "__main__":
    sys.exit(serve(IcebergDriver(), "iceberg_driver"))
