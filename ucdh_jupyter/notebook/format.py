"""How the magics and widgets write things for people, and read a magic's line: one
module, so ``%ucdh_instances``, ``%ucdh_run``, ``%s3`` and the widgets agree.

No import of the magics themselves: each magic module imports from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring


def without_comment(line: str) -> str:
    """``line`` without its trailing ``# comment``, as a shell reads it: a ``#`` starts a
    comment only at the start or after whitespace, outside quotes, so ``s3://b/a#b`` and
    ``"notes #1.txt"`` keep theirs. README examples carry such comments."""
    quote = ""
    escaped = False
    boundary = True  # at the start, or after whitespace that separates words
    for index, char in enumerate(line):
        if escaped:
            escaped, boundary = False, False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote, boundary = char, False
        elif char == "#" and boundary:
            return line[:index].rstrip()
        else:
            boundary = char.isspace()
    return line


def parse_line(magic: Callable[..., Any], line: str) -> Any:
    """The arguments of a line magic declared with ``@magic_arguments``, comment removed."""
    return parse_argstring(magic, without_comment(line))


def money(value: float | None, digits: int = 2) -> str:
    """``$1.54``; ``unknown`` for a missing price."""
    return "unknown" if value is None else f"${value:,.{digits}f}"


def price_label(prices: Mapping[str, Any], region: str | None = None) -> str:
    """``AWS list prices, us-east-1, 2026-07-20 (bundled). <detail>``: the words of the
    sidebar's price line (src/compute/prices.ts), then how the prices were obtained."""
    if prices["source"] == "unknown":
        return f"No AWS prices for {region or 'this region'}. {prices['detail']}"
    parts = ["AWS list prices", *([region] if region else [])]
    if prices.get("as_of"):
        parts.append(prices["as_of"][:10])
    return f"{', '.join(parts)} ({prices['source']}). {prices['detail']}"


def parse_hours(text: str) -> tuple[float, float]:
    """``3`` → (3, 3); ``2-4`` → (2, 4); anything else is a usage error."""
    low, _, high = text.partition("-")
    try:
        return float(low), float(high or low)
    except ValueError:
        raise UsageError(f"--hours takes a number or a range such as 2-4, not {text!r}") from None


def gpu_text(row: Mapping[str, Any]) -> str:
    """``1 x NVIDIA T4 (16 GiB)``, or empty for a type without GPU."""
    if not row["gpu_count"]:
        return ""
    memory = f" ({row['gpu_memory_gib']:g} GiB)" if row["gpu_memory_gib"] else ""
    return f"{row['gpu_count']} x {row['gpu_model']}{memory}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A plain-text table with aligned columns (``right``: right-aligned column indexes)."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])
