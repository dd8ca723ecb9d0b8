"""Retrieval logic on its own: cleaning patients' messages and fusing ranked lists."""

from __future__ import annotations

import pytest

from askclinic.retrieve import clean_question


@pytest.mark.parametrize(
    "message,question",
    [
        ("Hi, does Botox help neck pain? Thanks so much!", "does Botox help neck pain?"),
        (
            "Hello! Can migraines cause dizziness? Thank you very much for your help.",
            "Can migraines cause dizziness?",
        ),
        (
            "Dear Dr. Patel, is it safe to take ibuprofen daily? Best regards, Ann",
            "is it safe to take ibuprofen daily?",
        ),
        (
            "Sumatriptan NDC 0173-0449-00. Can I take it with coffee? Please reply",
            "Sumatriptan . Can I take it with coffee?",
        ),
        ("Is there a support group near [LOCATION]? Please help me", "Is there a support group near ?"),
        (
            "Cluster headaches. Hi I get them every spring, why?",
            "Cluster headaches. I get them every spring, why?",
        ),
    ],
)
def test_message_wrapping_is_removed(message, question):
    assert clean_question(message) == question


@pytest.mark.parametrize(
    "text",
    [
        "Thanksgiving dinner and migraines",  # "thanks" inside a word stays
        "Does a high dose of magnesium help?",  # "hi" inside a word stays
        "Which regards to caffeine withdrawal",  # a sign-off word mid-sentence stays
        "What is the dose of 0.5 mg tablets?",  # numbers that are not package codes stay
    ],
)
def test_ordinary_questions_are_unchanged(text):
    assert clean_question(text) == text


def test_a_message_of_only_courtesies_is_kept_as_it_was():
    assert clean_question("  Thank you!  ") == "Thank you!"


# ---------------------------------------------------------------- fusion and naming articles

from askclinic import retrieve  # noqa: E402
from askclinic.build import build_index  # noqa: E402
from askclinic.index import load_index  # noqa: E402
from askclinic.models import Article, Chunk, Hit  # noqa: E402

LIBRARY = [
    (
        "dvt",
        "Deep Vein Thrombosis",
        "## Overview\n\nA blood clot forms in a deep vein, usually in the leg.\n\n"
        "## Treatment\n\nBlood thinners stop the clot from growing.",
    ),
    (
        "shingles",
        "Shingles",
        "## Overview\n\nShingles is a painful rash caused by the chickenpox virus.\n\n"
        "## Prevention\n\nA vaccine lowers the chance of getting shingles.",
    ),
    (
        "hemochromatosis",
        "Hemochromatosis",
        "## Overview\n\nHemochromatosis makes the body store too much iron.\n\n"
        "## Treatment\n\nRemoving blood regularly lowers the iron level.\n\n"
        "## Symptoms\n\nTiredness and joint pain are common.",
    ),
    (
        "leg-cramps",
        "Leg cramps",
        "## Overview\n\nA cramp is a sudden tight muscle in the leg, often at night.\n\n"
        "## Treatment\n\nStretching the muscle helps a cramp pass.",
    ),
    (
        "iron-diet",
        "Iron in diet",
        "## Overview\n\nIron is found in meat, beans and leafy greens.\n\n"
        "## Treatment\n\nToo little iron is treated with iron tablets.",
    ),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from conftest import FakeEmbedder

    emb = FakeEmbedder()
    root = tmp_path_factory.mktemp("library")
    build_index([Article(i, t, b) for i, t, b in LIBRARY], root, emb, log=lambda m: None)
    return retrieve.Retriever(load_index(root), emb)


def ranked(library, question):
    q = clean_question(question)
    return retrieve.rank_articles(library.search(q, library.embedder.encode([q])[0], "hybrid"))


def test_a_misspelled_word_still_finds_its_article(library):
    assert "hemochromatsis" not in library.index.bm25.vocab_dict
    assert ranked(library, "how is hemochromatsis treated")[0] == "hemochromatosis"


def test_title_initials_written_by_the_patient_find_the_article(library):
    assert ranked(library, "Could my DVT come back after I stop the pills?")[0] == "dvt"
    assert ranked(library, "how much does it cost")[:1] != ["dvt"]  # ordinary words are not initials


def test_an_article_named_in_the_question_comes_first(library):
    assert (
        ranked(library, "Hello, I get cramps in my leg and a rash. Is it Shingles? Thanks")[0] == "shingles"
    )


def test_hits_are_grouped_by_article_best_article_first():
    chunk = lambda i, a: Hit(Chunk(f"{a}#{i}", a, "", "t", 0, 1, 1), 0.0)  # noqa: E731
    hits = [chunk(0, "a"), chunk(0, "b"), chunk(1, "a"), chunk(1, "b")]
    for h, s in zip(hits, (0.5, 0.4, 0.1, 0.3)):
        h.score = s
    out = retrieve.by_article(hits, {"b": 0.2})
    assert [h.chunk.id for h in out] == ["b#0", "b#1", "a#0", "a#1"]
    assert retrieve.rank_articles(out) == ["b", "a"]


def test_weighted_reciprocal_rank_fusion_records_both_scores(library):
    index = library.index
    fused = retrieve.fuse(index, [([(0, 0.9), (1, 0.5)], 1.0, "dense"), ([(1, 7.0)], 0.5, "lexical")])
    assert [h.chunk is index.chunks[i] for h, i in zip(fused, (1, 0))] == [True, True]
    assert fused[0].score == pytest.approx(1 / 61 + 0.5 / 60)
    assert (fused[0].dense, fused[0].lexical, fused[1].lexical) == (0.5, 7.0, None)
