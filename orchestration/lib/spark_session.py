"""The project's own Spark session, in a process of its own (orchestration/lib/engine.py starts it):
`python -m orchestration.lib.spark_session register <payload.json>` registers Parquet folders as Spark
tables. The embedded Derby metastore admits one JVM at a time, so the session ends with the process,
before dbt starts its own. Prints one JSON line (what was done); never a value of a row."""

from __future__ import annotations

import json
import sys


def _session(conf: dict):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("branch-retention-load").enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def register(payload: dict) -> dict:
    spark = _session(payload["conf"])
    spark.sparkContext.setLogLevel("ERROR")
    try:
        done = {}
        for schema, table, folder in payload["tables"]:
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS `{schema}`")
            spark.sql(f"DROP TABLE IF EXISTS `{schema}`.`{table}`")
            spark.sql(f"CREATE TABLE `{schema}`.`{table}` USING parquet LOCATION '{folder}'")
            done[f"{schema}.{table}"] = len(spark.table(f"`{schema}`.`{table}`").columns)
        return done
    finally:
        spark.stop()


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        payload = json.load(f)
    result = {"register": register}[command](payload)
    print(json.dumps(result))
