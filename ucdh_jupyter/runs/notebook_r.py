"""R notebooks (IRkernel): their parameters cell, the values papermill can pass them,
the packages they load, and the Databricks source format they are imported in.

Read statically, like the Python side: a small scanner splits the parameters cell into
statements (strings, comments and brackets respected) and only literal defaults are
read; nothing is evaluated. The values a run may pass are those papermill's
``RTranslator`` writes as valid R, because on EC2 papermill itself injects them, and on
Databricks :func:`r_assignments` writes the very same cell.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import bad_request

_NAME = r"(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*"
_ASSIGNMENT = re.compile(rf"(?P<name>{_NAME})\s*(?:<<-|<-|=(?!=))\s*(?P<value>.+)", re.S)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?")
_HEX = re.compile(r"[+-]?0[xX][0-9a-fA-F]+L?")
_STRING = re.compile(r"""(?P<q>["'])(?P<body>(?:(?!(?P=q))[^\\]|\\.)*)(?P=q)""", re.S)
_ESCAPE = re.compile(
    r"\\(?:(?P<simple>[ntrbafv\\'\"` ])|x(?P<x>[0-9a-fA-F]{1,2})"
    r"|[uU]\{(?P<braced>[0-9a-fA-F]{1,8})\}|u(?P<u>[0-9a-fA-F]{1,4})"
    r"|U(?P<big>[0-9a-fA-F]{1,8})|(?P<octal>[0-7]{1,3})|(?P<other>.))",
    re.S,
)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "a": "\a", "f": "\f", "v": "\v"}
_KEYWORDS: dict[str, Any] = {"TRUE": True, "FALSE": False, "NULL": None}
_LIBRARY = re.compile(
    r"\b(?:library|require|requireNamespace)\s*\(\s*[\"'`]?(?P<name>[A-Za-z][A-Za-z0-9.]*)"
)
_NOT_LITERAL = object()

SOURCE_HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "\n\n# COMMAND ----------\n\n"


def statements(source: str) -> list[str]:
    """Top-level statements of R code, comments dropped: split at newlines and ``;``
    outside strings and brackets, so ``x <- c(1,\\n 2)`` stays one statement."""
    found: list[str] = []
    current: list[str] = []
    quote, depth, index = "", 0, 0
    while index < len(source):
        char = source[index]
        if quote:
            current.append(char)
            if char == "\\" and index + 1 < len(source):
                current.append(source[index + 1])
                index += 1
            elif char == quote:
                quote = ""
        elif char == "#":
            while index + 1 < len(source) and source[index + 1] != "\n":
                index += 1
        elif char in "\"'`":
            quote = char
            current.append(char)
        elif char in "([{":
            depth += 1
            current.append(char)
        elif char in ")]}":
            depth = max(0, depth - 1)
            current.append(char)
        elif char in "\n;" and depth == 0:
            found.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    found.append("".join(current).strip())
    return [statement for statement in found if statement]


def _unescape(match: re.Match[str]) -> str:
    groups = match.groupdict()
    if groups["simple"]:
        return _SIMPLE.get(groups["simple"], groups["simple"])
    for name, base in (("x", 16), ("braced", 16), ("u", 16), ("big", 16), ("octal", 8)):
        if groups[name]:
            code = int(groups[name], base)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0:
                raise ValueError("not a character R accepts")
            return chr(code)
    raise ValueError("an escape R does not know")


def r_literal_value(text: str) -> Any:
    """The value of an R literal (number, string, TRUE/FALSE, NULL), else a sentinel
    that :func:`r_parameters` reports as None (a call such as ``c(1, 2)``, ``Sys.Date()``)."""
    text = text.strip()
    if text in _KEYWORDS:
        return _KEYWORDS[text]
    if _HEX.fullmatch(text):
        return int(text.rstrip("L"), 16)
    if _NUMBER.fullmatch(text):
        number = text.rstrip("L")
        is_int = not any(mark in number for mark in ".eE")
        return int(number) if is_int else float(number)
    string = _STRING.fullmatch(text)
    if string:
        try:
            return _ESCAPE.sub(_unescape, string.group("body"))
        except ValueError:
            return _NOT_LITERAL
    return _NOT_LITERAL


