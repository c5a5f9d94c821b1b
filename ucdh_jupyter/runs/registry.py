"""Which class runs a backend's runs, by name: ``UcdhConfig.run_backends``.

As jupyter-scheduler selects its scheduler class by a trait, the administrator (or the
demo, through that trait's default in ``mode='local'``) names each backend's class by its
import path; a new backend is one module plus one entry there. Only this module imports
the concrete backends, so none of them imports another through it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from traitlets.utils.importstring import import_item

from ..errors import bad_request
from .backend import RunBackend

if TYPE_CHECKING:
    from ..config import UcdhConfig


@functools.cache
def _load(path: str) -> type[RunBackend]:
    return cast("type[RunBackend]", import_item(path))


def backend_names(config: UcdhConfig) -> list[str]:
    """The backends configured here, in the order the settings name them."""
    return list(config.run_backends)


def backend_class(config: UcdhConfig, name: str) -> type[RunBackend]:
    """The class of the backend called ``name`` (imported on first use), for what it
    declares without being built, such as its minimum max runtime; a 400 if unknown."""
    path = config.run_backends.get(name)
    if path is None:
        names = ", ".join(backend_names(config))
        raise bad_request(f"Unknown backend {name!r}.", f"Use one of: {names}.")
    return _load(path)
