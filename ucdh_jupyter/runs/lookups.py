"""AWS lookups of a submit that change rarely, remembered per server for a while.

Each submit used to ask SSM which AMI the public parameter names today and EC2 which
default subnet to use: two round trips (tens of milliseconds on a near endpoint, more
through a VPC endpoint or under throttling) for answers that change every few weeks.
They are remembered by the object that asked (one backend per server) for
:data:`LOOKUP_SECONDS`, so a newly published AMI is still picked up within minutes.
A lookup that fails is not remembered: the next submit asks again.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

LOOKUP_SECONDS = 600.0
_Method = TypeVar("_Method", bound=Callable[..., Any])
_LOCK = threading.Lock()


def remembered(seconds: float = LOOKUP_SECONDS) -> Callable[[_Method], _Method]:
    """Method decorator: the result for the same object and arguments is reused for
    ``seconds``; exceptions pass through and leave nothing behind."""

    def decorate(method: _Method) -> _Method:
        @functools.wraps(method)
        def cached(self: Any, *args: Any) -> Any:
            with _LOCK:
                store = self.__dict__.setdefault("_remembered", {})
            key = (method.__name__, args)
            now = time.monotonic()
            hit = store.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            value = method(self, *args)
            store[key] = (now + seconds, value)
            return value

        return cached  # type: ignore[return-value]

    return decorate
