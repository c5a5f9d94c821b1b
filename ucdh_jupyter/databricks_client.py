"""The Databricks workspace connection: the only place the extension reaches Databricks from.

Design notes:
- ``databricks-sdk`` is imported on first use: loading the server extension imports
  nothing of it and makes no call (the SDK's ``Config`` probes the host when built).
- Authentication is the SDK's unified config. The admin may pin a host, a
  ``~/.databrickscfg`` profile, and a token read from a file or from AWS Secrets
  Manager; otherwise the SDK's defaults apply (``DATABRICKS_HOST``/``DATABRICKS_TOKEN``,
  the DEFAULT profile). In ``mode='local'`` only the admin settings count, as for AWS.
- The token is read when the client is built and the client is rebuilt after a 401,
  so a rotated token is picked up without restarting Jupyter. It is never returned,
  and the SDK masks it in its own debug logs.
"""

from __future__ import annotations

import configparser
import functools
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .aws import AwsClients
from .config import UcdhConfig
from .errors import UcdhError, redact, translate
from .version import __version__

T = TypeVar("T")

# A workspace that does not answer must not hang a route for the SDK's default 5 minutes.
HTTP_TIMEOUT_SECONDS = 30
RETRY_TIMEOUT_SECONDS = 60


def _profile_host(profile: str) -> str | None:
    """The host of ``profile`` in the Databricks config file, if the profile exists."""
    path = Path(os.environ.get("DATABRICKS_CONFIG_FILE") or Path.home() / ".databrickscfg")
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return None
    if profile == "DEFAULT":
        return parser.defaults().get("host")
    return parser.get(profile, "host", fallback=None) if parser.has_section(profile) else None


