"""Gunicorn settings for the production shape (`make web`) and the large-clinic benchmark.
Command-line options (bind, workers) still apply on top of these."""

import gc

# A worker's request numbers at which it moves what is alive out of the collector's sight
# again (see pre_request): early and then ever more rarely.
REFREEZE_AT = frozenset({10, 50, 200, 1_000, 5_000, 20_000})


def post_worker_init(worker):
    """Once a worker has loaded the app, freeze what is alive (Django, the URL patterns, the
    models...) out of the garbage collector's sight: a full collection then walks only what
    requests allocate. Pages that build many objects (a 20-column day, a progress page of
    200 sessions) paused for those collections in their slowest requests."""
    gc.collect()
    gc.freeze()


def pre_request(worker, req):
    """Freeze again after the first requests: what they loaded and keep (compiled
    templates, URL and model caches, the database connection) otherwise sits in the oldest
    generation, and each full collection walked it: 10-17 ms pauses, every 40-70 requests
    of the day view or the progress page, against ~2 ms once it is frozen. Done before a
    request, when the previous one's objects are gone (a frozen cycle is never freed)."""
    worker.clinic_requests = getattr(worker, "clinic_requests", 0) + 1
    if worker.clinic_requests in REFREEZE_AT:
        gc.collect()
        gc.freeze()
