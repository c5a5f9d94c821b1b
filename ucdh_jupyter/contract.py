"""The wire contract's base: one strict pydantic model for request and response bodies,
one parser that turns a request's errors into a 400 naming the field, and one
serialiser that checks a response against its model.

The models of each area (``models.py``, ``s3/models.py``, ``compute/models.py``,
``runs/models.py``) are the contract: ``openapi.yaml`` is generated from them
(``python -m ucdh_jupyter.openapi``) and ``src/schema.ts`` from the spec.

Every model is strict (``"false"`` is not a boolean, ``"3"`` is not a number) and
forbids fields it does not declare, so a body that does not fit the request kind is
refused instead of half-read. pydantic costs ~0.4 s to import, so this module (and
every ``models`` module built on it) is imported on first use, never at server start.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

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


class Reply(StrictModel):
    """A response body. Strict and closed like a request: a field the server sends but
    the model does not declare, or of another type, is a server error caught by every
    route test, not a silent change of the contract."""


def schema_ref(name: str) -> WithJsonSchema:
    """Document a field as the named schema ``name`` of the spec (a string whose rules
    the service checks and names in its 400; see :data:`NAMED_SCHEMAS`)."""
    # Not "$ref": pydantic would look the name up among the models; the spec's generator
    # (ucdh_jupyter.openapi) turns this into the reference.
    return WithJsonSchema({"x-schema": name})


# ``x: int | Absent = None``: a field that may be left out but is never null on the wire
# (``reply`` leaves out what the service did not set).
Absent = SkipJsonSchema[None]

# A finite number (no NaN, no infinity). On the type, not the field: a field constraint
# on ``float | Absent`` would be checked on a null too.
Finite = Annotated[float, Field(allow_inf_nan=False)]
# A time on the wire: ISO 8601 text, as the services write it.
DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
BucketName = Annotated[str, schema_ref("BucketName")]
ObjectKey = Annotated[str, schema_ref("ObjectKey")]
KeyPrefix = Annotated[str, schema_ref("KeyPrefix")]
RunId = Annotated[str, schema_ref("RunId")]
InstanceTypeName = Annotated[str, schema_ref("InstanceTypeName")]

_NO_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f"
# Text of at least one character, none of them a control character (an object key, a
# folder): the rule the S3 service checks, for the spec.
PRINTABLE = f"^[^{_NO_CONTROL}]+$"

# The named strings of the spec. They document the rules the services check (with a
# 400 in the UI's words), which is why the models above do not enforce them.
NAMED_SCHEMAS: dict[str, dict[str, Any]] = {
    "BucketName": {
        "type": "string",
        "minLength": 3,
        "maxLength": 63,
        "pattern": "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
        "description": "S3 bucket naming rules (also no '..', '.-', '-.', IP-address form or"
        " reserved affixes)",
        "example": "ucdh-demo-cardiology",
    },
    "ObjectKey": {
        "type": "string",
        "minLength": 1,
        "maxLength": 1024,
        "pattern": PRINTABLE,
        "description": "Taken literally; 1 to 1,024 UTF-8 bytes, no control characters",
    },
    "KeyPrefix": {
        "type": "string",
        "maxLength": 1024,
        "pattern": f"^[^{_NO_CONTROL}]*$",
        "description": 'A key prefix ("" for the bucket root); no control characters',
    },
    "RunId": {
        "type": "string",
        "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$",
        "description": "ULID (Crockford base32, 26 characters)",
        "example": "01JB9Z6Q2T3V4W5X6Y7Z8A9B0C",
    },
    "InstanceTypeName": {
        "type": "string",
        "pattern": "^[a-z0-9-]+\\.[a-z0-9-]+$",
        "example": "m5.xlarge",
    },
}


def reply(model: type[M], data: Any) -> dict[str, Any]:
    """``data`` as the JSON body ``model`` describes. A body that does not fit is a bug
    of the server: the error names the model and the fields, never their values (which
    can be object keys or parameter values)."""
    try:
        return model.model_validate(data).model_dump(mode="json", exclude_unset=True)
    except ValidationError as exc:
        fields = ", ".join(
            f"{field_name(tuple(error.get('loc', ())))} ({error.get('type')})"
            for error in exc.errors(include_url=False, include_input=False)[:5]
        )
        raise ReplyError(
            f"The server's {model.__name__} does not fit its model: {fields}."
        ) from None


class ReplyError(RuntimeError):
    """A response body that breaks the contract (see :func:`reply`)."""
