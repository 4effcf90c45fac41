"""Reads published views with Spark (local mode, one session for all of them) and compares each
version with what Armillaria read, as compare_tables.compare does.

stdin: JSON {"key": COLUMN, "views": [{"format": "delta" | "iceberg", "dir": DIR,
                                      "versions": [{"version": N, "expected": IPC_FILE}]}]}
  (N: the Delta version, or the Iceberg snapshot id)
stdout: JSON {"<dir>": {"<N>": "ok" | problem}}
Spark fetches the Delta and Iceberg jars from Maven Central on first use (into ~/.ivy2), then from
that cache.
"""
import json
import sys

import pyarrow as pa
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession

from compare_tables import compare

ICEBERG = "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0"


def session() -> SparkSession:
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("armillaria-views")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "2")  # the log replay's shuffles: tiny tables here
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    spark = configure_spark_with_delta_pip(builder, extra_packages=[ICEBERG]).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> None:
    job = json.load(sys.stdin)
    spark = session()
    out = {}
    try:
        for view in job["views"]:
            results = {}
            for v in view["versions"]:
                with pa.memory_map(v["expected"]) as source:
                    expected = pa.ipc.open_stream(source).read_all()
                try:
                    option = "versionAsOf" if view["format"] == "delta" else "snapshot-id"
                    df = spark.read.format(view["format"]).option(option, v["version"]).load(view["dir"])
                    results[str(v["version"])] = compare(expected, df.toArrow(), job["key"])
                except Exception as e:  # noqa: BLE001 - reported per version
                    results[str(v["version"])] = f"{type(e).__name__}: {str(e)[:500]}"
            out[view["dir"]] = results
    finally:
        spark.stop()
    json.dump(out, sys.stdout)


main()
