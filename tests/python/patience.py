"""How long a test waits for work that is quick on a quiet machine.

Every wait in the suite (an HTTP request to the test server, a run reaching its end, a
key appearing) is a deadline, not a duration: a passing test never sleeps it out. The
CI machine has been measured four to five times slower than a developer's, and a
machine running two suites side by side slower still, so each deadline is the time the
work takes here alone times ``UCDH_TEST_PATIENCE`` (default 5). A larger factor only
makes a failing test take longer to say so.
"""

from __future__ import annotations

import os

PATIENCE = float(os.environ.get("UCDH_TEST_PATIENCE") or 5)


def patient(seconds: float) -> float:
    """A deadline that is enough on a quiet machine (``seconds``), stretched for a slow one."""
    return seconds * PATIENCE
