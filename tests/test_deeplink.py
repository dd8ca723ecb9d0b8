"""Deep links: the article URL with a text fragment that opens it at the quoted sentence."""

from urllib.parse import unquote

from askclinic.deeplink import deep_url, encode_term


def test_short_sentence_is_matched_whole_and_encoded_per_the_spec():
    url = deep_url("https://clinic.example/blog/botox", "Botox eases neck-pain, for some & not all.")
    assert url == (
        "https://clinic.example/blog/botox#:~:text="
        "Botox%20eases%20neck%2Dpain%2C%20for%20some%20%26%20not%20all."
    )


def test_long_sentence_uses_its_first_and_last_words():
    s = (
        "Several studies have found that Botox injections into painful trigger points gave "
        "relief from neck and upper back muscle pain."
    )
    url = deep_url("https://clinic.example/a", s)
    start, end = url.split("#:~:text=")[1].split(",")
    assert unquote(start) == "Several studies have found"
    assert unquote(end) == "upper back muscle pain."


def test_existing_fragment_markup_and_bad_urls():
    assert (
        deep_url("https://c.example/a#top", "Rest helps.") == "https://c.example/a#top:~:text=Rest%20helps."
    )
    assert deep_url("https://c.example/a", "Use **bold** here") == "https://c.example/a"
    assert deep_url("https://c.example/a", None) == "https://c.example/a"
    assert deep_url("javascript:alert(1)", "Rest helps.") is None
    assert deep_url(None, "Rest helps.") is None
    assert encode_term("a-b,c&d") == "a%2Db%2Cc%26d"


def test_answer_excerpts_carry_a_deep_url_at_their_highlight(sample_retriever):
    from askclinic.answer import ask
    from askclinic.config import Settings

    ans = ask("Does Botox help neck pain?", sample_retriever, Settings())
    first = ans.excerpts[0]
    assert first.highlights and first.deep_url.startswith(first.url + "#:~:text=")
    words = unquote(first.deep_url.split("#:~:text=")[1].split(",")[0])
    assert any(h.startswith(words) for h in first.highlights)
    assert "deep_url" in ans.to_dict()["excerpts"][0]


def test_follow_up_leaves_out_passages_already_shown(sample_retriever):
    from askclinic.answer import ask
    from askclinic.config import Settings

    first = ask("Does Botox help with chronic migraine?", sample_retriever, Settings())
    shown = [(e.article_id, e.text) for e in first.excerpts]
    again = ask("Does Botox help with chronic migraine?", sample_retriever, Settings(), exclude=shown)
    assert again.status == "answered" and again.excerpts
    assert not {(e.article_id, e.text) for e in again.excerpts} & set(shown)
