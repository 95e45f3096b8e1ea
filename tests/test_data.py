"""JSONL validation: every bad row is reported with file, line and field."""

import json

import pytest

from utils.data import INSTRUCTION_CATEGORIES, DataError, Field, load_instructions, load_jsonl

SCHEMA = {"id": Field(str), "text": Field(str), "label": Field(str, choices=("a", "b")), "n": Field(int, required=False)}


def write(tmp_path, lines):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = json.dumps({"id": "x1", "text": "hello", "label": "a"})


def test_valid_rows_load(tmp_path):
    rows = load_jsonl(write(tmp_path, [GOOD, json.dumps({"id": "x2", "text": "hi", "label": "b", "n": 3})]), SCHEMA)
    assert [r["id"] for r in rows] == ["x1", "x2"]


@pytest.mark.parametrize(
    "bad_line, expected",
    [
        ('{"id": "x9", "text": "oops", ', r"rows.jsonl:2: not valid JSON \(Expecting property name .* at column 29\)"),
        (json.dumps(["a", "list"]), r"rows.jsonl:2: expected a JSON object"),
        (json.dumps({"id": "x9", "label": "a"}), r"rows.jsonl:2: field 'text': missing"),
        (json.dumps({"id": "x9", "text": 5, "label": "a"}), r"rows.jsonl:2: field 'text': expected str, got int"),
        (json.dumps({"id": "x9", "text": "  ", "label": "a"}), r"rows.jsonl:2: field 'text': is empty"),
        (json.dumps({"id": "x9", "text": "t", "label": "c"}), r"rows.jsonl:2: field 'label': 'c' is not one of"),
        (json.dumps({"id": "x9", "text": "t", "label": "a", "extra": 1}), r"rows.jsonl:2: field 'extra': unexpected"),
        (json.dumps({"id": "x9", "text": "t", "label": "a", "n": True}), r"rows.jsonl:2: field 'n': expected int, got bool"),
        (GOOD, r"rows.jsonl:2: field 'id': 'x1' repeats line 1"),
    ],
)
def test_bad_row_is_reported_with_file_line_and_field(tmp_path, bad_line, expected):
    with pytest.raises(DataError, match=expected):
        load_jsonl(write(tmp_path, [GOOD, bad_line]), SCHEMA, unique=("id",))


def test_a_line_that_is_not_utf8_is_reported_with_file_and_line(tmp_path):
    # "café" as a Windows editor saves it in cp1252: 0xe9 is not UTF-8; the row after it is fine
    latin = json.dumps({"id": "x2", "text": "café", "label": "a"}, ensure_ascii=False).encode("cp1252")
    path = tmp_path / "rows.jsonl"
    path.write_bytes(GOOD.encode() + b"\n\n" + latin + b"\n" + json.dumps({"id": "x3", "text": "t", "label": "b"}).encode())
    with pytest.raises(DataError, match=r"rows.jsonl:3: not valid UTF-8 \(byte 0xe9 at position 26 of the line\)\. Save the file as UTF-8"):
        load_jsonl(path, SCHEMA)


def test_utf8_text_beyond_ascii_loads(tmp_path):
    row = {"id": "x2", "text": "café – 東京 🙂", "label": "a"}
    path = tmp_path / "rows.jsonl"
    path.write_text(GOOD + "\n" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_jsonl(path, SCHEMA)[1] == row


def test_missing_file_says_where_data_lives(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_jsonl(tmp_path / "nope.jsonl", SCHEMA)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no rows"):
        load_jsonl(write(tmp_path, [""]), SCHEMA)


def test_shipped_heldout_instructions_are_valid_and_cover_every_category():
    rows = load_instructions()
    assert len(rows) >= 50
    assert {r["category"] for r in rows} == set(INSTRUCTION_CATEGORIES)
