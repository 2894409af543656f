"""Waking a worker up without making a saved change fail.

Everything owed is already a row in the database when a task is sent (the outbox, the plan
PDF table); the message only tells a worker to look now rather than at the next sweep. So a
broker that cannot be reached is logged and shrugged off: the user who saved the change gets
their success page, and the periodic sweep delivers once the broker is back.
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def _broker_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (BrokerUnavailable, redis.RedisError, OSError)


def wake(task, *args, countdown: float | None = None) -> bool:
    """Send `task(*args)`; False (and a warning) when the broker is unavailable."""
    try:
        task.apply_async(args=args, countdown=countdown or None)
    except _broker_errors() as error:
        logger.warning(
            "broker unavailable, %s left to the sweep: %s", task.name, type(error).__name__
        )
        return False
    return True
