"""What the session-note page shows that apps above this one know: the charge billing drafted
from the signed note (a link for those who may open it).

The same kind of registry as treatment_plans/page_parts.py: this app may not import billing
(DESIGN.md, layers), so billing registers a function from its AppConfig.ready. A part's
function takes the viewer and the note and returns the context value under its name (None:
nothing to show); reads inside it go through that app's own `visible_to`.
"""

from __future__ import annotations

from collections.abc import Callable

PartBuilder = Callable[..., object]

_parts: dict[str, PartBuilder] = {}


def register(name: str, build: PartBuilder) -> None:
    """`build(user=..., note=...)` gives the context value `name` of the note page."""
    _parts[name] = build


def context_for(*names: str, user, note) -> dict:
    """The parts `names` the page shows; a part no app registered is left out."""
    return {name: _parts[name](user=user, note=note) for name in names if name in _parts}
