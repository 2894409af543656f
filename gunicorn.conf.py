"""Gunicorn settings for the production shape (`make web`) and the large-clinic benchmark.
Command-line options (bind, workers) still apply on top of these."""

import gc


def post_worker_init(worker):
    """Once a worker has loaded the app, freeze what is alive (Django, the URL patterns, the
    models...) out of the garbage collector's sight: a full collection then walks only what
    requests allocate. Pages that build many objects (a 20-column day, a progress page of
    200 sessions) paused for those collections in their slowest requests."""
    gc.collect()
    gc.freeze()
