"""Ground truth: the labels planted customers must get under docs/rules.md's default rules.

`out_dir/_ground_truth/`, CSV with a header, months as YYYY-MM-01:
- churn_events.csv: customer_id, event_month, churn_type (product, service, consumption, special,
  unclassified), stated_purpose_mismatch (true/false). One row per planted churn event, dated by its first
  qualifying month. Tier-downgrade and termination plants also leave the bank, with no signal planted: their
  events are `unclassified`.
- lifecycle.csv: customer_id, month, stage - only for lifecycle plants and months whose stage the plant fixes.
- tier_moves.csv: customer_id, month, movement (new, upgrade, stable, downgrade, lost), tier_before,
  tier_after - every month of the tier plants and of the development plants (whose first month is `new`).
- plants.csv: customer_id, plant (see `scenarios.PLANTS`), variant - which script each planted customer follows.
- warning_signs.csv: customer_id, month, sign, churns (true/false) - each warning sign planted (warning_signs.py),
  with the month at whose end it is first visible under the default rules; sign is a reason code of seed
  risk_reasons; churns says whether a planted churn event follows (false: a look-alike, who stays).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from .chunk import CustomerChunk

GROUND_TRUTH_DIR = "_ground_truth"
GROUND_TRUTH_COLUMNS = {
    "churn_events": ["customer_id", "event_month", "churn_type", "stated_purpose_mismatch"],
    "lifecycle": ["customer_id", "month", "stage"],
    "tier_moves": ["customer_id", "month", "movement", "tier_before", "tier_after"],
    "plants": ["customer_id", "plant", "variant"],
    "warning_signs": ["customer_id", "month", "sign", "churns"],
}
_SORT_KEYS = {"churn_events": ["customer_id", "event_month"], "lifecycle": ["customer_id", "month"],
              "tier_moves": ["customer_id", "month"], "plants": ["customer_id"],
              "warning_signs": ["customer_id", "month", "sign"]}
_SUMMARY_KEY = {"churn_events": "churn_type", "lifecycle": "stage", "tier_moves": "movement", "plants": "plant",
                "warning_signs": "sign"}


def chunk_ground_truth(chunk: CustomerChunk, customer_ids: pa.Array) -> dict[str, list[dict]]:
    """The chunk's labels as column dicts, per ground-truth file."""
    labels = np.array(chunk.window.labels, dtype=object)
    any_label = (chunk.truth_churn or chunk.truth_lifecycle or chunk.truth_tier_moves or chunk.truth_plants
                 or chunk.truth_signs)
    cid = np.array(customer_ids.to_pylist(), dtype=object) if any_label else None
    truth = {name: [] for name in GROUND_TRUTH_COLUMNS}
    for c, m, churn_type, mismatch in chunk.truth_churn:
        truth["churn_events"].append({"customer_id": cid[c], "event_month": labels[m],
                                      "churn_type": np.full(len(c), churn_type, dtype=object),
                                      "stated_purpose_mismatch": np.full(len(c), bool(mismatch))})
    for c, m, stage in chunk.truth_lifecycle:
        truth["lifecycle"].append({"customer_id": cid[c], "month": labels[m],
                                   "stage": np.full(len(c), stage, dtype=object)})
    for c, m, movement, before, after in chunk.truth_tier_moves:
        k = len(c)
        truth["tier_moves"].append({
            "customer_id": cid[c], "month": labels[m],
            "movement": np.broadcast_to(np.asarray(movement, dtype=object), (k,)),
            "tier_before": np.broadcast_to(np.asarray(before, dtype=object), (k,)),
            "tier_after": np.broadcast_to(np.asarray(after, dtype=object), (k,))})
    for c, plant, variant in chunk.truth_plants:
        k = len(c)
        truth["plants"].append({"customer_id": cid[c], "plant": np.full(k, plant, dtype=object),
                                "variant": np.broadcast_to(variant, (k,))})
    for c, m, sign, churns in chunk.truth_signs:
        truth["warning_signs"].append({"customer_id": cid[c], "month": labels[m],
                                       "sign": np.full(len(c), sign, dtype=object),
                                       "churns": np.full(len(c), bool(churns))})
    return truth


def write_ground_truth(out_dir: Path, parts: dict) -> dict:
    """Write the ground-truth files; returns {"summary": {file: {label: count, "rows": n}}, "files": [paths]}."""
    import pandas as pd

    folder = out_dir / GROUND_TRUTH_DIR
    folder.mkdir(parents=True, exist_ok=True)
    summary, files = {}, []
    for name, cols in GROUND_TRUTH_COLUMNS.items():
        frames = [pd.DataFrame(p) for p in parts[name] if len(p["customer_id"])]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in cols})
        df = df[cols].sort_values(_SORT_KEYS[name], kind="stable").reset_index(drop=True)
        if name == "churn_events":
            df["stated_purpose_mismatch"] = df["stated_purpose_mismatch"].map({True: "true", False: "false"})
        if name == "warning_signs":
            df["churns"] = df["churns"].map({True: "true", False: "false"})
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n")
        files.append(str(path))
        key = _SUMMARY_KEY[name]
        summary[name] = {str(k): int(v) for k, v in sorted(df[key].value_counts().items())} if len(df) else {}
        summary[name]["rows"] = len(df)
        if name == "churn_events":
            summary[name]["stated_purpose_mismatch"] = int((df["stated_purpose_mismatch"] == "true").sum())
    return {"summary": summary, "files": files}
