"""update.update_index, the one flow behind `askclinic index`, `askclinic sync` and the
console's "Rebuild index": read, skip when current (without loading the model), build,
re-ask the golden questions."""

from __future__ import annotations

import shutil

import pytest

from askclinic.config import Settings
from askclinic.errors import AskclinicError
from askclinic.update import update_index
from conftest import ROOT

ARTICLES = ("botox-neck-upper-back-pain", "caffeine-and-headaches", "acupuncture-for-headaches")


@pytest.fixture
def folder(tmp_path):
    arts = tmp_path / "articles"
    arts.mkdir()
    for name in ARTICLES:
        shutil.copy(ROOT / "articles" / f"{name}.md", arts)
    (arts / "notes.xyz").write_text("not an article")
    (arts / "golden.jsonl").write_text(
        '{"question": "Can caffeine trigger a headache?", "expected": ["caffeine-and-headaches"]}\n'
    )
    return arts


def test_update_reads_builds_and_rechecks_the_golden_questions(tmp_path, folder, fake_embedder, monkeypatch):
    settings = Settings(index=str(tmp_path / "idx"), data=str(tmp_path / "data"), model=fake_embedder.name)
    logged, read = [], []
    result = update_index(
        [folder],
        settings,
        fake_embedder,
        log=logged.append,
        on_read=lambda n, skipped: read.append((n, skipped)),
    )
    assert read == [(3, 1)] and any("notes.xyz" in line for line in logged)
    assert result.build.version and result.build.new == 3 and result.outcome.startswith("new version v-")
    assert result.golden == folder / "golden.jsonl" and len(result.results) == 1
    assert result.golden_lines()[0].startswith(f"golden questions ({folder / 'golden.jsonl'}): ")

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded although nothing changed")

    monkeypatch.setattr("askclinic.embedding.get_embedder", no_model)
    again = update_index([folder], settings, log=lambda m: None)
    assert (again.build.version, again.build.unchanged, again.outcome) == (
        None,
        3,
        "index already up to date",
    )
    assert again.golden is None and again.golden_lines() == []


def test_a_broken_golden_file_is_reported_and_the_new_version_kept(tmp_path, folder, fake_embedder):
    (folder / "golden.jsonl").write_text('{"question": "no expected list"}\n')
    settings = Settings(index=str(tmp_path / "idx"), data=str(tmp_path / "data"))
    result = update_index([folder], settings, fake_embedder, log=lambda m: None)
    assert result.build.version and result.golden_error is not None
    assert result.golden_lines() == [
        f"golden questions could not be checked: {folder / 'golden.jsonl'} "
        'line 1: expected {"question": "...", "expected": ["article_id", ...]}'
    ]


def test_no_articles_changes_nothing(tmp_path, fake_embedder):
    (tmp_path / "empty").mkdir()
    settings = Settings(index=str(tmp_path / "idx"), data=str(tmp_path / "data"))
    with pytest.raises(AskclinicError, match="no articles found in .*empty; nothing was changed"):
        update_index([tmp_path / "empty"], settings, fake_embedder, log=lambda m: None)
    assert not (tmp_path / "idx").exists()
