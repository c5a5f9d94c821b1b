"""Strict request bodies: one pydantic base model and one parser that turns its errors
into a 400 naming the field.

Every model is strict (``"false"`` is not a boolean, ``"3"`` is not a number) and
forbids fields it does not declare, so a body that does not fit the request kind is
refused instead of half-read. pydantic costs ~0.4 s to import, so this module (and
every ``models`` module built on it) is imported on first use, never at server start.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import bad_request

M = TypeVar("M", bound=BaseModel)

# What a field error says, in the words of the UI rather than pydantic's.
_EXPECTED = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "extra_forbidden": "not a field of this request",
    "missing": "required",
}


class StrictModel(BaseModel):
    """A request body: exact JSON types, no undeclared fields, immutable once parsed."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def field_name(location: tuple[Any, ...]) -> str:
    """``files[2]`` / ``parameters.alpha`` from a pydantic error location."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def parse(model: type[M], data: Any) -> M:
    """``data`` (a decoded JSON body or a magic's arguments) as ``model``, or a 400 that
    names the first field that does not fit and what it must be."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        name = field_name(tuple(first.get("loc", ())))
        kind = str(first.get("type", ""))
        rule = _EXPECTED.get(kind) or str(first.get("msg", "invalid")).rstrip(".")
        if rule.startswith("Value error, "):
            rule = rule[len("Value error, ") :]
        raise bad_request(
            f"{name}: {rule}.", "Correct that field and send the request again."
        ) from None
