"""The notebook side's common ground: its one error face and the server's feature switches.

Magics and widgets build no AWS service of their own: they call the server's routes
through :mod:`.server_client`, so the settings the server was given (files, command
line, environment) are the ones a notebook obeys. Errors reach the user as one line
(IPython shows a ``UsageError`` without a traceback), never with the server's token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from IPython.core.error import UsageError

from ..errors import UcdhError
from ..server_client import ServerClient

T = TypeVar("T")
# The magics of each feature (the names IPython knows them by).
FEATURE_MAGICS = {
    "compute": ("ucdh_instances", "ucdh_estimate"),
    "s3": ("s3",),
    "runs": (
        "ucdh_run",
        "ucdh_runs",
        "ucdh_sweep",
        "ucdh_notify",
        "ucdh_schedule",
        "ucdh_schedules",
    ),
}
FEATURE_NAMES = {"s3": "S3", "compute": "The instance picker", "runs": "Running notebooks"}


def one_line(error: UcdhError) -> UsageError:
    """A server error as the one line a notebook shows: message, then hint (AWS's
    messages often end without a full stop: one is added before the hint)."""
    message = error.message.rstrip()
    if error.hint and not message.endswith((".", "!", "?", ")")):
        message += "."
    return UsageError(f"{message} {error.hint}".strip())


@contextmanager
def usage_errors() -> Iterator[None]:
    """Turn :class:`UcdhError` raised inside into a one-line :class:`UsageError`."""
    try:
        yield
    except UcdhError as error:
        raise one_line(error) from None


P = ParamSpec("P")


def magic_errors(magic: Callable[P, T]) -> Callable[P, T]:
    """The one error face of every magic: an extension error raised anywhere in it is
    its one-line :class:`UsageError` (message, then hint), never a traceback. Goes
    right under ``@line_magic``."""

    @functools.wraps(magic)
    def face(*args: P.args, **kwargs: P.kwargs) -> T:
        with usage_errors():
            return magic(*args, **kwargs)

    return face


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn``; its :class:`UcdhError` becomes a one-line usage error."""
    with usage_errors():
        return fn(*args, **kwargs)


def require_feature(client: ServerClient, feature: str) -> dict[str, Any]:
    """The server's public config (``GET config``); a one-line refusal when the
    administrator switched ``feature`` off there."""
    config: dict[str, Any] = call(client.get, "config")
    if not config["features"].get(feature, False):
        raise UsageError(
            f"{FEATURE_NAMES[feature]} is switched off on this server. "
            f"Ask your administrator (UcdhConfig.enable_{feature})."
        )
    return config


def kernel_root(client: ServerClient, cwd: Path | None = None) -> Path:
    """The Jupyter root as the server sees it; run paths are relative to it. Without a
    published root, the working directory (the notebook's folder)."""
    return client.root or (cwd or Path.cwd()).resolve()
