"""docs/security.md's numbers are held by tests: each row of its table names a test that exists and
states the number by its literal value."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "security.md"
ROW = re.compile(r"^\| (?P<rule>[^|]+) \| (?P<number>[^|]+) \| `(?P<path>[^:`]+)::(?P<test>\w+)` \|$")

# How each number may be written in a test: the literals that stand for it.
SPELLINGS = {
    "6": ["6}", "six"], "600 s": ["600"], "5": ["(5)", "range(5)", "(4, 3, 2, 1)"], "30 s": ["at(30)"],
    "30": ["cap = 30"], "100": ["range(100)"], "256 bits (43 characters)": [">= 43"],
    "30 min": ["30 * 60"], "12 h": ["12 * 3600"], "12": ["$2b$12$"],
    "12 characters to 72 bytes": ['"a" * 11', '"a" * 12', '"é" * 36'], "3": ["range(3)"],
    "15 min": ["15 * 60"], "2 h": ["2 * 3600"], "2 MB": ["2 * 1024 * 1024"],
    "200": ["200 - 1"], "180 days": ["180 * 86400"], "1 per hour": ["# once per window"],
    "20 MB": ["20 * MB"], "512 KiB": ["512 * 1024"], "1 year": ["max-age=31536000"],
    "8": ["== 8"], "15 s": ["[15, 30"], "5 min": ["5 * 60"],
    "10 MB": ["10 * 1024 * 1024"], "PNG, JPEG, WebP": ['{"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}'],
    "72 h": ["hours=72"],
    "80 bits (20 hex characters)": ["{20}"],
    "300 s": ["at(300)"], "10": ["range(10)"], "10 an hour": ["range(10)"], "30 an hour": ["range(30)"],
    "10 codes": ["== 10"], "30 days": ["30 * 86400"], "3600 s": ["at(3600)"], "3 an hour": ["range(3)"],
    "1 MiB": ["1024 * 1024"], "16 KiB": ["16 * 1024"],
    "20": ["range(20)"],
    "24 h": ["hours=24"], "1 month": ["datetime(2026, 4, 15, 10"], "10 min": ["minutes=10"],
}


def rows() -> list[dict[str, str]]:
    return [m.groupdict() for line in DOC.read_text().splitlines() if (m := ROW.match(line.strip()))]


def test_the_table_lists_every_rule():
    assert len(rows()) >= 21


def test_each_number_is_held_by_a_named_test_by_its_literal_value():
    for row in rows():
        source = (REPO_ROOT / row["path"]).read_text()
        functions = {node.name: ast.get_source_segment(source, node) for node in ast.parse(source).body
                     if isinstance(node, ast.FunctionDef)}
        assert row["test"] in functions, f"{row['path']}::{row['test']} does not exist"
        body = functions[row["test"]]
        spellings = SPELLINGS.get(row["number"].strip())
        assert spellings, f"no spelling known for {row['number']!r}: add one to SPELLINGS"
        if row["number"].strip() == "30 s" and "first staff lock" in row["rule"]:
            spellings = ["== 30"]
        assert any(s in body for s in spellings), f"{row['test']} does not state {row['number']} literally"