class DatabricksClient:
    """Builds and caches the SDK's ``WorkspaceClient`` from :class:`UcdhConfig`."""

    def __init__(self, config: UcdhConfig, aws: AwsClients) -> None:
        self.config = config
        self.aws = aws
        self._lock = threading.Lock()
        self._workspace: Any = None
        self._user: dict[str, Any] | None = None
        self._node_types: frozenset[str] | None = None

    # -- where the settings come from (no network) ---------------------------

    def host(self) -> str | None:
        """The workspace URL in force, from the admin, the environment or the profile."""
        if self.config.databricks_host:
            return str(self.config.databricks_host).rstrip("/")
        if self.config.mode == "local":
            return None
        if self.config.databricks_profile:
            return _profile_host(self.config.databricks_profile)
        if os.environ.get("DATABRICKS_HOST"):
            return os.environ["DATABRICKS_HOST"].rstrip("/")
        return _profile_host(os.environ.get("DATABRICKS_CONFIG_PROFILE") or "DEFAULT")

    def configured(self) -> bool:
        """Whether some Databricks workspace is configured (asks Databricks nothing)."""
        return bool(self.host())

    def token_source(self) -> str:
        """Where the token comes from, in words a hint can quote."""
        if self.config.databricks_token_file:
            return (
                f"the file {self.config.databricks_token_file} (UcdhConfig.databricks_token_file)"
            )
        if self.config.databricks_token_secret_id:
            return (
                f"the AWS secret {self.config.databricks_token_secret_id} "
                "(UcdhConfig.databricks_token_secret_id)"
            )
        if self.config.databricks_profile:
            return f"the profile [{self.config.databricks_profile}] of ~/.databrickscfg"
        return "DATABRICKS_TOKEN or your ~/.databrickscfg profile"

    def availability(self) -> dict[str, Any]:
        """The run dialog's view of the Databricks backend (no network)."""
        config = self.config
        modes = list(config.databricks_cluster_modes)
        reason = hint = None
        if not self.configured():
            reason = "No Databricks workspace is configured."
            hint = (
                "Ask your administrator to set UcdhConfig.databricks_host (with a token file, "
                "an AWS secret or a profile), or create a ~/.databrickscfg profile."
            )
        return {
            "available": reason is None,
            "reason": reason,
            "hint": hint,
            "host": self.host(),
            "cluster_modes": modes,
            "default_cluster_mode": modes[0],
            "default_workers": min(
                config.databricks_default_workers, config.databricks_max_workers
            ),
            "max_workers": config.databricks_max_workers,
        }

    # -- the connection --------------------------------------------------------

    def _token(self) -> str | None:
        """The admin-configured token, read now (files and secrets may be rotated)."""
        if self.config.databricks_token_file:
            try:
                return Path(self.config.databricks_token_file).read_text().strip()
            except OSError as exc:
                raise UcdhError(
                    400,
                    "databricks_token_unreadable",
                    f"The Databricks token file cannot be read ({exc.strerror}).",
                    "Ask your administrator to check UcdhConfig.databricks_token_file.",
                ) from exc
        if self.config.databricks_token_secret_id:
            client = self.aws.client("secretsmanager")
            secret = client.get_secret_value(SecretId=self.config.databricks_token_secret_id)
            text = str(secret.get("SecretString") or "").strip()
            if text.startswith("{"):
                text = str(json.loads(text).get("token") or "")
            return text or None
        return None

    def workspace(self) -> Any:
        """The SDK's ``WorkspaceClient``, built on first use; a 400 when none is configured."""
        with self._lock:
            if self._workspace is not None:
                return self._workspace
        host = self.host()
        if not host:
            details = self.availability()
            raise UcdhError(400, "databricks_not_configured", details["reason"], details["hint"])
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.config import Config

        settings: dict[str, Any] = {
            "host": host,
            "product": "ucdh-jupyter",
            "product_version": __version__,
            "http_timeout_seconds": HTTP_TIMEOUT_SECONDS,
            "retry_timeout_seconds": RETRY_TIMEOUT_SECONDS,
        }
        if self.config.databricks_profile:
            settings["profile"] = self.config.databricks_profile
        token = self._token()
        if token:
            settings["token"] = token
            settings["auth_type"] = "pat"
        try:
            client = WorkspaceClient(config=Config(**settings))
        except ValueError as exc:
            raise UcdhError(
                401,
                "databricks_no_credentials",
                f"No usable Databricks credentials for {host}.",
                f"Put a personal access token in {self.token_source()}.",
            ) from exc
        with self._lock:
            self._workspace = client
        return client

    def reset(self) -> None:
        """Forget the client and user, e.g. after the token was refused."""
        with self._lock:
            self._workspace = None
            self._user = None
            self._node_types = None

    def me(self) -> dict[str, Any]:
        """The Databricks user (name and id) the token belongs to, cached."""
        with self._lock:
            if self._user is not None:
                return self._user
        user = self.call(lambda: self.workspace().current_user.me())
        found = {"user": user.user_name, "id": user.id, "display_name": user.display_name}
        with self._lock:
            self._user = found
        return found

    def node_types(self) -> frozenset[str] | None:
        """The node types the workspace offers (asked once), or None when none is set."""
        if not self.configured():
            return None
        with self._lock:
            if self._node_types is not None:
                return self._node_types
        listed = self.call(lambda: self.workspace().clusters.list_node_types().node_types)
        found = frozenset(str(node.node_type_id) for node in listed or [])
        with self._lock:
            self._node_types = found
        return found

    def status(self) -> dict[str, Any] | None:
        """``GET status``'s Databricks block: host, user, or the problem and its fix."""
        host = self.host()
        if not host:
            return None
        try:
            me = self.me()
            return {"host": host, "user": me["user"], "problem": None}
        except UcdhError as error:
            return {
                "host": host,
                "user": None,
                "problem": {"status": error.status, **error.to_json()},
            }

    # -- errors -----------------------------------------------------------------

    def call(self, fn: Callable[[], T]) -> T:
        """Run one SDK call, its errors translated (and the client rebuilt after a 401)."""
        try:
            return fn()
        except UcdhError:
            raise
        except Exception as exc:
            error = self.error(exc)
            if error.status == 401:
                self.reset()
            raise error from exc

    def error(self, exc: BaseException) -> UcdhError:
        """A Databricks SDK (or network) exception as an error the user can act on."""
        from databricks.sdk import errors as dx
        from requests import exceptions as rx

        host = self.host() or "the Databricks workspace"
        message = redact(str(exc)) or type(exc).__name__
        refused = isinstance(exc, dx.PermissionDenied) and "token" in message.lower()
        if isinstance(exc, dx.Unauthenticated) or refused:
            return UcdhError(
                401,
                "databricks_unauthenticated",
                f"{host} did not accept the Databricks token: {message}",
                "Create a new personal access token in Databricks (Settings → Developer → "
                f"Access tokens) and put it in {self.token_source()}.",
            )
        if isinstance(exc, dx.PermissionDenied):
            return UcdhError(
                403,
                "databricks_denied",
                f"Databricks refused: {message}",
                "Your Databricks user lacks this permission; ask your workspace administrator.",
            )
        if isinstance(exc, dx.NotFound):
            return UcdhError(404, "databricks_not_found", message, "It may have been deleted.")
        if isinstance(exc, dx.ResourceAlreadyExists):
            return UcdhError(409, "conflict", message, "Reload and try again.")
        if isinstance(exc, dx.BadRequest):
            return UcdhError(400, "databricks_bad_request", message, "")
        if isinstance(exc, dx.TooManyRequests):
            return UcdhError(503, "throttled", f"Databricks is busy: {message}", "Retry soon.")
        if isinstance(exc, (rx.ConnectionError, rx.Timeout, TimeoutError)):
            return UcdhError(
                502,
                "databricks_unreachable",
                f"{host} could not be reached.",
                "Check the network and UcdhConfig.databricks_host.",
            )
        if isinstance(exc, dx.DatabricksError):
            return UcdhError(502, "databricks_error", f"Databricks error: {message}", "Retry soon.")
        # Reading the token from AWS Secrets Manager fails like any AWS call.
        return translate(exc, self.config.profile)


def translated(method: Callable[..., T]) -> Callable[..., T]:
    """Decorate a method of an object with a ``client`` (:class:`DatabricksClient`):
    its Databricks errors become :class:`UcdhError`."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        return self.client.call(lambda: method(self, *args, **kwargs))

    return wrapper
