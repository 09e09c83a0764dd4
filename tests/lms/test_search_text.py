"""lms.search: the n-gram text and query that make Japanese words findable (no database)."""

from lms.search import ngram_query, ngram_text, streamfield_text


def test_ngram_text_indexes_unigrams_and_bigrams_of_japanese_runs():
    tokens = ngram_text("地域防災リーダー養成講座").split()

    assert {"防災", "養成", "講座", "リー", "防", "座"} <= set(tokens)
    assert "地域防災リーダー養成講座" not in tokens
    assert tokens.count("ー") == 2  # リーダー: every occurrence is indexed


def test_ngram_text_keeps_latin_words_whole_and_folds_width_and_case():
    tokens = ngram_text("ＮＰＯ支援 Kobe 2026年", "<p>ﾎﾞﾗﾝﾃｨｱ</p>").split()

    assert "npo" in tokens
    assert "kobe" in tokens
    assert "2026" in tokens
    assert {"支援", "ボラ", "ティ"} <= set(tokens)  # half-width katakana became full-width
    assert "<p>" not in " ".join(tokens) and "p" not in tokens  # HTML tags are stripped


def test_ngram_text_of_nothing_is_empty():
    assert ngram_text() == ""
    assert ngram_text("", None) == ""


def test_ngram_query_turns_japanese_into_bigrams_that_all_must_match():
    assert ngram_query("防災") == "防災"
    assert ngram_query("養成講座") == "養成 成講 講座"
    assert ngram_query("防") == "防"
    assert ngram_query("防災　ＮＰＯ") == "防災 npo"


def test_ngram_query_deduplicates_and_ignores_punctuation():
    assert ngram_query("防災防災") == "防災 災防"
    assert ngram_query("「防災」、！？") == "防災"
    assert ngram_query("   ") == ""
    assert ngram_query("") == ""


def test_every_query_token_is_in_the_indexed_text_of_a_matching_title():
    indexed = set(ngram_text("地域防災リーダー養成講座").split())

    for query in ("防災", "養成講座", "リーダー", "地域防災"):
        assert set(ngram_query(query).split()) <= indexed
    assert not set(ngram_query("防犯").split()) <= indexed


def test_streamfield_text_collects_text_without_block_ids_or_types():
    raw = [
        {"type": "heading", "id": "abc-123", "value": {"text": "講座の概要", "level": "h2"}},
        {"type": "paragraph", "id": "def-456", "value": "<p>避難所運営を<b>学ぶ</b></p>"},
    ]

    text = streamfield_text(raw)

    assert "講座の概要" in text
    assert "避難所運営を学ぶ" in text
    assert "abc-123" not in text and "heading" not in text and "<p>" not in text
    assert streamfield_text(None) == ""
