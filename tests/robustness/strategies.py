"""Hypothesis strategies for hostile input: the text, numbers and shapes a careless phone
keyboard, a copy-paste from a PDF or a deliberate attacker sends to a form, a query string or a
URL.  Shared by every module in this package."""

from __future__ import annotations

from hypothesis import strategies as st

# Fixed samples of each kind, so every run tries the classic troublemakers and hypothesis
# mixes them with generated text.
FULL_WIDTH = "ＡＢＣ１２３"
HALF_WIDTH_KATAKANA = "ﾊﾝｶｸ ｶﾀｶﾅ ﾃﾞｽ"
KANJI = "兵庫県神戸市中央区𠮷野家髙橋﨑"  # with a supplementary-plane and compatibility kanji
EMOJI = "😀👨‍👩‍👧‍👦🇯🇵"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
RTL_MARKS = "\u200f\u202e\u202b\u2066abc\u202c"
NUL = "\x00"
C0_CONTROLS = "".join(chr(code) for code in range(0x00, 0x20)) + "\x7f"
C1_CONTROLS = "".join(chr(code) for code in range(0x80, 0xA0))
LONG = "あ" * 100_000

NASTY_SAMPLES = [
    "",
    " ",
    "\u3000",  # ideographic space only
    FULL_WIDTH,
    HALF_WIDTH_KATAKANA,
    KANJI,
    EMOJI,
    ZERO_WIDTH,
    RTL_MARKS,
    NUL,
    f"abc{NUL}def",
    C0_CONTROLS,
    C1_CONTROLS,
    "\x1b[31mred\x1b[0m",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://example.com")',
    "\r\n\r\n",
    "\ufffd",
    "Ǆ\u0301\u0301\u0301",  # stacked combining marks
    LONG,
    "x" * 5_000,
]

# Numbers, as people and scripts type them into a field that wants a whole number.
NUMBER_SAMPLES = [
    "0",
    "-1",
    "-999999999999",
    "9" * 30,
    "9" * 5_000,  # past Python's int-from-string limit
    "2147483648",
    "9223372036854775808",
    "1.5",
    "1e400",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1_000",
    "１２",  # full-width digits
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three
    "①",
    " 7 ",
    "",
    "abc",
    NUL,
    "1\x00",
]

# Raw bytes for urlencoded bodies and query strings: a lone surrogate (as CESU-8) and other
# invalid UTF-8, which the test client cannot send as str.
RAW_BAD_BYTES = ["%ED%A0%80", "%FF%FE", "%C0%AF", "%E3%81", "%00", "%F4%90%80%80"]


def nasty_text(*, min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    """Unicode of every kind: the fixed samples, generated text over the whole of Unicode
    (lone surrogates excluded: the test client cannot encode them; see RAW_BAD_BYTES), and
    mixtures of the samples with ordinary Japanese."""
    anything = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)), min_size=min_size, max_size=max_size
    )
    controls = st.text(
        alphabet=st.sampled_from(C0_CONTROLS + C1_CONTROLS + ZERO_WIDTH + RTL_MARKS),
        min_size=1,
        max_size=5,
    )
    mixed = st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["兵庫 花子", "ひょうご", "ﾋｮｳｺﾞ", "ＨＹＯＧＯ", "hanako"]),
        controls,
        st.sampled_from(["", "さん", "１２３", "😀"]),
    )
    return st.one_of(st.sampled_from(NASTY_SAMPLES), anything, mixed)


def nasty_number() -> st.SearchStrategy[str]:
    """Text where a whole number is expected: huge, negative, float-like, full width, not a
    number at all, or a generated integer."""
    return st.one_of(
        st.sampled_from(NUMBER_SAMPLES),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


def nasty_value(*, max_size: int = 60) -> st.SearchStrategy:
    """One form value: nasty text or a number, or a list of them where one value is expected
    (the test client sends a list as the same key repeated)."""
    scalar = st.one_of(nasty_text(max_size=max_size), nasty_number())
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


def form_data(fields: dict[str, st.SearchStrategy] | list[str]) -> st.SearchStrategy[dict]:
    """POST data for ``fields``: each present with a nasty value, or left out (a missing field
    is a wrong type too)."""
    if isinstance(fields, list):
        fields = dict.fromkeys(fields, nasty_value())
    return st.fixed_dictionaries({}, optional=fields)


def nasty_id() -> st.SearchStrategy[str]:
    """A tampered id in a URL path: digits only (the URL patterns take nothing else), but
    nonexistent (no test makes a million rows), zero, or too large for any database integer."""
    return st.one_of(
        st.sampled_from(["0", "00", "2147483648", "9223372036854775808", "9" * 40]),
        st.integers(min_value=10**6, max_value=2**80).map(str),
    )


def nasty_path_segment() -> st.SearchStrategy[str]:
    """A garbage token, code or serial in a URL (already percent-encoded where needed)."""
    from urllib.parse import quote

    return st.one_of(
        st.sampled_from(RAW_BAD_BYTES),
        st.sampled_from(["%00", "a%00b", "..", "%2E%2E", "x" * 3000, "%E2%80%AE", "ＡＢＣ"]),
        nasty_text(min_size=1, max_size=40)
        .filter(lambda text: text.strip() not in ("", ".", ".."))
        .map(lambda text: quote(text, safe="")),
    )


# Dates and times as typed into a date picker's fallback text box, or forged.
DATE_SAMPLES = [
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "２０２６-０４-０１",  # full width
    "2026/04/01",
    "令和8年4月1日",
    "99999-01-01",
    "-2026-01-01",
    "2026-04-01T25:00",
]
TIME_SAMPLES = [
    "23:59",
    "00:00",
    "24:00",
    "25:61",
    "１０:００",
    "10:00:60",
    "-1:00",
    "23:59:59.999999",
]


def nasty_date() -> st.SearchStrategy[str]:
    """A date field's value: the extremes Python's dates allow, impossible dates, other
    calendars and widths, or any nasty text."""
    return st.one_of(st.sampled_from(DATE_SAMPLES), nasty_text(max_size=20))


def nasty_time() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TIME_SAMPLES), nasty_text(max_size=10))
