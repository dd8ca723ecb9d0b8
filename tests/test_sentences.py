"""Stored sentence vectors: a build stores the vectors of every sentence a highlight may
need (reusing those of unchanged sentences), so answering a question runs the model for the
question only; an index built before they were stored still answers, and is given them by
the next `askclinic index`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from askclinic import index as ix
from askclinic.build import already_current, build_index
from askclinic.excerpts import passage_sentences
from askclinic.models import Article
from askclinic.retrieve import Retriever
from askclinic.sentences import sentence_keys
from askclinic.versions import CURRENT, SENTENCES, current_version


def arts(*specs):
    return [Article(id=i, title=f"Title {i}", text=f"## Part\n\n{body}") for i, body in specs]


BASE = [
    ("botox", "Botox injections help chronic migraine. The effect lasts about three months."),
    ("cluster", "Cluster headache comes in bouts. Oxygen can stop an attack within minutes."),
    ("sleep", "Poor sleep triggers headaches. Keep the same bedtime every night of the week."),
]


def as_old_format(root, dest):
    """A copy of the index at `root` as a version built before sentence vectors were stored."""
    version = current_version(root)
    shutil.copytree(version, dest / version.name)
    (dest / CURRENT).write_text(version.name + "\n")
    (dest / version.name / SENTENCES).unlink()
    manifest = dest / version.name / "manifest.json"
    m = json.loads(manifest.read_text())
    del m["sentences"]
    manifest.write_text(json.dumps(m))
    return dest


class Counting:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, embedder):
        self.inner, self.texts = embedder, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, progress=None):
        self.texts += list(texts)
        return self.inner.encode(texts, progress)


def test_a_build_stores_each_sentence_once_and_reuses_unchanged_ones(tmp_path, fake_embedder):
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    idx = ix.load_index(tmp_path)
    wanted = {t for c in idx.chunks for t in passage_sentences(c.text)}
    assert len(wanted) == 6 and idx.manifest["sentences"] == {"count": 6, "dtype": "float32"}
    assert idx.sentences.vectors.dtype == np.float32 and list(idx.sentences.keys) == sorted(
        sentence_keys(sorted(wanted))
    )
    texts = sorted(wanted)
    stored = idx.sentences.vectors[idx.sentences.rows(sentence_keys(texts))].astype(np.float32)
    assert np.allclose(stored, fake_embedder.encode(texts), atol=1e-6)

    fake_embedder.embedded = 0
    changed = [BASE[0], ("cluster", "Cluster headache comes in bouts. It strikes at night.")]
    rep = build_index(arts(*changed), tmp_path, fake_embedder, log=lambda m: None)
    assert (rep.embedded, rep.sentences_embedded) == (1, 1)  # "It strikes at night."
    assert fake_embedder.embedded == 2
    assert len(ix.load_index(tmp_path).sentences.keys) == 4


def test_an_old_format_index_answers_and_is_given_sentence_vectors(tmp_path, fake_embedder):
    from askclinic.answer import ask
    from askclinic.config import Settings

    build_index(arts(*BASE), tmp_path / "new", fake_embedder, log=lambda m: None)
    old = as_old_format(tmp_path / "new", tmp_path / "old")
    idx = ix.load_index(old)
    assert idx.sentences is None
    settings = Settings(min_score=0.0)
    fake_embedder.embedded = 0
    got = ask("How long does Botox last for migraine?", Retriever(idx, fake_embedder), settings)
    assert got.status == "answered" and got.excerpts[0].article_id == "botox"
    assert fake_embedder.embedded > 1  # the question and the sentences not stored

    assert already_current(old, arts(*BASE), fake_embedder.name) is None
    msgs = []
    rep = build_index(arts(*BASE), old, fake_embedder, log=msgs.append)
    assert rep.summary() == "0 new, 0 changed, 0 removed, 3 unchanged" and rep.version is not None
    assert (rep.embedded, rep.sentences_embedded) == (0, 6)
    assert "sentence vectors: 6 sentences, 0 reused, embedding 6" in msgs
    assert ix.load_index(old).sentences is not None
    assert already_current(old, arts(*BASE), fake_embedder.name) is not None


@pytest.fixture(scope="module")
def questions():
    return ["Does Botox help neck pain?", "How long does a cluster headache attack last?"]


def test_answering_runs_the_model_for_the_question_only(sample_index, embedder, settings_real, questions):
    """After a build with the real model, no sentence of any excerpt is embedded at question time."""
    from askclinic.answer import ask

    counting = Counting(embedder)
    retriever = Retriever(sample_index, counting)
    for q in questions:
        counting.texts = []
        got = ask(q, retriever, settings_real)
        assert got.status == "answered" and any(e.highlights for e in got.excerpts)
        assert set(counting.texts) == {q}


def test_an_old_format_index_gives_the_same_answers(
    sample_index_dir, sample_index, embedder, settings_real, questions, tmp_path
):
    from askclinic.answer import ask

    old = ix.load_index(as_old_format(sample_index_dir, tmp_path), "all-MiniLM-L6-v2")
    assert old.sentences is None
    counting = Counting(embedder)
    stored, embedded = Retriever(sample_index, embedder), Retriever(old, counting)
    for q in questions:
        a, b = ask(q, stored, settings_real), ask(q, embedded, settings_real)
        assert b.status == a.status == "answered"
        assert [(e.article_id, e.text, e.highlights) for e in b.excerpts] == [
            (e.article_id, e.text, e.highlights) for e in a.excerpts
        ]
        assert [e.score for e in b.excerpts] == pytest.approx([e.score for e in a.excerpts], abs=2e-3)
    assert len(counting.texts) > 2 * len(questions)  # the sentences were embedded


@pytest.fixture(scope="module")
def settings_real():
    from askclinic.config import Settings

    return Settings()
