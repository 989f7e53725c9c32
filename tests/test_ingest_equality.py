"""Ingestion gives what it gave before its split and its streaming rewrite: the same accepted rows, the same
quarantined rows with the same reasons and records, the same audit counts, warnings and errors, on every case of
the bad-input corpus and on a generated bank loaded in full, incrementally, unchanged and in full again.

The stored fingerprint (tests/ingest_fingerprint.json) was made with the code before the change
(`python tests/ingest_fingerprint.py`); a deliberate change of an ingestion result records it again, and the
diff of that file shows what changed."""

from __future__ import annotations

import json

import pytest

from tests.ingest_fingerprint import STORED, bank_fingerprints, compare, corpus_fingerprints


def _normalised(value):
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def test_every_corpus_case_loads_as_before(tmp_path):
    before = json.loads(STORED.read_text())["corpus"]
    after = _normalised(corpus_fingerprints(tmp_path))
    assert compare(before, after) == []


@pytest.mark.slow
def test_a_generated_bank_loads_as_before(tmp_path):
    before = json.loads(STORED.read_text())["bank"]
    after = _normalised(bank_fingerprints(tmp_path))
    assert compare(before, after) == []
