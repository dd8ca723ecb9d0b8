"""Question grouping for "What to write next", alone (the fake embedder: words, not meaning)."""

from askclinic.grouping import Group, group_questions


def test_identical_questions_count_together_and_similar_ones_join_a_group(fake_embedder):
    rows = [
        ("Do you take Medicare?", "2026-01-03T10:00:00Z"),
        ("do you take  medicare", "2026-01-02T10:00:00Z"),
        ("Do you take Medicare patients?", "2026-01-01T10:00:00Z"),
        ("Where can I park my car?", "2026-01-04T10:00:00Z"),
        ("Are pets allowed inside?", "2026-01-05T10:00:00Z"),
        ("   ", "2026-01-06T10:00:00Z"),
    ]
    groups = group_questions(rows, fake_embedder)
    assert groups == [
        Group(3, "Do you take Medicare?", ["Do you take Medicare patients?"], "2026-01-03T10:00:00Z"),
        Group(1, "Are pets allowed inside?", [], "2026-01-05T10:00:00Z"),
        Group(1, "Where can I park my car?", [], "2026-01-04T10:00:00Z"),
    ]


def test_nothing_to_group(fake_embedder):
    assert group_questions([], fake_embedder) == []
    assert fake_embedder.embedded == 0