def r_parameters(source: str) -> dict[str, Any]:
    """Names assigned in an R parameters cell (``alpha <- 0.5``, ``alpha = 0.5``), with
    their default when it is a literal, else None (as the Python side does)."""
    found: dict[str, Any] = {}
    for statement in statements(source):
        assignment = _ASSIGNMENT.fullmatch(statement)
        if assignment is None:
            continue
        value = r_literal_value(assignment.group("value"))
        found[assignment.group("name")] = None if value is _NOT_LITERAL else value
    return found


def _r_problem(value: Any) -> str | None:
    """Why papermill's R translator cannot write ``value`` as valid R, or None."""
    if isinstance(value, (list, dict)):
        return (
            "a list or an object would arrive as an R list(), not as a vector made with c(), "
            "so the notebook would not compute what it computes with its default"
        )
    if isinstance(value, float) and not math.isfinite(value):
        return "Inf and NaN cannot be passed as parameter values"
    if isinstance(value, str) and any(
        0x80 <= ord(c) <= 0xFF or 0xD800 <= ord(c) <= 0xDFFF or c == "\0" for c in value
    ):
        return (
            "papermill writes letters such as é or ü as Latin-1 bytes, which R reads as an "
            "invalid string"
        )
    return None


def check_r_values(parameters: dict[str, Any]) -> None:
    """A 400 naming the first parameter whose value cannot be passed to an R notebook;
    values themselves are never repeated (they may be sensitive)."""
    for name, value in parameters.items():
        problem = _r_problem(value)
        if problem:
            raise bad_request(
                f"The parameter {name!r} cannot be passed to an R notebook: {problem}.",
                "Pass one number, text (plain ASCII), true/false or null per parameter; "
                'for several values pass text such as "1,2,3" and split it in the notebook '
                "with strsplit(), or set the value in the notebook itself.",
            )


def r_literal(value: Any) -> str:
    """``value`` written as R exactly as papermill's ``RTranslator`` writes it."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        escaped = value.encode("unicode_escape").decode("utf-8").replace('"', r"\"")
        return f'"{escaped}"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dict):
        return (
            "list("
            + ", ".join(f"{r_literal(str(k))} = {r_literal(v)}" for k, v in value.items())
            + ")"
        )
    if isinstance(value, list):
        return "list(" + ", ".join(r_literal(v) for v in value) + ")"
    return f"{value}"


def r_assignments(parameters: dict[str, Any]) -> str:
    """The cell papermill injects into an R notebook: ``# Parameters`` then ``name = value``."""
    lines = ["# Parameters"] + [
        f"{name} = {r_literal(value)}" for name, value in parameters.items()
    ]
    return "\n".join(lines) + "\n"


def r_libraries(sources: list[str]) -> set[str]:
    """Packages the code loads with ``library()``, ``require()`` or ``requireNamespace()``."""
    names: set[str] = set()
    for source in sources:
        for statement in statements(source):
            names.update(match.group("name") for match in _LIBRARY.finditer(statement))
    return names


def databricks_source(cells: list[dict[str, Any]]) -> str:
    """The notebook in Databricks' source format for R (what a workspace import with
    ``format=SOURCE, language=R`` reads): code cells as they are, markdown as ``%md``
    magic lines, cells split by ``# COMMAND ----------``."""
    parts = []
    for cell in cells:
        raw = cell.get("source", "")
        source = ("".join(raw) if isinstance(raw, list) else str(raw)).rstrip("\n")
        if cell.get("cell_type") == "markdown" and source.strip():
            lines = ["%md", *source.splitlines()]
            parts.append("\n".join(f"# MAGIC {line}".rstrip() for line in lines))
        elif cell.get("cell_type") == "code" and source.strip():
            parts.append(source)
    return SOURCE_HEADER + "\n" + CELL_SEPARATOR.join(parts) + "\n"
