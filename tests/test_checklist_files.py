"""Validation of checklist files: each problem with its line number; NFC; bad bytes."""

import unicodedata

import pytest

from qms import checklist_files, config, standards

GOOD = """\
id: "mini"
version: "1"
standard: "TCVN ISO 9001:2015"
title: {vi: "Danh mục nhỏ", en: "Small checklist"}
clauses:
  - clause: "7.5.3"
    title: {vi: "Kiểm soát thông tin dạng văn bản", en: "Control of documented information"}
    questions:
      - id: "Q1"
        text: {vi: "Tài liệu có được kiểm soát?", en: "Are documents controlled?"}
        guidance: {vi: "Xem danh mục tài liệu.", en: "See the document list."}
"""


def problems(text):
    checklist, found = checklist_files.parse_text(text)
    assert (checklist is None) == bool(found)
    return [(p.line, p.key) for p in found]


def test_good_file_parses():
    checklist, found = checklist_files.parse_text(GOOD)
    assert found == [] and checklist_files.question_count(checklist) == 1
    assert checklist["clauses"][0]["questions"][0]["text"]["en"] == "Are documents controlled?"


@pytest.mark.parametrize("change,expected", [
    (lambda s: s.replace('version: "1"\n', 'version: "1"\nauthor: "x"\n'), [(3, "checklist.err.unknown_key")]),
    (lambda s: s.replace(', en: "Are documents controlled?"', ""), [(10, "checklist.err.missing_language")]),
    (lambda s: s.replace('"Are documents controlled?"', '""'), [(10, "checklist.err.empty_text")]),
    (lambda s: s.replace('clause: "7.5.3"', 'clause: "7.9"'), [(6, "checklist.err.unknown_clause")]),
    (lambda s: s + '      - id: "Q1"\n        text: {vi: "a", en: "b"}\n', [(12, "checklist.err.duplicate_id")]),
    (lambda s: s.replace("    questions:", "   questions:"), [(8, "checklist.err.yaml")]),
    (lambda s: s.replace('standard: "TCVN ISO 9001:2015"', 'standard: "ISO 14001:2015"'),
     [(3, "checklist.err.unknown_standard")]),
    (lambda s: s.replace('id: "mini"\n', ""), [(1, "checklist.err.missing_key")]),
    # What the database would refuse (PostgreSQL) is a problem at its line, on both engines, before any import.
    (lambda s: s.replace('id: "Q1"', 'id: "' + "Q" * 61 + '"'), [(9, "checklist.err.text_too_long")]),
    (lambda s: s.replace('version: "1"', 'version: "' + "9" * 41 + '"'), [(2, "checklist.err.text_too_long")]),
    (lambda s: s.replace('"Are documents controlled?"', '"Are documents\\0 controlled?"'),
     [(10, "checklist.err.text_control")]),
])
def test_each_problem_has_its_line(change, expected):
    assert problems(change(GOOD)) == expected


def test_unknown_key_inside_question():
    text = GOOD.replace('        guidance:', '        owner: "x"\n        guidance:')
    assert problems(text) == [(11, "checklist.err.unknown_key")]


def test_vietnamese_only_checklist():
    text = GOOD.replace('clauses:', 'languages: [vi]\nclauses:')
    assert problems(text) != []  # English given but not listed
    vi_only = text.replace(', en: "Small checklist"', "").replace(', en: "Control of documented information"', "") \
        .replace(', en: "Are documents controlled?"', "").replace(', en: "See the document list."', "")
    assert problems(vi_only) == []


def test_nfd_input_is_stored_nfc():
    checklist, found = checklist_files.parse_text(unicodedata.normalize("NFD", GOOD))
    assert found == []
    text = checklist["clauses"][0]["questions"][0]["text"]["vi"]
    assert text == unicodedata.normalize("NFC", "Tài liệu có được kiểm soát?")
    assert checklist_files.fingerprint(checklist) == checklist_files.fingerprint(checklist_files.parse_text(GOOD)[0])


