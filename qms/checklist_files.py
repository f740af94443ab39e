"""Checklist files (DESIGN.md §5): parse YAML, validate with line numbers, normalise text to NFC.

`parse` never raises on bad content: it returns the checklist (or None) and a list of problems, each
`Problem(line, key, params)` where key is an i18n catalog key, so the CLI and the Checklists screen
can report every problem in the user's language.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlmodel import SQLModel

from qms import limits, standards
from qms.config import LANGUAGES
from qms.models import text_problem
from qms.text import nfc

TOP_KEYS = {"id", "version", "standard", "title", "languages", "clauses"}
TOP_REQUIRED = ("id", "version", "standard", "title", "clauses")
CLAUSE_KEYS = {"clause", "title", "questions", "not_applicable"}
QUESTION_KEYS = {"id", "text", "guidance"}


@dataclass(frozen=True)
class Problem:
    line: int
    key: str
    params: dict = field(default_factory=dict)


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, mark, key: str, **params) -> None:
        super().__init__(problem=key, problem_mark=mark)
        self.key, self.params = key, params


class _Loader(yaml.SafeLoader):
    """Composes nodes only, refusing aliases and deep nesting before they cost anything.

    An alias lets a 50 KB file stand for billions of nodes, and the composer recurses once per nesting
    level; a checklist needs neither.
    """

    def __init__(self, stream: str, cap: limits.ImportLimits) -> None:
        super().__init__(stream)
        self._depth, self._max_depth, self._nodes, self._max_nodes = 0, cap.yaml_depth, 0, cap.yaml_nodes

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "checklist.err.yaml_alias")
        # The pure-Python composer costs about 0.1 ms and 0.7 KB a node: a file of tiny items is its own bomb.
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise _Refused(event.start_mark, "checklist.err.yaml_too_many_nodes", limit=limits.grouped(self._max_nodes))
        if self._depth >= self._max_depth:
            raise _Refused(event.start_mark, "checklist.err.yaml_depth", depth=self._max_depth)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose(text: str):
    loader = _Loader(text, limits.imports())
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, _Refused):
        return Problem(exc.problem_mark.line + 1, exc.key, exc.params)
    problem, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    detail = getattr(exc, "problem", "") or ""
    # An unclosed quote or bracket is only noticed where the text runs out (often the end of the file);
    # the line that opened it is the one to fix.
    opened = getattr(exc, "context", "") or ""
    if context and problem and context.line < problem.line and ("quoted scalar" in opened or "flow" in opened):
        return Problem(context.line + 1, "checklist.err.yaml_unclosed", {"detail": detail, "end": problem.line + 1})
    mark = problem or context
    return Problem(mark.line + 1 if mark else 1, "checklist.err.yaml", {"detail": detail})


def _key_text(node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return node.value if len(node.value) <= 80 else node.value[:79] + "…"
    return "[…]" if isinstance(node, yaml.SequenceNode) else "{…}"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, node_or_line, msg: str, **params) -> None:
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        self.problems.append(Problem(line, msg, params))

    def mapping(self, node, allowed: set[str], where: str) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self.add(node, "checklist.err.not_mapping", where=where)
            return None
        out = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                self.add(key_node, "checklist.err.unknown_key", key=_key_text(key_node), where=where)
            elif key in out:
                self.add(key_node, "checklist.err.duplicate_key", key=key, where=where)
            else:
                out[key] = value_node
        return out

    def scalar(self, node, where: str, column: str | None = None) -> str | None:
        """A non-empty text; `column` (("checklist", "version")) limits its length to what the database stores."""
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, "checklist.err.not_text", where=where)
            return None
        value = nfc(node.value)
        if not value:
            self.add(node, "checklist.err.empty_text", where=where)
            return None
        problem = text_problem(value, SQLModel.metadata.tables[column[0]].columns[column[1]].type.length
                               if column else None)
        if problem:
            self.add(node, "checklist.err." + problem[0].removeprefix("error."), where=where, **problem[1])
            return None
        return value

    def texts(self, node, languages: list[str], where: str, parent_line: int) -> dict | None:
        """A {vi, en} mapping with every listed language present and non-empty."""
        if node is None:
            self.add(parent_line, "checklist.err.missing_key", key=where)
            return None
        mapping = self.mapping(node, set(LANGUAGES), where)
        if mapping is None:
            return None
        out = {}
        for lang in languages:
            if lang not in mapping:
                self.add(node, "checklist.err.missing_language", lang=lang, where=where)
                continue
            out[lang] = self.scalar(mapping[lang], f"{where}.{lang}")
        for lang in mapping:
            if lang not in languages:
                self.add(mapping[lang], "checklist.err.language_not_listed", lang=lang, where=where)
        return out if all(out.get(lang) for lang in languages) else None


def parse_text(text: str) -> tuple[dict | None, list[Problem]]:
    """Validate checklist YAML text; returns (checklist, problems). The checklist is None on any problem."""
    checker = _Checker()
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc)]
    if root is None:
        checker.add(1, "checklist.err.empty_file")
        return None, checker.problems
    top = checker.mapping(root, TOP_KEYS, "checklist")
    if top is None:
        return None, checker.problems
    for key in TOP_REQUIRED:
        if key not in top:
            checker.add(1, "checklist.err.missing_key", key=key)
    languages = _languages(checker, top.get("languages"))
    data = {"id": checker.scalar(top["id"], "id", ("checklist", "code")) if "id" in top else None,
            "version": checker.scalar(top["version"], "version", ("checklist", "version")) if "version" in top else None,
            "standard": checker.scalar(top["standard"], "standard", ("checklist", "standard")) if "standard" in top else None,
            "languages": languages}
    data["title"] = checker.texts(top.get("title"), languages, "title", 1) if "title" in top else None
    known = None
    if data["standard"]:
        key = standards.key_for(data["standard"])
        if key is None:
            checker.add(top["standard"], "checklist.err.unknown_standard", standard=data["standard"])
        else:
            known = standards.clauses(key)
    data["clauses"] = _clauses(checker, top.get("clauses"), languages, known)
    if checker.problems:
        return None, checker.problems
    return data, []


def _languages(checker: _Checker, node) -> list[str]:
    if node is None:
        return list(LANGUAGES)
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        checker.add(node, "checklist.err.languages")
        return list(LANGUAGES)
    langs = [n.value for n in node.value if isinstance(n, yaml.ScalarNode)]
    bad = [lang for lang in langs if lang not in LANGUAGES]
    if bad or len(langs) != len(node.value) or len(set(langs)) != len(langs):
        checker.add(node, "checklist.err.languages")
        return [lang for lang in LANGUAGES if lang in langs] or list(LANGUAGES)
    return langs


def _clauses(checker: _Checker, node, languages: list[str], known: dict | None) -> list[dict]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        checker.add(node, "checklist.err.clauses_list")
        return []
    seen_clauses: set[str] = set()
    seen_ids: dict[str, int] = {}
    out = []
    for clause_node in node.value:
        mapping = checker.mapping(clause_node, CLAUSE_KEYS, "clause")
        if mapping is None:
            continue
        line = clause_node.start_mark.line + 1
        number = checker.scalar(mapping["clause"], "clause", ("checklistitem", "clause")) if "clause" in mapping else None
        if "clause" not in mapping:
            checker.add(line, "checklist.err.missing_key", key="clause")
        if number is not None:
            if known is not None and number not in known:
                checker.add(mapping["clause"], "checklist.err.unknown_clause", clause=number)
            if number in seen_clauses:
                checker.add(mapping["clause"], "checklist.err.duplicate_clause", clause=number)
            seen_clauses.add(number)
        title = checker.texts(mapping.get("title"), languages, "title", line)
        na = checker.texts(mapping["not_applicable"], languages, "not_applicable", line) \
            if "not_applicable" in mapping else None
        questions = _questions(checker, mapping.get("questions"), languages, seen_ids, line)
        out.append({"clause": number, "title": title, "not_applicable": na, "questions": questions})
    return out


def _questions(checker: _Checker, node, languages: list[str], seen_ids: dict[str, int], line: int) -> list[dict]:
    if node is None:
        checker.add(line, "checklist.err.missing_key", key="questions")
        return []
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        checker.add(node, "checklist.err.questions_list")
        return []
    out = []
    for q_node in node.value:
        mapping = checker.mapping(q_node, QUESTION_KEYS, "question")
        if mapping is None:
            continue
        q_line = q_node.start_mark.line + 1
        qid = checker.scalar(mapping["id"], "id", ("checklistitem", "item_key")) if "id" in mapping else None
        if "id" not in mapping:
            checker.add(q_line, "checklist.err.missing_key", key="id")
        if qid is not None:
            if qid in seen_ids:
                checker.add(mapping["id"], "checklist.err.duplicate_id", id=qid, first=seen_ids[qid])
            else:
                seen_ids[qid] = mapping["id"].start_mark.line + 1
        text = checker.texts(mapping.get("text"), languages, "text", q_line)
        guidance = checker.texts(mapping["guidance"], languages, "guidance", q_line) if "guidance" in mapping else None
        out.append({"id": qid, "text": text, "guidance": guidance})
    return out


def too_large(cap: limits.ImportLimits | None = None) -> list[Problem]:
    """The one problem of a file over the import cap (a checklist's, or the `cap` given)."""
    return [Problem(1, "checklist.err.too_large", {"mb": (cap or limits.imports()).file_mb})]


def read_text(raw: bytes) -> tuple[str | None, list[Problem]]:
    """Decode a file's bytes; binary, oversized or empty input is a problem, not a crash."""
    if len(raw) > limits.imports().file_bytes:
        return None, too_large()
    if b"\x00" in raw:
        return None, [Problem(1, "checklist.err.binary")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(1, "checklist.err.binary")]
    if not text.strip():
        return None, [Problem(1, "checklist.err.empty_file")]
    return text, []


def read_capped(path: str | Path, cap: limits.ImportLimits | None = None) -> bytes | None:
    """A file's bytes, or None when it is over the import cap (checked before reading it whole)."""
    cap = (cap or limits.imports()).file_bytes
    with open(path, "rb") as f:
        raw = f.read(cap + 1)
    return None if len(raw) > cap else raw


def parse_file(path: str | Path) -> tuple[dict | None, list[Problem]]:
    raw = read_capped(path)
    if raw is None:
        return None, too_large()
    text, problems = read_text(raw)
    if text is None:
        return None, problems
    return parse_text(text)


def fingerprint(checklist: dict) -> str:
    """A hash of the normalised content: the same checklist gives the same fingerprint however it is laid out."""
    return hashlib.sha256(json.dumps(checklist, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def question_count(checklist: dict) -> int:
    return sum(len(c["questions"]) for c in checklist["clauses"])


def dump(checklist: dict) -> str:
    """A checklist document as YAML in the bundled files' format (parse_text reads it back unchanged)."""
    def texts(value: dict) -> dict:
        return {lang: value[lang] for lang in checklist["languages"]}

    doc = {"id": checklist["id"], "version": checklist["version"], "standard": checklist["standard"],
           "title": texts(checklist["title"]), "languages": list(checklist["languages"]), "clauses": []}
    for clause in checklist["clauses"]:
        entry = {"clause": clause["clause"], "title": texts(clause["title"])}
        if clause.get("not_applicable"):
            entry["not_applicable"] = texts(clause["not_applicable"])
        entry["questions"] = []
        for q in clause["questions"]:
            question = {"id": q["id"], "text": texts(q["text"])}
            if q.get("guidance"):
                question["guidance"] = texts(q["guidance"])
            entry["questions"].append(question)
        doc["clauses"].append(entry)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
