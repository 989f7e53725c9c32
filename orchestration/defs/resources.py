"""The warehouse resource: one DuckDB file, the same one dbt's profiles.yml points at."""

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.lib import settings

class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder the raw extracts arrive in."""

    database: str
    landing: str

    @contextmanager
    def connect(self, read_only: bool = False):
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.database, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

def default_warehouse() -> WarehouseResource:
    return WarehouseResource(database=str(settings.warehouse_path()), landing=str(settings.landing_dir()))
