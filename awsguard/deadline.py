"""A call that may never return, given a deadline: doctor's probes and the guard's
identity lookup.

botocore's own timeouts do not cover DNS, and an endpoint that accepts a connection
but never answers holds a read for the full connect + read timeouts and retries; so
the call runs in a daemon thread, which is left behind when the deadline passes.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def call_within(
    seconds: float, call: Callable[[], Any], thread_name: str,
    timed_out: Callable[[], BaseException],
) -> Any:
    """`call()`'s value or exception; `timed_out()` raised when it has not returned
    after `seconds`."""
    import threading

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as err:  # noqa: BLE001 - handed back to the caller
            outcome["error"] = err

    worker = threading.Thread(target=run, name=thread_name, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise timed_out()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
