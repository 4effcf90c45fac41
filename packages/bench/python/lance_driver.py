#!/usr/bin/env python3
"""Lance (`pylance`) driver for the Armillaria benchmark harness.

The protocol, the checksum and the shared commands (hello, load, checksum, unload, du, drop, quit)
are bench_driver.py's; spawned by packages/bench/src/engines/lance.ts. A request's `path` is a Lance
dataset directory. Lance writes its own file format, not Parquet: `codec` does not apply, and the
engine's config says so.

Commands (arguments in brackets are optional):
  write     slot | file, path, mode      -> lance.write_dataset(rows, path, mode=overwrite|append);
                                            timed; version is Lance's own (1 for the first)
  read      path, [version], [branch], [columns], [filter]
                                         -> lance.dataset(path, version) (or the branch's head) +
                                            to_table(columns, filter as SQL); timed; returns rows +
                                            checksum (computed after timing)
  update    path, slot                   -> merge_insert("id").when_matched_update_all() with the
                                            slot's {id, value}; timed
  delete    path, filter                 -> LanceDataset.delete(filter as SQL) (deletion files); timed
  optimize  path                         -> optimize.compact_files(); timed
  add-column path, slot                  -> LanceDataset.merge(slot's id + new column, left_on="id"):
                                            the new column's data files only; timed
  branch    path, name                   -> create_branch(name) at the head; timed; bytes it added
  branch-write path, name, slot          -> create_branch, then write_dataset(rows, branch,
                                            mode="overwrite") as the branch's next version; timed
"""

from __future__ import annotations

import os
import sys
from typing import Any

import lance
import pyarrow as pa

from bench_driver import BaseDriver, clock, filter_sql, serve, table_checksum


class LanceDriver(BaseDriver):
    def versions(self) -> dict[str, str]:
        return {"pylance": lance.__version__}

    def write(self, req: dict[str, Any]) -> dict[str, Any]:
        path = req["path"]
        # "create" where nothing is yet: Lance logs a warning for an overwrite or append that creates.
        mode = req.get("mode", "overwrite") if os.path.exists(path) else "create"
        t0 = clock.start()
        rows = self.source(req)
        dataset = lance.write_dataset(rows, path, mode=mode)
        ms = clock.stop(t0)
        return {"ms": ms, "rows": rows.num_rows, "version": dataset.version}

    def read(self, req: dict[str, Any]) -> dict[str, Any]:
        columns, filt, version, branch = req.get("columns"), req.get("filter"), req.get("version"), req.get("branch")
        t0 = clock.start()
        dataset = lance.dataset(req["path"], version=int(version) if version is not None else None)
        if branch is not None:
            dataset = dataset.checkout_version((branch, None))
        result = dataset.to_table(columns=columns, filter=filter_sql(filt, quote="`") if filt else None)
        ms = clock.stop(t0)
        out: dict[str, Any] = {"ms": ms, "rows": result.num_rows, "version": dataset.version}
        if req.get("checksum", True):
            out["checksum"] = table_checksum(result)
        return out

    def update(self, req: dict[str, Any]) -> dict[str, Any]:
        updates = self.slots[req["slot"]].select(["id", "value"])
        t0 = clock.start()
        dataset = lance.dataset(req["path"])
        metrics = dataset.merge_insert("id").when_matched_update_all().execute(updates)
        ms = clock.stop(t0)
        return {"ms": ms, "version": lance.dataset(req["path"]).version, "metrics": _numbers(metrics)}

    def upsert(self, req: dict[str, Any]) -> dict[str, Any]:
        rows = self.slots[req["slot"]]
        t0 = clock.start()
        dataset = lance.dataset(req["path"])
        metrics = dataset.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(rows)
        ms = clock.stop(t0)
        return {"ms": ms, "version": lance.dataset(req["path"]).version, "metrics": _numbers(metrics)}

    def delete(self, req: dict[str, Any]) -> dict[str, Any]:
        before = lance.dataset(req["path"]).count_rows()
        t0 = clock.start()
        dataset = lance.dataset(req["path"])
        dataset.delete(filter_sql(req["filter"], quote="`"))
        ms = clock.stop(t0)
        after = lance.dataset(req["path"])
        return {"ms": ms, "rows": before - after.count_rows(), "version": after.version}

    def optimize(self, req: dict[str, Any]) -> dict[str, Any]:
        t0 = clock.start()
        dataset = lance.dataset(req["path"])
        metrics = dataset.optimize.compact_files()
        ms = clock.stop(t0)
        keep = {k: getattr(metrics, k) for k in ("fragments_removed", "fragments_added", "files_removed", "files_added")}
        return {"ms": ms, "version": lance.dataset(req["path"]).version, "metrics": _numbers(keep)}

    def add_column(self, req: dict[str, Any]) -> dict[str, Any]:
        rows = self.slots[req["slot"]]
        dataset0 = lance.dataset(req["path"])
        new = [n for n in rows.column_names if n not in dataset0.schema.names]
        if not new:
            raise ValueError(f"lance: add-column: the rows have no column beyond {dataset0.schema.names}")
        columns = rows.select(["id", *new])
        t0 = clock.start()
        dataset = lance.dataset(req["path"])
        dataset.merge(columns, left_on="id")
        ms = clock.stop(t0)
        return {"ms": ms, "version": lance.dataset(req["path"]).version}

    def branch(self, req: dict[str, Any]) -> dict[str, Any]:
        return {**self._grown(req["path"], lambda: lance.dataset(req["path"]).create_branch(req["name"])), "method": "ref"}

    def branch_write(self, req: dict[str, Any]) -> dict[str, Any]:
        rows = self.slots[req["slot"]]

        def write() -> None:
            lance.write_dataset(rows, lance.dataset(req["path"]).create_branch(req["name"]), mode="overwrite")

        return {**self._grown(req["path"], write), "rows": rows.num_rows}


def _numbers(metrics: Any) -> dict[str, float]:
    return {k: v for k, v in dict(metrics).items() if isinstance(v, (int, float))}


if __name__ == "__main__":
    sys.exit(serve(LanceDriver(), "lance_driver"))
