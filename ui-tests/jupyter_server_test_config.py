"""Jupyter server settings for the browser tests (CI runs as root)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is injected by Jupyter's config loader
c.ServerApp.allow_root = True  # noqa: F821
c.LabApp.expose_app_in_browser = True  # noqa: F821