@pytest.mark.parametrize("raw,key", [(b"", "checklist.err.empty_file"), (b"   \n", "checklist.err.empty_file"),
                                     (b"\x89PNG\r\n\x1a\n\x00\x00", "checklist.err.binary"),
                                     (b"\xff\xfe\xfa", "checklist.err.binary")])
def test_empty_or_binary_file(tmp_path, raw, key):
    path = tmp_path / "bad.yaml"
    path.write_bytes(raw)
    checklist, found = checklist_files.parse_file(path)
    assert checklist is None and [(p.line, p.key) for p in found] == [(1, key)]


def test_bundled_checklists_are_valid():
    for path in sorted(config.CHECKLIST_DIR.glob("*.yaml")):
        checklist, found = checklist_files.parse_file(path)
        assert found == [], path.name


def test_every_auditable_clause_has_a_question_in_both_languages():
    checklist, _ = checklist_files.parse_file(config.CHECKLIST_DIR / "tcvn-iso-9001-2015.yaml")
    covered = {c["clause"] for c in checklist["clauses"]
               if any(q["text"]["vi"] and q["text"]["en"] for q in c["questions"])}
    leaves = {number for number, c in standards.clauses().items() if c["auditable_leaf"]}
    assert sorted(leaves - covered, key=standards.clause_sort_key) == []
    assert checklist_files.question_count(checklist) >= 150
    na = {c["clause"] for c in checklist["clauses"] if c["not_applicable"]}
    assert na == {f"8.3.{n}" for n in range(1, 7)}


def test_deep_nesting_is_refused_at_its_line():
    text = GOOD + "# " + "x" * 10 + "\n"
    text = text.replace('clauses:\n', 'clauses:\n  - clause: ' + "[" * 5000 + "]" * 5000 + '\n', 1)
    found = problems(text)
    assert found == [(6, "checklist.err.yaml_depth")]


def test_deep_nesting_below_the_limit_is_only_a_content_problem():
    text = GOOD.replace('version: "1"', 'version: ' + "[" * 15 + "]" * 15)
    assert problems(text) == [(2, "checklist.err.not_text")]


def laughs(levels: int) -> str:
    """The "billion laughs" YAML: each level repeats the one below nine times, by alias."""
    lines = ['a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels + 1)]
    lines.append(f"? *a{levels}\n: boom")
    return "\n".join(lines) + "\n"


def test_alias_fan_out_is_refused_without_expanding_it():
    assert problems(laughs(9)) == [(1, "checklist.err.yaml_alias")]


def test_even_a_harmless_alias_is_refused_at_its_line():
    text = GOOD.replace('guidance: {vi: "Xem danh mục tài liệu.", en: "See the document list."}',
                        'guidance: &g {vi: "Xem danh mục tài liệu.", en: "See the document list."}')
    assert problems(text) == [(11, "checklist.err.yaml_alias")]


@pytest.mark.parametrize("broken,line", [
    ('title: {vi: "Danh mục nhỏ", en: "Small checklist}', 4),
    ('title: [{vi: "Danh mục nhỏ", en: "Small checklist"}', 4),
])
def test_unclosed_quote_or_bracket_points_where_it_opens(broken, line):
    text = GOOD.replace('title: {vi: "Danh mục nhỏ", en: "Small checklist"}', broken) + "# tail\n" * 30
    assert problems(text) == [(line, "checklist.err.yaml_unclosed")]


def test_file_over_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("QMS_IMPORT_MAX_MB", "1")
    path = tmp_path / "big.yaml"
    path.write_bytes(GOOD.encode() + b"#" * (1024 * 1024) + b"\n")
    checklist, found = checklist_files.parse_file(path)
    assert checklist is None and [(p.line, p.key, p.params) for p in found] == [(1, "checklist.err.too_large",
                                                                                 {"mb": 1})]
