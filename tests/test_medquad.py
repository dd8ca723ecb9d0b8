"""Integration on real NIH articles (MedQuAD, CC BY 4.0, where ASKCLINIC_MEDQUAD says): the NINDS
articles indexed with the real model, scored on their templated questions."""

from __future__ import annotations

import json

import pytest

from askclinic.answer import ask
from askclinic.config import Settings
from askclinic.evaluate import evaluate
from askclinic.build import build_index
from askclinic.index import load_index
from askclinic.models import Article
from askclinic.retrieve import Retriever
from askclinic.sources.jsonl import _article
from conftest import MEDQUAD, needs_medquad

pytestmark = [pytest.mark.model, pytest.mark.medquad, needs_medquad]


@pytest.fixture(scope="module")
def ninds(tmp_path_factory, embedder):
    articles: list[Article] = []
    with open(MEDQUAD / "articles.jsonl", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj["id"].startswith("NINDS_"):
                articles.append(_article(obj, MEDQUAD / "articles.jsonl"))
    root = tmp_path_factory.mktemp("ninds")
    build_index(articles, root, embedder, log=lambda m: None)
    questions = [json.loads(line) for line in open(MEDQUAD / "dev_questions.jsonl", encoding="utf-8")]
    questions = [
        q for q in questions if q["set"] == "medquad" and all(a.startswith("NINDS_") for a in q["relevant"])
    ]
    return load_index(root, embedder.name), questions


@pytest.mark.parametrize("mode,floor", [("hybrid", 0.95), ("dense", 0.93), ("bm25", 0.9)])
def test_ninds_templated_questions_find_their_article(ninds, embedder, mode, floor):
    index, questions = ninds
    assert len(index.articles) > 250 and len(questions) >= 60
    retriever = Retriever(index, embedder)
    results = evaluate(questions, lambda q: ask(q, retriever, Settings(), mode=mode, with_highlights=False))
    assert results["medquad"]["success@5"] >= floor, results
    if mode == "hybrid":
        assert results["medquad"]["no_match"] <= 0.05, results
