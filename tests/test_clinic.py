"""What a patient is shown on the sample articles (real model): excerpts chosen by relevance,
one score unit, honest "not covered", highlights that answer; and how the clinic benchmark
judges an answer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from askclinic import excerpts
from askclinic.answer import ask
from askclinic.config import Settings
from askclinic.terms import with_generics
from conftest import ROOT

pytestmark = pytest.mark.model
S = Settings()
QUESTIONS = [
    "Does Botox help neck pain?",
    "Is coffee bad for migraines?",
    "How can I exercise without setting off a migraine?",
    "What do I bring to my first visit?",
    "how long do cluster attacks last",
    "can magnesium prevent migraines",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_excerpts_are_few_distinct_and_best_first(sample_retriever, question):
    ans = ask(question, sample_retriever, S)
    assert ans.status == "answered" and 1 <= len(ans.excerpts) <= 5
    scores = [e.score for e in ans.excerpts]
    assert all(0 <= s <= 1 for s in scores)
    # best first: by score, give or take the ordering bonuses (the search's article order, and
    # a post's opening passage giving way), which never move an excerpt past a clearly better one
    slack = excerpts.PRIOR + excerpts.LEAD + 0.001
    assert all(a >= b - slack for a, b in zip(scores, scores[1:])), scores
    assert scores[-1] >= S.min_score  # none under the floor
    chunks = {c.text: c for c in sample_retriever.index.chunks}
    by_article: dict[str, list] = {}
    for e in ans.excerpts:
        by_article.setdefault(e.article_id, []).append(chunks[e.text])
    for mine in by_article.values():
        assert len(mine) <= 2
        if len(mine) == 2:  # no sentence shown twice
            a, b = sorted(mine, key=lambda c: c.start)
            assert a.end <= b.start
    assert ans.ranking[: len(by_article)] == list(by_article)  # the ranking starts with what is shown


@pytest.mark.parametrize("question", QUESTIONS)
def test_highlights_are_not_the_question_restated_nor_a_lead_in(sample_retriever, question):
    for e in ask(question, sample_retriever, S).excerpts:
        assert 1 <= len(e.highlights) <= 3 and all(h in e.text for h in e.highlights)
        assert not any(h.rstrip("\"')").endswith(("?", ":")) for h in e.highlights)


def test_no_excerpt_can_be_a_lead_in_without_its_list(sample_index):
    assert not any(c.text.endswith(":") for c in sample_index.chunks)
    tips = [c.text for c in sample_index.chunks if "These tips help many of our patients:" in c.text]
    assert len(tips) == 1 and "Warm up gradually." in tips[0]


def test_the_answering_sentence_is_highlighted(sample_retriever):
    first = ask("How many injection sites are used in a Botox session?", sample_retriever, S).excerpts[0]
    assert any("around 31 in all" in h for h in first.highlights)


def test_a_dose_question_is_not_covered_by_articles_that_state_no_amounts(sample_retriever):
    ans = ask("What is the maximum dose of Tylenol I can take in a day?", sample_retriever, S)
    assert ans.status == "no_match"  # the overuse article must not read as dosing advice
    assert (
        ask("How often can I take Tylenol before it causes rebound headaches?", sample_retriever, S).status
        == "answered"
    )


def test_a_brand_name_finds_the_article_on_its_generic(sample_retriever):
    ans = ask("What are the side effects of Ajovy shots?", sample_retriever, S)
    assert ans.status == "answered"
    assert ans.excerpts[0].article_id == "cgrp-medicines-migraine-prevention"


@pytest.mark.parametrize(
    "question",
    [
        "what causes tenshun headaches",
        "how long does rebownd headache last",
        "my husband gets headaches after his shift, why?",
    ],
)
def test_misspellings_and_everyday_words_are_not_refused(sample_retriever, question):
    assert ask(question, sample_retriever, S).status == "answered"


def test_term_helpers():
    assert "galcanezumab" in with_generics("Is Emgality safe?")
    assert with_generics("Is coffee safe?") == "Is coffee safe?"


# ---------------------------------------------------------------- the benchmark's judging

sys.path.insert(0, str(ROOT / "benchmarks"))
import clinic  # noqa: E402

LABEL = {
    "article": "botox-chronic-migraine",
    "sentence": "There are a standard set of injection sites, around 31 in all, and your doctor "
    "may add a few in areas where you tend to feel pain.",
}


def test_the_benchmark_counts_a_shown_labelled_sentence(sample_retriever):
    q = {
        "question": "How many injection sites are used in a Botox session?",
        "kind": "answerable",
        "answers": [LABEL],
    }
    row = clinic.judge(q, ask(q["question"], sample_retriever, S))
    assert row == {
        "kind": "answerable",
        "answered": True,
        "not_covered": False,
        "p1": True,
        "p3": True,
        "a1": True,
        "marked": True,
    }
    wrong = dict(
        q, answers=[{"article": "botox-chronic-migraine", "sentence": "Botox is a preventive treatment."}]
    )
    row = clinic.judge(wrong, ask(q["question"], sample_retriever, S))
    assert not row["p1"] and row["a1"]


def test_the_benchmark_summary_counts_refusals():
    no = {"answered": False, "p1": False, "p3": False, "a1": False, "marked": False}
    rows = [
        {
            "kind": "answerable",
            "answered": True,
            "not_covered": False,
            "p1": True,
            "p3": True,
            "a1": True,
            "marked": False,
        },
        {"kind": "answerable", **no, "not_covered": True},
        {"kind": "answerable", **no, "not_covered": False},
        {"kind": "unanswerable", "answered": False},
        {"kind": "offtopic", "answered": True},
    ]
    s = clinic.summarise(rows, [10.0, 20.0, 30.0, 40.0])
    assert (s["passage@1"], s["highlighted"], s["wrongly_refused"], s["other_status"]) == (
        1 / 3,
        0.0,
        1 / 3,
        1 / 3,
    )
    assert (s["unanswerable_refused"], s["offtopic_refused"], s["p50_ms"]) == (1.0, 0.0, 25.0)
    assert clinic.covers("There are 31 sites.", "there are 31  sites.")


@pytest.mark.parametrize(
    "articles, files",
    [
        (
            "articles",
            ["clinic_a_dev.jsonl", "clinic_a_test.jsonl", "clinic_a_fresh.jsonl", "clinic_a_fresh2.jsonl"],
        ),
        ("benchmarks/clinic/clinic_b/articles", ["clinic_b_questions.jsonl"]),
        ("benchmarks/clinic/clinic_c/articles", ["clinic_c_questions.jsonl"]),
    ],
)
def test_every_labelled_sentence_is_in_its_article(articles, files):
    """The benchmark's labels still match the articles as askclinic loads them (a changed
    loader or an edited article would otherwise silently turn hits into misses)."""
    root = Path(__file__).resolve().parents[1]
    paths = [str(root / "benchmarks" / "clinic" / f) for f in files]
    run = subprocess.run(
        [
            sys.executable,
            str(root / "benchmarks/clinic/check_labels.py"),
            "--articles",
            str(root / articles),
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
