"""ucdh-jupyter: AWS for hospital researchers, inside JupyterLab.

Importing this package must stay cheap and make no network call: the Jupyter
server imports it at start-up, and every millisecond here is added to it.
boto3 is imported lazily by :mod:`ucdh_jupyter.aws`.
"""

from __future__ import annotations

from typing import Any

from .version import __version__ as __version__


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Tell JupyterLab where the prebuilt frontend lives."""
    return [{"src": "labextension", "dest": "ucdh-jupyter"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Tell jupyter-server which app is the server extension (imported only then: this
    package stays cheap to import in a kernel)."""
    from .extension import UcdhApp

    return [{"module": "ucdh_jupyter", "app": UcdhApp}]


def open_s3(uri: str) -> Any:
    """Open ``s3://bucket/key`` for reading in a notebook: a seekable binary file, e.g.
    ``pd.read_csv(open_s3("s3://lab/visits.csv"))``. Read through the Jupyter server's
    S3 routes, so the server's allow-list and switches hold, like ``%s3``."""
    from .notebook.remote_file import open_s3 as open_object

    return open_object(uri)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext ucdh_jupyter``: register the notebook magics (``%ucdh_instances``, ...)
    of the features the Jupyter server has switched on."""
    from .notebook.magics import register

    register(ipython)
