"""What the plan pages show that apps above this one know: a version's progress
(sessions_log) and its PDF summary (documents).

This app may not import them (DESIGN.md, layers), so each registers a function from its
AppConfig.ready, the way apps register their mails with the outbox (clinic/outbox.py). The
registry is the only link, and it is made at start-up by the app above. A part's function
takes the viewer and the version shown and returns what goes into the page's context under
its name; reads inside it go through that app's own `visible_to` and selectors.
"""

from __future__ import annotations

from collections.abc import Callable

PartBuilder = Callable[..., object]

_parts: dict[str, PartBuilder] = {}


def register(name: str, build: PartBuilder) -> None:
    """`build(user=..., version=...)` gives the context value `name` of the plan pages."""
    _parts[name] = build


def context_for(*names: str, user, version) -> dict:
    """The parts `names` a page shows, for `version`. A part no app registered, or any part
    when no version is shown, is left out: the page shows nothing there."""
    if version is None:
        return {}
    return {name: _parts[name](user=user, version=version) for name in names if name in _parts}
