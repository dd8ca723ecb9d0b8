"""Patient safety and privacy: redaction, red flags, honest refusals, input limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askclinic import safety
from askclinic.config import Settings

DATA = Path(__file__).parent / "data"
S = Settings()


def rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


PII = rows("pii.jsonl")


def test_pii_set_is_big_enough_and_has_both_kinds():
    assert len(PII) >= 30
    changed = sum(r["text"] != r["expected"] for r in PII)
    assert changed >= 20 and len(PII) - changed >= 10
    for tag in ("[EMAIL]", "[PHONE]", "[DOB]", "[ADDRESS]", "[NAME]"):
        assert sum(tag in r["expected"] for r in PII) >= 3, tag


@pytest.mark.parametrize("row", PII, ids=[r["text"][:40] for r in PII])
def test_redact_labelled_set(row):
    assert safety.redact(row["text"]) == row["expected"]


def test_redact_leaves_no_digits_of_a_phone_or_any_part_of_an_email():
    out = safety.redact("reach me on 555 321 7788 or at a.b@c.example.com, I'm Priya")
    assert "7788" not in out and "@" not in out and "Priya" not in out
    assert safety.redact("") == "" and safety.redact(None) == ""
