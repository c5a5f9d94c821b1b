"""The package's version, importable without importing the package's entry points.

``ucdh_jupyter/__init__.py`` names the server extension and the magics; a module that
only needs the version (the status route, the Databricks client's user agent) imports
it from here, so the services do not depend on the kernel side through the package.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree never built
    import warnings

    warnings.warn("Importing 'ucdh_jupyter' outside a proper installation.", stacklevel=2)
    __version__ = "dev"

__all__ = ["__version__"]
