#!/usr/bin/env python3
"""Delta Lake (delta-rs, `deltalake` package) driver for the Armillaria benchmark harness.

The protocol, the checksum and the shared commands (hello, load, checksum, unload, du, drop, quit)
are bench_driver.py's; spawned by packages/bench/src/engines/delta.ts. Delta's own commands
(arguments in brackets are optional):
  storage   endpoint, region, accessKeyId, secretAccessKey
                                         -> table paths from now on may be s3://bucket/key URIs on this
                                            S3-compatible server (delta-rs with conditional puts; du,
                                            copy and drop through pyarrow's S3FileSystem)
  write     slot | file, path, mode, codec, [schemaMode]
                                         -> write_deltalake(path, slot, mode=overwrite|append,
                                            WriterProperties(compression=codec),
                                            schema_mode=merge|overwrite); timed. schemaMode
                                            'overwrite' replaces the table's schema (adding a column)
  read      path, [version], [columns], [filter]
                                         -> DeltaTable(path) [+ load_as_version] + to_pyarrow_table;
                                            timed; returns rows + checksum (computed after timing)
  update    path, slot, codec            -> MERGE slot {id, value} into the table on id, updating
                                            `value` of the matched rows (Delta's natural row update);
                                            timed; returns Delta's metrics
  delete    path, filter, codec          -> DeltaTable(path).delete(<filter as a SQL predicate>); timed;
                                            returns rows deleted and Delta's metrics
  copy      src, dst                     -> full recursive copy of a table directory: Delta's nearest
                                            equivalent of creating a branch (labelled "full-copy");
                                            timed; returns bytes copied

du and drop also take s3:// URIs once `storage` was called. Filters go to to_pyarrow_table(filters=...)
as a pyarrow expression, which prunes files and row groups by statistics and then filters rows;
`delete` takes the same filter as a SQL predicate.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

import deltalake
from deltalake import DeltaTable, QueryBuilder, WriterProperties, write_deltalake

from bench_driver import BaseDriver, clock, filter_expression, filter_sql, local_du, serve, signed_integers, table_checksum


def _writer_properties(codec: str) -> WriterProperties:
    return WriterProperties(compression=codec.upper())


class DeltaDriver(BaseDriver):
    def __init__(self) -> None:
        super().__init__()
        # For s3:// paths (set by `storage`): delta-rs's storage options, and a pyarrow filesystem.
        self.storage_options: dict[str, str] | None = None
        self.s3: pafs.S3FileSystem | None = None

    def versions(self) -> dict[str, str]:
        return {"deltalake": deltalake.__version__}

    def compatible(self, table: pa.Table) -> tuple[pa.Table, list[str]]:
        return signed_integers(table, "delta")

    def _so(self, path: str) -> dict[str, str] | None:
        return self.storage_options if path.startswith("s3://") else None

    def storage(self, req: dict[str, Any]) -> dict[str, Any]:
        endpoint = req["endpoint"]
        self.storage_options = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": req["region"],
            "AWS_ACCESS_KEY_ID": req["accessKeyId"],
            "AWS_SECRET_ACCESS_KEY": req["secretAccessKey"],
            "AWS_ALLOW_HTTP": "true",
            # Safe concurrent commits without a lock table: put-if-absent on the log's next version.
            "aws_conditional_put": "etag",
        }
        scheme, _, host = endpoint.partition("://")
        self.s3 = pafs.S3FileSystem(
            access_key=req["accessKeyId"], secret_key=req["secretAccessKey"], region=req["region"],
            endpoint_override=host, scheme=scheme,
        )
        return {"storageOptions": self.storage_options}

    def write(self, req: dict[str, Any]) -> dict[str, Any]:
        props = _writer_properties(req.get("codec", "snappy"))
        schema_mode = req.get("schemaMode")
        t0 = clock.start()
        table = self.source(req)
        so = self._so(req["path"])
        write_deltalake(req["path"], table, mode=req.get("mode", "overwrite"), writer_properties=props, schema_mode=schema_mode, storage_options=so)
        ms = clock.stop(t0)
        return {"ms": ms, "rows": table.num_rows, "version": DeltaTable(req["path"], storage_options=so).version()}

    def read(self, req: dict[str, Any]) -> dict[str, Any]:
        columns = req.get("columns")
        filt = req.get("filter")
        expr = filter_expression(filt) if filt else None
        version = req.get("version")
        t0 = clock.start()
        dt = DeltaTable(req["path"], storage_options=self._so(req["path"]))
        if version is not None:
            dt.load_as_version(int(version))
        table = dt.to_pyarrow_table(columns=columns, filters=expr)
        ms = clock.stop(t0)
        out: dict[str, Any] = {"ms": ms, "rows": table.num_rows, "version": dt.version()}
        if req.get("checksum", True):
            out["checksum"] = table_checksum(table)
        return out

    def sql(self, req: dict[str, Any]) -> dict[str, Any]:
        """A query over tables at the given versions, by DataFusion (QueryBuilder); rows back as lists."""
        versions = req.get("versions", {})
        t0 = clock.start()
        qb = QueryBuilder()
        for name, path in req["tables"].items():
            dt = DeltaTable(path, storage_options=self._so(path))
            if name in versions:
                dt.load_as_version(int(versions[name]))
            qb.register(name, dt)
        table = pa.table(qb.execute(req["query"]).read_all())
        ms = clock.stop(t0)
        rows = [list(r.values()) for r in table.to_pylist()]
        return {"ms": ms, "rows": table.num_rows, "resultRows": json.loads(json.dumps(rows, default=str))}

    def update(self, req: dict[str, Any]) -> dict[str, Any]:
        return self._merge(req, lambda m: m.when_matched_update(updates={"value": "s.value"}))

    def upsert(self, req: dict[str, Any]) -> dict[str, Any]:
        return self._merge(req, lambda m: m.when_matched_update_all().when_not_matched_insert_all())

    def _merge(self, req: dict[str, Any], clauses: Any) -> dict[str, Any]:
        """A MERGE of the slot's rows into the table on id, with `clauses` added to the builder."""
        source = self.slots[req["slot"]]
        props = _writer_properties(req.get("codec", "snappy"))
        t0 = clock.start()
        dt = DeltaTable(req["path"], storage_options=self._so(req["path"]))
        merge = dt.merge(source=source, predicate="t.id = s.id", source_alias="s", target_alias="t", writer_properties=props)
        metrics = clauses(merge).execute()
        ms = clock.stop(t0)
        keep = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        return {"ms": ms, "version": dt.version(), "metrics": keep}

    def delete(self, req: dict[str, Any]) -> dict[str, Any]:
        predicate = filter_sql(req["filter"])
        props = _writer_properties(req.get("codec", "snappy"))
        t0 = clock.start()
        dt = DeltaTable(req["path"], storage_options=self._so(req["path"]))
        metrics = dt.delete(predicate=predicate, writer_properties=props)
        ms = clock.stop(t0)
        keep = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        return {"ms": ms, "rows": int(metrics.get("num_deleted_rows", 0)), "version": dt.version(), "metrics": keep, "predicate": predicate}

    def optimize(self, req: dict[str, Any]) -> dict[str, Any]:
        props = _writer_properties(req.get("codec", "snappy"))
        t0 = clock.start()
        dt = DeltaTable(req["path"], storage_options=self._so(req["path"]))
        metrics = dt.optimize.compact(writer_properties=props)
        ms = clock.stop(t0)
        keep = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        return {"ms": ms, "version": dt.version(), "metrics": keep}

    def copy(self, req: dict[str, Any]) -> dict[str, Any]:
        src, dst = req["src"], req["dst"]
        t0 = clock.start()
        if src.startswith("s3://"):
            # Server-side copies, object by object (CopyObject): the nearest S3 equivalent of copytree.
            for info in self._s3_files(src):
                self.s3.copy_file(info.path, dst[len("s3://"):] + info.path[len(src) - len("s3://"):])
        else:
            shutil.copytree(src, dst)
        ms = clock.stop(t0)
        size, files = self._du(dst)
        return {"ms": ms, "bytes": size, "files": files, "method": "full-copy"}

    def du(self, req: dict[str, Any]) -> dict[str, Any]:
        size, files = self._du(req["path"])
        return {"bytes": size, "files": files}

    def _s3_files(self, uri: str) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(uri[len("s3://"):], recursive=True, allow_not_found=True)
        return [i for i in self.s3.get_file_info(selector) if i.type == pafs.FileType.File]

    def _du(self, path: str) -> tuple[int, int]:
        if not path.startswith("s3://"):
            return local_du(path)
        files = self._s3_files(path)
        return sum(i.size for i in files), len(files)

    def drop(self, req: dict[str, Any]) -> dict[str, Any]:
        if req["path"].startswith("s3://"):
            try:
                self.s3.delete_dir(req["path"][len("s3://"):])
            except FileNotFoundError:
                pass
        else:
            shutil.rmtree(req["path"], ignore_errors=True)
        return {}


if __name__ == "__main__":
    sys.exit(serve(DeltaDriver(), "delta_driver"))
