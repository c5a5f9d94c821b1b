"""The server extension: build the services from config, register the routes, tell
the kernels where the server is, and start following runs once the server runs; stop
everything at shutdown.

:class:`UcdhApp` is the extension as jupyter-server's own kind of app, so the server
calls its ``stop_extension`` at shutdown; :func:`load` is its composition root, where
every service is built with its collaborators.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from jupyter_server.extension.application import ExtensionApp

from .config import UcdhConfig
from .handlers.routes import route_table
from .server_client import ENV_ROOT, ENV_TOKEN, ENV_URL
from .services import UcdhServices

if TYPE_CHECKING:
    from tornado.ioloop import PeriodicCallback

# At shutdown, how long a sweep in progress may take to finish before the store closes.
DRAIN_SECONDS = 5.0
# Addresses a server listens on that a kernel on the same machine reaches as loopback.
WILDCARD_IPS = ("", "0.0.0.0", "::", "localhost")  # noqa: S104 - names, not a bind


class UcdhApp(ExtensionApp):
    """ucdh-jupyter in a Jupyter server: loaded once at start-up, stopped at shutdown."""

    name = "ucdh_jupyter"
    # Not a stand-alone app: JupyterLab (or Notebook) is what a researcher starts.
    load_other_extensions = True

    _shutdown: Callable[[], Awaitable[None]] | None = None

    def initialize_handlers(self) -> None:
        # Not initialize_settings: jupyter-server then writes back over the web app's
        # settings a copy taken before it, undoing load()'s log-scrubbed URL parameters.
        self._shutdown = load(self.serverapp)

    async def stop_extension(self) -> None:
        """Stop the run sweeps, let the worker pool finish (a few seconds at most) and
        close the run store."""
        if self._shutdown is None:
            return
        try:
            await self._shutdown()
        except Exception:
            self.log.exception("ucdh-jupyter: clean-up at shutdown failed")


def load(server_app: Any) -> Callable[[], Awaitable[None]]:
    """Build and register everything (called once at start-up, makes no network call);
    returns what stops it at shutdown."""
    config = UcdhConfig(parent=server_app)
    services = UcdhServices(config, root_dir=getattr(server_app, "root_dir", None))
    web_app = server_app.web_app
    web_app.settings["ucdh"] = services
    # The access log shows each URL (``key`` is already scrubbed): keep prefixes, searches,
    # cursors and workspace paths out of it too.
    scrubbed = list(web_app.settings.get("extra_log_scrub_param_keys") or [])
    scrubbed += [name for name in ("prefix", "q", "cursor", "path") if name not in scrubbed]
    web_app.settings["extra_log_scrub_param_keys"] = scrubbed
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", route_table(base_url))
    publish_for_kernels(server_app)
    callbacks: list[PeriodicCallback] = []
    runs_on = config.enable_runs and bool(config.runs_bucket)
    if runs_on:
        defer_run_sweeps(server_app, services, callbacks)

    async def shutdown() -> None:
        for callback in callbacks:
            callback.stop()
        # A sweep still running would find its run store closed under it.
        await drain(services, DRAIN_SECONDS)
        services.close()

    server_app.log.info(
        "ucdh-jupyter loaded (mode=%s, region=%s, runs=%s)",
        config.mode,
        config.region or "from profile",
        "on" if runs_on else "off",
    )
    return shutdown


def kernel_url(server_app: Any) -> str | None:
    """The URL (base URL included) at which the kernels this server starts reach it;
    None for a server on a Unix socket, which the kernels' client cannot use."""
    if getattr(server_app, "sock", ""):
        return None
    ip = str(getattr(server_app, "ip", "") or "")
    host = "127.0.0.1" if ip in WILDCARD_IPS else (f"[{ip}]" if ":" in ip else ip)
    scheme = "https" if getattr(server_app, "certfile", "") else "http"
    base_url = server_app.web_app.settings["base_url"]
    return f"{scheme}://{host}:{server_app.port}{base_url}"


def publish_for_kernels(server_app: Any) -> None:
    """Put this server's URL, token and root in the environment its kernels inherit, so
    magics, widgets and ``open_s3`` go through its routes (see :mod:`.server_client`).

    Done at load and again on the first turn of the event loop: only then is the port
    final (a busy or random port is chosen after the extensions load).
    """

    def publish() -> None:
        url = kernel_url(server_app)
        if url is None:
            return
        os.environ[ENV_URL] = url
        os.environ[ENV_ROOT] = str(getattr(server_app, "root_dir", "") or os.getcwd())
        provider = getattr(server_app, "identity_provider", None)
        token = str(getattr(provider, "token", "") or "")
        if token:
            os.environ[ENV_TOKEN] = token
        else:  # JupyterHub: the kernel uses JUPYTERHUB_API_TOKEN, inherited as well
            os.environ.pop(ENV_TOKEN, None)

    publish()
    from tornado.ioloop import IOLoop

    io_loop = getattr(server_app, "io_loop", None) or IOLoop.current()
    io_loop.add_callback(publish)


def defer_run_sweeps(
    server_app: Any, services: UcdhServices, callbacks: list[PeriodicCallback]
) -> None:
    """Rebuild the run list, reap overdue machines and follow runs, from the first turn
    of the server's event loop on: the sweeps reach AWS, which must not slow start-up.
    The started callbacks are appended to ``callbacks``."""
    from tornado.ioloop import IOLoop

    def start() -> None:
        from .periodic import start_runs

        callbacks.extend(start_runs(services))

    io_loop = getattr(server_app, "io_loop", None) or IOLoop.current()
    io_loop.add_callback(start)


async def drain(services: UcdhServices, timeout: float) -> None:
    """Let the worker pool finish what it is running (``timeout`` at most); drop the rest."""
    loop = asyncio.get_running_loop()
    stopped = loop.run_in_executor(
        None, lambda: services.executor.shutdown(True, cancel_futures=True)
    )
    # Past the timeout the server stops anyway: runs go on without it, found again at start.
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.shield(stopped), timeout)
