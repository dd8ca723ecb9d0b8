"""The askclinic command as a user runs it: real subprocesses, exact output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SEED, needs_seed


def run(*args, env=None, cwd=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "askclinic.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=600,
    )


@pytest.mark.model
@needs_seed
def test_index_then_ask_json_and_batch(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in (
        "botox-neck-upper-back-pain.md",
        "caffeine-and-headaches.md",
        "cluster-headache-symptoms.md",
    ):
        (posts / name).write_bytes((ROOT / "articles" / name).read_bytes())
    (posts / "broken.md").write_text("---\ntitle: [oops\n---\nbody body body body body\n")
    idx = str(tmp_path / "idx")

    r = run("index", str(posts), str(SEED), "--index", idx)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == ["4 indexed, 1 skipped", "4 new, 0 changed, 0 removed, 0 unchanged"]
    assert f"skipped {posts / 'broken.md'}: bad front matter" in r.stderr
    assert run("index", str(posts), str(SEED), "--index", idx, "--strict").returncode == 1

    r = run("index", str(posts), str(SEED), "--index", idx)
    assert r.stdout.splitlines()[1] == "0 new, 0 changed, 0 removed, 4 unchanged"
    assert "index already up to date" in r.stdout

    r = run("ask", "--json", "Does Botox help neck pain?", "--index", idx)
    ans = json.loads(r.stdout)
    assert ans["status"] == "answered"
    assert ans["excerpts"][0]["article_id"] in ("botox-neck-upper-back-pain", "botox-myofascial-pain")
    assert ans["excerpts"][0]["highlights"]

    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "question": "Is coffee a headache trigger?"}\nnot json\n'
        '{"id": "b", "question": "What is a cluster headache?"}\n'
    )
    r = run("ask", "--json", "--batch", str(batch), "--index", idx)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["id"], x["status"]) for x in rows] == [("a", "answered"), (None, "invalid"), ("b", "answered")]
    assert rows[2]["excerpts"][0]["article_id"] == "cluster-headache-symptoms"

    r = run("ask", "Does Botox help neck pain?", "--index", idx)
    assert r.stdout.startswith("Here is what our articles say.") and "[1] " in r.stdout


def test_ask_without_index_says_how_to_build_one(tmp_path):
    r = run("ask", "--retriever", "bm25", "hello", "--index", str(tmp_path / "none"))
    assert r.returncode == 2
    assert "no index at" in r.stderr and "askclinic index articles/" in r.stderr


def test_index_with_no_articles_changes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run("index", str(tmp_path / "empty"), "--index", str(tmp_path / "idx"))
    assert r.returncode == 2 and "no articles found" in r.stderr


# ---------------------------------------------------------------- bad input: one line, exit 1


def test_eval_with_a_missing_file_or_a_bad_line_is_one_line(tmp_path, capsys):
    from askclinic.cli import main

    assert main(["eval", str(tmp_path / "nope.jsonl"), "--index", str(tmp_path / "idx")]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"askclinic: {tmp_path / 'nope.jsonl'}: no such file; check the path\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Is coffee a trigger?", "relevant": {}}\nnot json\n')
    assert main(["eval", str(questions), "--index", str(tmp_path / "idx")]) == 1
    assert capsys.readouterr().err == (
        f"askclinic: {questions} line 2: expected a JSON object with 'question' and 'relevant'\n"
    )


def test_ask_batch_with_a_missing_file_is_one_line(tmp_path, capsys):
    from askclinic.cli import main

    assert main(["ask", "--batch", str(tmp_path / "nope.jsonl"), "--index", str(tmp_path / "idx")]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"askclinic: {tmp_path / 'nope.jsonl'}: no such file; check the path\n")


def test_ask_batch_keeps_a_bad_line_in_its_place(tmp_path):
    from askclinic.cli import _read_batch

    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "question": "Q1"}\nnot json\n\n{"id": "x"}\n[1]\n{"id": "b", "question": "Q2"}\n"tail"\n'
    )
    shape = '{"id": ..., "question": ...}'
    assert _read_batch(str(batch)) == [
        {"id": "a", "question": "Q1"},
        f"{batch} line 2: expected {shape}",
        f"{batch} line 4: expected {shape}",
        f"{batch} line 5: expected {shape}",
        {"id": "b", "question": "Q2"},
        f"{batch} line 7: expected {shape}",
    ]


def test_index_names_a_mistyped_folder(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text("---\ntitle: A\n---\nfive words of body text here\n")
    r = run("index", str(tmp_path / "artcles"), "--index", str(tmp_path / "idx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"skipped {tmp_path / 'artcles'}: no such file or folder" in r.stderr
    assert "unknown file type" not in r.stderr
