"""User and file text shown through Streamlit's Markdown stays text: the escape helper neutralises every kind of
Markdown Streamlit interprets, and no page hands a stored value to a Markdown element without it."""

import ast
import re
from pathlib import Path

import pytest

from qms.errors import ValidationError
from qms.ui import i18n
from qms.ui.markdown import WORD_JOINER, md_escape
from tests.markdown_text import shown

ROOT = Path(__file__).resolve().parent.parent
UI_SOURCES = [ROOT / "app.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("qms/ui/*.py"))]

# The frontend's own tests on the raw source decide whether emoji, LaTeX and Material icons are drawn
# (streamlit frontend, StreamlitMarkdown.tsx: containsEmojiShortcodes, containsMathSyntax, ":material/").
EMOJI = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")
MATH = re.compile(r"\$\$[\s\S]+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$")
# What widget labels escape by themselves at a line start (so an escaped text must not look like it either).
LABEL_LINE_START = re.compile(r"^(\s*)((?:[+\-*]|#+)(?=\s|$)|>)|^(\s*)(\d+)([.)])(?=\s|$)", re.M)

PAYLOADS = {
    "image": "![x](http://127.0.0.1:9/x.png)",
    "sign-out image": "![ ](/auth/logout)",
    "link": "[link](http://127.0.0.1:9/)",
    "reference link": "[a][1]\n\n[1]: http://127.0.0.1:9/",
    "autolink": "<http://127.0.0.1:9/>",
    "colour": ":red[RED] :blue-background[x] :green-badge[y] :color[z]{foreground=\"red\"}",
    "icon": ":material/pets: :material_pets:",
    "logo": ":streamlit:",
    "emoji": ":smile: :+1:",
    "latex": "$x^2$ and $$\\int f$$",
    "html": "<img src=x onerror=alert(1)><b>bold</b>",
    "emphasis": "**bold** __b__ *i* _i_ ~~s~~ `code`",
    "heading": "# title",
    "quote": "> quoted",
    "list": "- item\n+ item\n* item\n1. first\n2) second",
    "setext heading": "title\n===\nsub\n---",
    "indented code": "    print(1)",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "backslash": "C:\\hồ sơ\\ \\*",
    "entity": "&copy; &#58;red[x]",
}


@pytest.mark.parametrize("kind", PAYLOADS)
def test_escape_shows_every_character_and_interprets_none(kind):
    text = PAYLOADS[kind]
    out = md_escape(text)
    typed = "\n".join(line.lstrip(" \t") for line in text.splitlines())  # leading blanks HTML would drop anyway
    assert shown(out) == typed
    # Every ASCII punctuation character is escaped or a character reference, so no Markdown syntax is left.
    bare = re.sub(r"\\.|&#58;|&#36;", "", out)
    assert not re.search(r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]""", bare)
    assert ":" not in out.replace("&#58;", "") and "$" not in out.replace("&#36;", "")
    assert not EMOJI.search(out) and not MATH.search(out) and ":material/" not in out
    assert not LABEL_LINE_START.search(out)
    assert not re.search(r"^ {4}|^\t", out, re.M)


def test_plugins_on_the_parsed_text_meet_a_word_joiner():
    # Icons and the logo are found after escapes are decoded, so the decoded text must not spell them.
    decoded = md_escape(":streamlit: :material_pets: :material/pets:").replace("&#58;", ":").replace("\\", "")
    assert ":streamlit:" not in decoded and ":material_pets:" not in decoded
    assert decoded.replace(WORD_JOINER, "") == ":streamlit: :material_pets: :material/pets:"


def test_plain_text_reads_as_typed():
    assert md_escape("UBND phường Hòa Bình") == "UBND phường Hòa Bình"
    assert md_escape(None) == "None" and md_escape(12) == "12" and md_escape("") == ""
    assert md_escape("dòng 1\n  dòng 2") == "dòng 1  \ndòng 2"


def test_a_refusal_quotes_names_as_typed(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "en")
    text = i18n.error_text(ValidationError("error.code_taken", code="![x](http://127.0.0.1:9/x.png)"))
    assert "![" not in text and "\\!\\[x\\]" in text


# Elements that render their text (or label) as Markdown, and which argument holds it.
MARKDOWN_TEXT = {"markdown", "write", "caption", "info", "warning", "error", "success", "toast", "title", "header",
                 "subheader", "expander", "popover", "tabs", "metric", "button", "download_button", "link_button",
                 "form_submit_button", "checkbox", "toggle", "radio", "pills", "segmented_control", "selectbox",
                 "multiselect", "text_input", "text_area", "number_input", "date_input", "time_input",
                 "file_uploader", "camera_input", "slider", "select_slider", "color_picker", "page_link", "status",
                 "progress", "image", "flash"}
MARKDOWN_KEYWORDS = {"label", "body", "caption", "text", "help"}
MARKDOWN_OPTIONS = {"radio", "pills", "segmented_control"}  # their options too (selectbox options are plain text)
# Helpers whose result is safe in Markdown whatever they are given.
# problem_text: a workbook's problem in words, its parameters escaped (qms/ui/column_map.py).
SAFE_CALLS = {"md_escape", "label", "labeler", "date_text", "datetime_text", "error_text", "problem_text", "len",
              "int", "sum"}
# Stored numbers a screen shows inside a message.
NUMBER_KEYS = {"total", "answered", "year", "planned", "active", "audited", "reopen_count", "size", "count"}


def _data(node: ast.AST, tainted: frozenset = frozenset(), calls: bool = True) -> list[ast.AST]:
    """Stored values inside `node` that reach the Markdown unescaped; `tainted` names hold stored values too."""
    if isinstance(node, ast.Name):
        return [node] if node.id in tainted else []
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "join" and isinstance(node.func.value, ast.Constant):  # text joined is text
            return [bad for a in node.args for bad in _data(a, tainted, calls)]
        if name in SAFE_CALLS or not calls:
            return []
        if name == "t":
            return [bad for k in node.keywords for bad in _data(k.value, tainted)]
        return [bad for a in [*node.args, *(k.value for k in node.keywords)] for bad in _data(a, tainted)]
    if isinstance(node, ast.Subscript):
        key = node.slice
        return [] if isinstance(key, ast.Constant) and key.value in NUMBER_KEYS else [node]
    if isinstance(node, ast.Attribute):  # upload.name, result.source; not st.x or a module's CONSTANT
        return [] if node.attr.isupper() or not isinstance(node.value, ast.Name) or node.value.id == "st" else [node]
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add) or isinstance(node, ast.Compare):
        return []  # arithmetic or a comparison: a number or a truth value
    if isinstance(node, ast.IfExp):  # the condition is not shown
        return _data(node.body, tainted, calls) + _data(node.orelse, tainted, calls)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return _data(node.elt, tainted, calls)
    if isinstance(node, ast.Lambda):
        return _data(node.body, tainted, calls)
    return [bad for child in ast.iter_child_nodes(node) for bad in _data(child, tainted, calls)]


def _own_nodes(scope: ast.AST):
    """The nodes of a module or function, without those of the functions defined inside it."""
    for child in ast.iter_child_nodes(scope):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield child
            yield from _own_nodes(child)


def _tainted(scope: ast.AST) -> frozenset:
    """Names a scope binds to stored values: `title = f"{row['code']} …"`, `name, mime, data = contents[i]`.

    What a domain call returns is not followed (counts and totals would all look like stored text)."""
    names: set[str] = set()
    while True:
        before = len(names)
        for node in _own_nodes(scope):
            if isinstance(node, ast.Assign) and _data(node.value, frozenset(names), calls=False):
                names |= {n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)}
            if isinstance(node, ast.For):
                names |= _bound(node.target, node.iter, frozenset(names))
        if len(names) == before:
            return frozenset(names)


def _bound(target: ast.AST, values: ast.AST, tainted: frozenset) -> set[str]:
    """The loop variables bound to stored values; a literal tuple of rows is followed position by position."""
    if isinstance(target, ast.Tuple) and isinstance(values, (ast.Tuple, ast.List)) and all(
            isinstance(row, ast.Tuple) and len(row.elts) == len(target.elts) for row in values.elts):
        return {name for n, part in enumerate(target.elts) for row in values.elts
                for name in _bound(part, ast.Tuple([row.elts[n]]), tainted)}
    if not _data(values, tainted, calls=False):
        return set()
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _markdown_arguments(call: ast.Call) -> list[ast.AST]:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name not in MARKDOWN_TEXT:
        return []
    found = [k.value for k in call.keywords if k.arg in MARKDOWN_KEYWORDS]
    if name == "progress":
        found += call.args[1:2]
    elif call.args and name not in ("image", "page_link"):
        found.append(call.args[0])
    if name in MARKDOWN_OPTIONS:
        found += [k.value for k in call.keywords if k.arg == "format_func"]
    return found


def unescaped(source: str) -> list[str]:
    """Every stored value that `source` passes to a Markdown element without md_escape."""
    tree = ast.parse(source)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    found = []
    for scope in scopes:
        tainted = _tainted(scope)
        for node in _own_nodes(scope):
            if isinstance(node, ast.Call):
                found += [f"{bad.lineno}: {ast.unparse(bad)}" for argument in _markdown_arguments(node)
                          for bad in _data(argument, tainted)]
    return found


def test_no_stored_value_reaches_markdown_unescaped():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in UI_SOURCES
             for line in unescaped(path.read_text(encoding="utf-8"))]
    assert found == [], "wrap these in md_escape (qms/ui/markdown.py):\n" + "\n".join(found)


def test_the_check_sees_raw_values():
    assert unescaped("st.caption(f\"{t('x')}: {finding['requirement_ref']}\")") == ["1: finding['requirement_ref']"]
    assert unescaped("st.caption(f\"{t('x')}: {md_escape(finding['requirement_ref'])}\")") == []
    assert unescaped("def f(files):\n    for name, data in files['x']:\n        st.image(data, caption=name)") \
        == ["3: name"]
    assert unescaped("flash(t('units.created', code=upload.name))") == ["1: upload.name"]
    assert unescaped("names = ', '.join(u['name'] for u in units)\nst.markdown(names)") == ["2: names"]
    assert unescaped("st.radio('x', [1], format_func=lambda i: names[i])") == ["1: names[i]"]
    assert unescaped("st.selectbox('x', [1], format_func=lambda i: names[i])") == []  # options are plain text
