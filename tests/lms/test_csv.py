"""The staff reports' CSV downloads: Excel in Japan opens them, and no cell runs as a formula."""

import csv

from lms.csv import csv_response, csv_safe


def test_csv_response_is_an_attachment_in_utf8_with_a_byte_order_mark():
    response = csv_response("report.csv", ["氏名", "時間"], [["兵庫 花子", 90]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(text.removeprefix("\ufeff").splitlines())) == [
        ["氏名", "時間"],
        ["兵庫 花子", "90"],
    ]


def test_cells_that_would_start_a_formula_are_escaped_in_header_and_rows():
    response = csv_response("x.csv", ["=title"], [["=HYPERLINK(1)"], ["-2"], ["@x"], ["ok"]])

    rows = list(csv.reader(response.content.decode("utf-8").removeprefix("\ufeff").splitlines()))
    assert rows == [["'=title"], ["'=HYPERLINK(1)"], ["'-2"], ["'@x"], ["ok"]]


def test_csv_safe_leaves_ordinary_values_and_turns_others_into_text():
    assert csv_safe("兵庫") == "兵庫"
    assert csv_safe(3) == "3"
    assert csv_safe("+81") == "'+81"
    assert csv_safe("\tx") == "'\tx"
    assert csv_safe("") == ""
