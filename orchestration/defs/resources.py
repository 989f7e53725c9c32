"""The warehouse resource: one DuckDB file, the same one dbt's profiles.yml points at."""

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.lib import settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder the raw extracts arrive in.

    Unset fields fall back to BRANCH_RETENTION_DUCKDB / BRANCH_RETENTION_LANDING when the run starts,
    the variables dbt reads too.
    """

    database: str | None = None
    landing: str | None = None
    # Read every file again instead of only the new ones (Launchpad: resources.warehouse.config.full_load).
    full_load: bool = False

    @property
    def database_path(self) -> Path:
        return Path(self.database) if self.database else settings.warehouse_path()

    @property
    def landing_path(self) -> Path:
        return Path(self.landing) if self.landing else settings.landing_dir()

    @contextmanager
    def connect(self, read_only: bool = False):
        self.database_path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.database_path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
