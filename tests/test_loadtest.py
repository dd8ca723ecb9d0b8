"""benchmarks/loadtest.py: loopback only, a small run against the test server, and the section
it keeps in docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))  # as when the script runs: its helpers beside it
spec = importlib.util.spec_from_file_location("loadtest", ROOT / "benchmarks" / "loadtest.py")
loadtest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loadtest)


def test_only_loopback_targets():
    assert loadtest.loopback("http://127.0.0.1:7860") and loadtest.loopback("http://localhost:1")
    assert loadtest.loopback("http://[::1]:7860") and loadtest.loopback("http://127.5.0.1")
    for url in ("http://10.0.0.1", "http://192.168.1.2:7860", "https://example.org", "http://0.0.0.0"):
        assert not loadtest.loopback(url)
    with pytest.raises(SystemExit):
        loadtest.main(["--url", "http://192.168.1.2:7860", "--no-write"])
    with pytest.raises(SystemExit):
        loadtest.main(["--clients", "5000", "--no-write"])


@pytest.mark.model
def test_small_run_against_the_server(web, capsys):
    assert loadtest.main(["--url", web.url, "--clients", "3", "--questions", "4", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "## Load test: 3 concurrent clients × 4 questions on /api/ask" in out
    assert "| 12 | 0 |" in out and "No errors." in out


def test_section_is_replaced_not_duplicated(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Retrieval\n\nnumbers\n")
    loadtest.write_section(doc, loadtest.BEGIN, loadtest.END, "## Load test\n\nfirst")
    loadtest.write_section(doc, loadtest.BEGIN, loadtest.END, "## Load test\n\nsecond")
    text = doc.read_text()
    assert text.count(loadtest.BEGIN) == 1 and "second" in text and "first" not in text
    assert text.startswith("# Benchmarks\n\n## Retrieval\n\nnumbers\n")
