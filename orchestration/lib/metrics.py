"""The metrics, as the dbt Semantic Layer defines them (dbt_project/models/semantic/), answered by MetricFlow.

Nothing here defines a metric: each one's SQL, unit and description live once in
`models/semantic/_semantic__models.yml`. This module opens MetricFlow's engine on the dbt project (the
working warehouse named by BRANCH_RETENTION_DUCKDB, as profiles.yml says) so the morning page, the tests
and `branch-retention metrics <name> [--branch B001] [--month 2026-10]` read the same numbers `mf query` gives.

MetricFlow configures dbt's adapter and the root logger of the process it runs in: run it in a process of its
own (the CLI, or the page's `python -m orchestration.lib.morning_page`), never inside Dagster's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestration.lib import settings

SEMANTIC_MANIFEST = settings.DBT_PROJECT_DIR / "target" / "semantic_manifest.json"


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    description: str
    type: str


def metric_catalogue(manifest: Path = SEMANTIC_MANIFEST) -> dict[str, MetricInfo]:
    """Every metric of the semantic manifest (written by `dbt parse`), by name, with its label and description."""
    data = json.loads(manifest.read_text())
    return {
        m["name"]: MetricInfo(m["name"], m.get("label") or m["name"], m.get("description") or "", m["type"])
        for m in data["metrics"]
    }


def plain(value: Any) -> Any:
    """A value as JSON and templates take it: dates as ISO text, decimals as floats."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class Metrics:
    """MetricFlow's engine over the dbt project, opened once; query() answers metrics, sql() reads a mart."""

    def __init__(self, project_dir: Path = settings.DBT_PROJECT_DIR):
        from dbt_metricflow.cli.cli_configuration import CLIConfiguration

        self._config = CLIConfiguration()
        self._config.setup(dbt_project_path=project_dir, dbt_profiles_path=project_dir, configure_file_logging=False)
        self._point_at_warehouse(project_dir / "target" / "semantic_manifest.json", settings.warehouse_path())

    def _point_at_warehouse(self, manifest: Path, warehouse: Path) -> None:
        """Name the warehouse this run reads in every relation of the semantic manifest.

        `dbt parse` wrote the relations with the catalog of the DuckDB file it saw (DuckDB names a file's
        catalog after its stem: "warehouse" for data/warehouse.duckdb), while a run may read another file
        (a test's, a backfill copy's). The definitions stay as parsed; only the catalog changes."""
        import dataclasses

        from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest

        catalog = warehouse.stem
        raw = json.loads(manifest.read_text())

        def rename(node: Any) -> None:
            if isinstance(node, dict):
                if {"database", "schema_name", "alias", "relation_name"} <= node.keys():
                    node["database"] = catalog
                    node["relation_name"] = f'"{catalog}"."{node["schema_name"]}"."{node["alias"]}"'
                for value in node.values():
                    rename(value)
            elif isinstance(node, list):
                for value in node:
                    rename(value)

        rename(raw)
        artifacts = self._config.dbt_artifacts
        self._config._dbt_artifacts = dataclasses.replace(
            artifacts, semantic_manifest=parse_manifest_from_dbt_generated_manifest(manifest_json_string=json.dumps(raw)))

    def query(self, metrics: Sequence[str], group_by: Sequence[str] = (), where: Sequence[str] = (),
              order_by: Sequence[str] = ()) -> list[dict]:
        """Rows of the metrics by the group-by names (e.g. metric_time__month, branch), as dicts."""
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            metric_names=list(metrics), group_by_names=list(group_by) or None, where_constraints=list(where) or None,
            order_by_names=list(order_by) or None)
        table = self._config.mf.query(request).result_df
        return [dict(zip(table.column_names, map(plain, row))) for row in table.rows]

    def sql(self, statement: str) -> list[dict]:
        """Rows of a plain query on the same connection (the lists behind the metrics: call lists, tasks)."""
        table = self._config.sql_client.query(statement)
        return [dict(zip(table.column_names, map(plain, row))) for row in table.rows]

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(self.sql(
            "SELECT 1 AS found FROM information_schema.tables "
            f"WHERE table_schema = '{schema}' AND table_name = '{table}'"))


def month_where(month: str) -> str:
    """A where constraint on metric_time's month, for a month given as YYYY-MM or YYYY-MM-DD."""
    first = dt.date.fromisoformat(month[:7] + "-01")
    return f"{{{{ TimeDimension('metric_time', 'month') }}}} = '{first.isoformat()}'"


def answer(name: str, branch: str | None = None, month: str | None = None, group_by: Sequence[str] = ()) -> list[dict]:
    """One metric by branch (and month, for metrics over time), optionally one branch's or one month's rows."""
    catalogue = metric_catalogue()
    if name not in catalogue:
        raise SystemExit(f"unknown metric {name}; known: {', '.join(sorted(catalogue))}")
    metrics = Metrics()
    dims = ["branch", *group_by]
    # Metrics over the as-of snapshot (contact quality) have no month to group by.
    if name not in {"customers_with_assets", "customers_with_usable_phone", "usable_phone_share", "aum_nobody_can_call"}:
        dims.insert(0, "metric_time__month")
    else:
        dims.append("contact_quality_row__level")
    where = []
    if month and "metric_time__month" in dims:
        where.append(month_where(month))
    if branch:
        where.append(f"{{{{ Entity('branch') }}}} = '{branch.replace(chr(39), '')}'")
    rows = metrics.query([name], dims, where, order_by=[d for d in dims if d.startswith("metric_time")])
    if "contact_quality_row__level" in dims:
        rows = [r for r in rows if r["contact_quality_row__level"] == "branch"]
    return rows


def format_rows(name: str, rows: list[dict]) -> str:
    info = metric_catalogue()[name]
    lines = [f"{info.name} — {info.label}", f"  {info.description}", ""]
    if not rows:
        return "\n".join(lines + ["  (no rows)"])
    columns = list(rows[0])
    widths = [max(len(c), *(len(_fmt(r[c])) for r in rows)) for c in columns]
    lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        lines.append("  " + "  ".join(_fmt(row[c]).rjust(w) for c, w in zip(columns, widths)))
    return "\n".join(lines)


def list_metrics() -> str:
    return "\n".join(f"{m.name:<28}{m.label}: {m.description}" for m in metric_catalogue().values())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.2f}"
    return "" if value is None else str(value)
