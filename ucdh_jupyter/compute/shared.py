"""A process-wide, thread-safe cache for facts that are slow to fetch from AWS.

The instance-type list of a region (~1,400 entries, seconds to fetch and parse) and its
spot prices are the same for every service object in the process: the server's, the
tests' servers, a kernel's magics. Each value is built once, lazily, on first use; when
it is older than its TTL the stale value is still served while one background thread
rebuilds it, so only the very first caller ever waits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class _Entry(Generic[T]):
    value: T
    built_at: float
    refreshing: bool = False


class SharedCache(Generic[T]):
    """Values keyed by e.g. (endpoint, region), built at most once at a time per key."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._entries: dict[Hashable, _Entry[T]] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``; builds it (blocking) only when there is none yet."""
        with self._lock:
            entry = self._entries.get(key)
            key_lock = self._key_locks.setdefault(key, threading.Lock())
            if entry is not None:
                if self._clock() - entry.built_at > self.ttl_seconds and not entry.refreshing:
                    entry.refreshing = True
                    threading.Thread(
                        target=self._rebuild, args=(key, build), daemon=True, name="ucdh-cache"
                    ).start()
                return entry.value
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None:  # another thread built it while this one waited
                return entry.value
            value = build()
            with self._lock:
                self._entries[key] = _Entry(value, self._clock())
            return value

    def _rebuild(self, key: Hashable, build: Callable[[], T]) -> None:
        try:
            value = build()
        except Exception:
            log.warning("ucdh-jupyter: refreshing %s failed; keeping the old value", key)
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    entry.refreshing = False
                    entry.built_at = self._clock()  # retry after another TTL, not at once
            return
        with self._lock:
            self._entries[key] = _Entry(value, self._clock())

    def clear(self) -> None:
        """Forget every value (tests, or after the admin changed the endpoint)."""
        with self._lock:
            self._entries.clear()
