"""The quarantine for support staff, masked.

raw.quarantine keeps each rejected row as it arrived (column `record`, JSON; an unparseable CSV line as
`csv_line`) so the data team can correct the extract. It holds personal data: it stays in the working
warehouse, is never published, and its values never reach a log or an event. Support staff read
raw.quarantine_masked instead: the same rows and reasons, with every personal field of the contract
(Column.personal) and every free-text field masked to asterisks of the same length, and unparseable lines
masked whole.
"""

from __future__ import annotations

from orchestration.lib.contract import TABLES
from orchestration.lib.ingest import QUARANTINE_TABLE, RAW_SCHEMA

MASKED_VIEW = f"{RAW_SCHEMA}.quarantine_masked"
# Fields people type freely: a name or an ID number can stand in them.
FREE_TEXT = {"memo", "category"}


def masked_fields() -> list[str]:
    return sorted({c.name for t in TABLES.values() for c in t.columns if c.personal or c.name in FREE_TEXT}
                  | {"csv_line"})


def create_masked_view(con) -> None:
    patch = ", ".join(
        f"'{name}', CASE WHEN json_extract_string(record, '$.{name}') IS NOT NULL "
        f"THEN repeat('*', length(json_extract_string(record, '$.{name}'))) END"
        for name in masked_fields()
    )
    # a field the record holds as null drops out of the masked record (JSON merge-patch semantics)
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {MASKED_VIEW} AS
        SELECT table_name, source_file, source_row, reason,
               CAST(json_merge_patch(record, json_object({patch})) AS JSON) AS record_masked
        FROM {QUARANTINE_TABLE}
        """
    )
