"""Lists stay with their lead-in when articles are chunked, and a chunking change re-embeds
only the passages whose embedded text changed."""

from __future__ import annotations

import numpy as np

from askclinic.chunking import ChunkSettings, chunk_article
from askclinic.build import build_index
from askclinic.index import load_index
from askclinic.models import Article

INTRO = (
    "Exercise puts many people with migraine in a bind. They hear that staying active is good "
    "for headaches, but a hard run once brought on an attack. "
) * 3
TIPS = (
    "The goal is to make exercise steady and predictable rather than sudden. "
    "These tips help many of our patients:"
)
ITEMS = [
    "- Warm up gradually over the first ten minutes before building intensity.",
    "- Drink fluids before, during and after exercise, and do not skip meals.",
    "- Choose steady activities such as walking, swimming or cycling.",
    "- Watch the weather and exercise indoors on hot days.",
]


def _exercise() -> Article:
    text = f"## How to exercise\n\n{INTRO}\n\n{TIPS}\n\n" + "\n".join(ITEMS) + "\n\nMost people find a way."
    return Article("exercise", "Exercise and migraine", text)


def test_no_passage_ends_on_a_lead_in_and_the_list_follows_it():
    chunks = chunk_article(_exercise(), ChunkSettings(max_tokens=90))
    assert not any(c.text.rstrip().endswith(":") for c in chunks)
    with_tips = [c for c in chunks if "These tips help" in c.text]
    assert len(with_tips) == 1 and ITEMS[0] in with_tips[0].text
    assert all(item in "".join(c.text for c in chunks) for item in ITEMS)


def test_a_list_too_long_for_one_passage_is_split_between_items():
    chunks = chunk_article(_exercise(), ChunkSettings(max_tokens=45))
    for item in ITEMS:  # each item whole in some passage
        assert any(item in c.text for c in chunks)
    assert not any(c.text.rstrip().endswith(":") for c in chunks)


def _library() -> list[Article]:
    return [
        _exercise(),
        Article(
            "sleep",
            "Sleep and headaches",
            "## Routine\n\nGo to bed at the same time every night.\n\n"
            "Too much sleep can trigger a migraine as well.",
        ),
    ]


def test_a_chunking_change_embeds_only_the_passages_whose_text_changed(tmp_path, fake_embedder):
    build_index(_library(), tmp_path, fake_embedder, ChunkSettings(max_tokens=90), log=lambda m: None)
    before = load_index(tmp_path)
    fake_embedder.embedded = 0
    rep = build_index(_library(), tmp_path, fake_embedder, ChunkSettings(max_tokens=45), log=lambda m: None)
    after = load_index(tmp_path)
    old = {c.text for c in before.chunks}
    changed = [c for c in after.chunks if c.text not in old]
    assert 0 < len(changed) < len(after.chunks)  # the sleep passage is the same, lists split
    assert rep.embedded == len(changed)
    assert fake_embedder.embedded == rep.embedded + rep.sentences_embedded
    from askclinic.chunking import embed_text

    texts = [
        embed_text(Article(c.article_id, after.articles[c.article_id]["title"], ""), c.heading, c.text)
        for c in after.chunks
    ]
    assert np.allclose(after.vectors(), fake_embedder.encode(texts), atol=1e-6)  # reused = recomputed


def test_rebuild_embeds_everything_again(tmp_path, fake_embedder):
    build_index(_library(), tmp_path, fake_embedder, log=lambda m: None)
    fake_embedder.embedded = 0
    rep = build_index(
        _library(), tmp_path, fake_embedder, ChunkSettings(rules=1), rebuild=True, log=lambda m: None
    )
    assert rep.embedded == rep.chunks > 0
    assert rep.sentences_embedded == len(load_index(tmp_path).sentences.keys) > 0
    assert fake_embedder.embedded == rep.embedded + rep.sentences_embedded
