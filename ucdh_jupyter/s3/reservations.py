"""Per-key write reservations: of two writes to one name with overwrite off, one wins.

Checking "does the key exist?" and then writing is a race: four uploads of one key
all see "no" before any of them has finished. S3's conditional write (``IfNoneMatch``)
settles it on AWS, but not every S3 (nor a copy, nor a file in the workspace) honours
it, so the server itself reserves each name it is about to create *before* checking
that it is free, and releases it when the write completed or was given up. A second
writer finds the reservation and gets the same 409 as for an existing object.

Names are ``(bucket, key)``; workspace files use the bucket ``""`` (no bucket has an
empty name) and their absolute path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from ..errors import UcdhError
from .names import s3_uri

Name = tuple[str, str]


def busy(name: Name) -> UcdhError:
    """The 409 of a name another write of this server is creating right now."""
    bucket, key = name
    shown = s3_uri(bucket, key) if bucket else "The workspace file"
    return UcdhError(
        409,
        "exists",
        f"{shown} is being written by another upload or copy.",
        "Wait for it to finish, then choose another name or confirm overwriting.",
    )


class Reservations:
    """The names being created by this server's writes with overwrite off."""

    def __init__(self) -> None:
        self._held: set[Name] = set()
        self._lock = threading.Lock()

    def reserve(self, names: Iterable[Name]) -> Callable[[], None]:
        """Reserve every name or none (409 if one is taken); returns the release function,
        which may be called any number of times."""
        wanted = list(dict.fromkeys(names))
        with self._lock:
            for name in wanted:
                if name in self._held:
                    raise busy(name)
            self._held.update(wanted)
        done = False

        def release() -> None:
            nonlocal done
            with self._lock:
                if not done:
                    done = True
                    self._held.difference_update(wanted)

        return release
