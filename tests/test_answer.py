"""Answers on the bundled sample articles with the real model: what a patient would see."""

from __future__ import annotations

import pytest

from askclinic.answer import ask
from askclinic.config import Settings
from askclinic.retrieve import Retriever

pytestmark = pytest.mark.model
S = Settings()


def test_botox_neck_pain_returns_a_botox_article_first_with_highlights(sample_retriever):
    ans = ask("Does Botox help neck pain?", sample_retriever, S)
    assert ans.status == "answered"
    first = ans.excerpts[0]
    assert first.article_id == "botox-neck-upper-back-pain"
    assert first.url == "https://riverside-headache.example/blog/botox-neck-upper-back-pain"
    assert first.published == "2014-06-09"
    assert 1 <= len(first.highlights) <= 3
    for ex in ans.excerpts:
        assert all(h in ex.text for h in ex.highlights)
    assert any("neck" in h.lower() for h in first.highlights)
    assert ans.ranking[0] == "botox-neck-upper-back-pain"


class Counting:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, model):
        self.model, self.texts = model, 0

    def __getattr__(self, name):
        return getattr(self.model, name)

    def encode(self, texts, **kw):
        self.texts += len(texts)
        return self.model.encode(texts, **kw)


def test_a_repeated_question_highlights_the_same_sentences_without_embedding_them_again(
    sample_index, embedder
):
    import dataclasses

    model = Counting(embedder)  # an index without stored sentence vectors: they are remembered
    counted = Retriever(dataclasses.replace(sample_index, sentences=None), model)
    q = "How fast does oxygen stop a cluster headache attack?"
    first = ask(q, counted, S)
    embedded_first, model.texts = model.texts, 0
    again = ask(q, counted, S)
    assert again.status == first.status == "answered"
    assert [e.highlights for e in again.excerpts] == [e.highlights for e in first.excerpts]
    assert embedded_first > 5 and model.texts <= 1  # the second time: at most the question
    from askclinic.index import load_index

    fresh = ask(q, Retriever(load_index(sample_index.path.parent), embedder), S)  # nothing remembered yet
    assert [e.highlights for e in fresh.excerpts] == [e.highlights for e in first.excerpts]


def test_contract_fields(sample_retriever):
    d = ask("Is coffee bad for migraines?", sample_retriever, S).to_dict()
    assert set(d) == {"id", "question", "status", "message", "excerpts", "ranking", "language"}
    assert d["status"] == "answered" and 1 <= len(d["excerpts"]) <= 5
    assert [e["n"] for e in d["excerpts"]] == list(range(1, len(d["excerpts"]) + 1))
    ex = d["excerpts"][0]
    assert set(ex) == {
        "n",
        "article_id",
        "title",
        "url",
        "published",
        "text",
        "highlights",
        "score",
        "deep_url",
    }
    assert ex["article_id"] == "caffeine-and-headaches"
    per_article = {}
    for e in d["excerpts"]:
        per_article[e["article_id"]] = per_article.get(e["article_id"], 0) + 1
    assert max(per_article.values()) <= 2
    assert 1 <= len(d["ranking"]) <= 20 and len(set(d["ranking"])) == len(d["ranking"])


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "How do I file my taxes?", "Write me a poem about cats"]
)
def test_off_topic_gets_no_match_and_no_excerpts(sample_retriever, question):
    ans = ask(question, sample_retriever, S)
    assert ans.status == "no_match" and ans.excerpts == []
    assert ans.message.startswith("Our articles don't cover this yet.")
    assert ans.ranking  # retrieval can still be scored


def test_follow_up_uses_the_conversation(sample_retriever):
    alone = ask("what about side effects?", sample_retriever, S)
    follow = ask(
        "what about side effects?", sample_retriever, S, context="Can magnesium supplements prevent migraine?"
    )
    assert follow.excerpts[0].article_id == "magnesium-riboflavin-migraine"
    assert any("diarrhea" in h for e in follow.excerpts[:2] for h in e.highlights)
    assert not (alone.excerpts and alone.excerpts[0].article_id == "magnesium-riboflavin-migraine")


def test_emergency_and_invalid_come_before_retrieval(sample_retriever):
    em = ask("sudden worst headache of my life, came on like a thunderclap", sample_retriever, S)
    assert em.status == "emergency" and em.excerpts == [] and "911" in em.message
    assert ask("   \x00 ", sample_retriever, S).status == "invalid"


def test_a_question_in_another_language_is_refused_as_such(sample_retriever):
    """The staff console's "Other language" filter relies on `kind`: refused for the language,
    not for being a bad question."""
    fr = ask("Quel est le meilleur traitement pour la migraine chez les enfants ?", sample_retriever, S)
    assert (fr.status, fr.kind, fr.excerpts) == ("invalid", "language", [])
    assert "English" in fr.message and fr.to_dict()["kind"] == "language"
    assert ask("   \x00 ", sample_retriever, S).kind is None
