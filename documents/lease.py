"""A render's claim kept alive: a thread renews the lease while the render runs, so a live
render keeps its claim however long it takes (up to the task's time limit) and a dead one
loses it soon. Used by plan PDFs and billing documents alike."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger("documents.services")


@contextmanager
def lease_kept(label: str, renew: Callable[[], object], *, every: float):
    """Call `renew` (an UPDATE of the row's lease) every `every` seconds until the block ends.
    `label` names the row in the thread's name and the log ("plan pdf <id>")."""
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_renew_until, args=(label, renew, stop, every), name=f"lease-{label}", daemon=True
    )
    heartbeat.start()
    try:
        yield
    finally:
        stop.set()
        heartbeat.join()


def _renew_until(label: str, renew, stop: threading.Event, every: float) -> None:
    try:
        while not stop.wait(every):
            try:
                renew()
            except DatabaseError as error:  # the render goes on; its final UPDATE decides
                logger.warning("%s: lease not renewed (%s)", label, type(error).__name__)
    finally:
        connection.close()  # this thread's own connection
