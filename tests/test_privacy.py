"""Redaction measured per kind (benchmarks/privacy.py) on the labelled sets, the held-out set
and real patient questions; and the promise the patient page makes about it."""

from __future__ import annotations

import importlib.util
import sys
import time

from askclinic.config import Settings
from askclinic.privacy import redact
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
spec = importlib.util.spec_from_file_location("privacy_bench", ROOT / "benchmarks" / "privacy.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

DEV = bench.rows()
KINDS = ("SSN", "ID", "CARD", "PHONE", "EMAIL", "ADDRESS", "NAME", "DOB")


def test_labelled_set_covers_every_kind_and_the_reported_leaks():
    assert len(DEV) >= 150
    spans = [kind for row in DEV for kind, _ in bench.spans(row["text"], row["expected"])]
    for kind in KINDS:
        assert spans.count(kind) >= 8, kind
    assert sum(r["text"] == r["expected"] for r in DEV) >= 50  # numbers and words that must stay
    texts = " ".join(r["text"] for r in DEV)
    for leak in (
        "123-45-6789",
        "Medicare number",
        "MRN",
        "policy number",
        "4111 1111 1111 1111",
        "+33 1 42 68 53 00",
        "my husband Robert Brown",
        "Sarah here",
        "bob[at]example[dot]com",
        "Apartment 5B",
    ):
        assert leak in texts, leak


def test_recall_per_kind_on_the_labelled_set(capsys):
    res = bench.measure(redact, DEV)
    with capsys.disabled():
        print("\n" + "\n".join(bench._table(res)))
    for kind, (caught, n) in res["recall"].items():
        assert caught / n >= 0.9, (kind, caught, n, res["missed"])
    assert res["alarms"] == 0, res["missed"]


def test_held_out_set_recall_and_no_false_alarms():
    res = bench.measure(redact, bench.rows(bench.HELDOUT))
    caught, n = (sum(x) for x in zip(*res["recall"].values()))
    assert res["rows"] >= 30 and caught / n >= 0.65, res["missed"]
    assert res["alarms"] == 0, res["missed"]


def test_real_patient_questions_are_left_alone():
    n, changed = bench.real_questions(redact)
    assert n >= 300 and len(changed) <= 3, changed


def test_cards_need_luhn_and_identifiers_need_digits():
    assert redact("card 4111 1111 1111 1111 please") == "card [CARD] please"
    assert redact("card 4111 1111 1111 1112 please") == "card 4111 1111 1111 1112 please"
    assert redact("What does policy 3.2 say?") == "What does policy 3.2 say?"
    assert redact("Is my insurance ID needed?") == "Is my insurance ID needed?"
    assert redact("my member id 88812345601") == "my member id [ID]"
    assert redact("Is 200 units of Botox in 31 sites a lot?") == "Is 200 units of Botox in 31 sites a lot?"


def test_redaction_is_fast_on_hostile_text():
    for text in (
        "1-" * 1000,
        "a." * 1000,
        "id " + "a1-" * 600,
        "00 " * 666,
        "x at " * 400,
        "My husband " + "Aa " * 600,
        "+" + "1" * 1999,
        "a@b." * 500,
    ):
        started = time.perf_counter()
        redact(text)
        assert time.perf_counter() - started < 0.5, text[:20]


def test_the_page_promises_what_is_measured():
    from askclinic.web import patient

    # the line under the chat (privacy_text where the page has it, else inside notes_html)
    page = getattr(patient, "privacy_text", patient.notes_html)(Settings())
    assert "we recognise removed (most, not all: please leave them out)" in page
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "pii_heldout.jsonl" in readme and "most, not all" in readme
