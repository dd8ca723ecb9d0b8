"""Retrieval logic on its own: cleaning patients' messages and fusing ranked lists."""

from __future__ import annotations

import pytest

from askclinic.retrieve import clean_question


@pytest.mark.parametrize("message,question", [
    ("Hi, does Botox help neck pain? Thanks so much!", "does Botox help neck pain?"),
    ("Hello! Can migraines cause dizziness? Thank you very much for your help.",
     "Can migraines cause dizziness?"),
    ("Dear Dr. Patel, is it safe to take ibuprofen daily? Best regards, Ann",
     "is it safe to take ibuprofen daily?"),
    ("Sumatriptan NDC 0173-0449-00. Can I take it with coffee? Please reply",
     "Sumatriptan . Can I take it with coffee?"),
    ("Is there a support group near [LOCATION]? Please help me", "Is there a support group near ?"),
    ("Cluster headaches. Hi I get them every spring, why?", "Cluster headaches. I get them every spring, why?"),
])
def test_message_wrapping_is_removed(message, question):
    assert clean_question(message) == question


@pytest.mark.parametrize("text", [
    "Thanksgiving dinner and migraines",  # "thanks" inside a word stays
    "Does a high dose of magnesium help?",  # "hi" inside a word stays
    "Which regards to caffeine withdrawal",  # a sign-off word mid-sentence stays
    "What is the dose of 0.5 mg tablets?",  # numbers that are not package codes stay
])
def test_ordinary_questions_are_unchanged(text):
    assert clean_question(text) == text


def test_a_message_of_only_courtesies_is_kept_as_it_was():
    assert clean_question("  Thank you!  ") == "Thank you!"
