"""The pain-map body chart: a catalogue of body regions (front and back view) with stable keys,
and an SVG of both views drawn on the server.

The SVG uses presentation attributes only (no CSS, no script), so the same markup renders on a
web page, under a strict Content Security Policy, and in a WeasyPrint PDF. Keys are stored in
`pain_regions` JSON, so they must never change once released; labels may.

Left and right are always the CLIENT's. In the front view the client faces the reader, so their
right side is drawn on the reader's left; in the back view it is drawn on the reader's right.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

VIEW_WIDTH = 200  # one figure; the back view is drawn beside it
VIEW_HEIGHT = 430
GAP = 30
NONE_FILL = "#eef1f4"
OUTLINE = "#5c6770"
VIEWS = (("front", "Front"), ("back", "Back"))


@dataclass(frozen=True)
class Region:
    key: str
    label: str
    view: str  # "front" or "back"
    shape: str  # "rect", "ellipse" or "path"
    geometry: tuple[tuple[str, str], ...]  # SVG attributes, in the view's own coordinates


# Shapes for one side of the figure, drawn on the READER's left (x < 100); `_mirror` makes the
# other side. Values are (shape, attributes).
_LEFT_OF_READER = {
    "shoulder": ("ellipse", {"cx": 66, "cy": 82, "rx": 14, "ry": 11}),
    "upper_arm": ("rect", {"x": 45, "y": 92, "width": 18, "height": 56, "rx": 8}),
    "elbow": ("ellipse", {"cx": 53, "cy": 157, "rx": 9, "ry": 8}),
    "forearm": ("rect", {"x": 44, "y": 166, "width": 16, "height": 52, "rx": 7}),
    "hand": ("ellipse", {"cx": 51, "cy": 233, "rx": 9, "ry": 13}),
    "hip": ("path", {"d": "M76 177 L99 177 L99 206 Q86 212 73 204 Z"}),
    "glute": ("path", {"d": "M76 177 L99 177 L99 212 Q84 220 72 208 Z"}),
    "thigh": ("rect", {"x": 74, "y": 214, "width": 24, "height": 80, "rx": 10}),
    "knee": ("ellipse", {"cx": 86, "cy": 304, "rx": 11, "ry": 9}),
    "lower_leg": ("rect", {"x": 77, "y": 315, "width": 18, "height": 70, "rx": 8}),
    "calf": ("rect", {"x": 76, "y": 315, "width": 20, "height": 70, "rx": 10}),
    "foot": ("ellipse", {"cx": 85, "cy": 400, "rx": 11, "ry": 13}),
}

_CENTRAL = {
    "head": ("ellipse", {"cx": 100, "cy": 32, "rx": 19, "ry": 23}),
    "neck": ("rect", {"x": 91, "y": 54, "width": 18, "height": 18, "rx": 4}),
    "chest": (
        "path",
        {"d": "M82 72 L118 72 Q127 74 127 88 L125 122 L75 122 L73 88 Q73 74 82 72 Z"},
    ),
    "abdomen": ("path", {"d": "M75 124 L125 124 L124 175 L76 175 Z"}),
    "upper_back": (
        "path",
        {"d": "M82 72 L118 72 Q127 74 127 88 L126 108 L74 108 L73 88 Q73 74 82 72 Z"},
    ),
    "mid_back": ("rect", {"x": 74, "y": 110, "width": 52, "height": 32}),
    "low_back": ("path", {"d": "M74 144 L126 144 L124 175 L76 175 Z"}),
}

# (view, part, plain label) in drawing order; sided parts get ".left" / ".right" keys.
_FRONT = [
    ("head", "Head and face"),
    ("neck", "Neck"),
    ("chest", "Chest"),
    ("abdomen", "Abdomen"),
    ("shoulder", "shoulder"),
    ("upper_arm", "upper arm"),
    ("elbow", "inner elbow"),
    ("forearm", "forearm"),
    ("hand", "wrist and palm"),
    ("hip", "hip and groin"),
    ("thigh", "thigh"),
    ("knee", "knee"),
    ("lower_leg", "shin"),
    ("foot", "ankle and foot"),
]
_BACK = [
    ("head", "Back of head"),
    ("neck", "Neck"),
    ("upper_back", "Upper back and shoulder blades"),
    ("mid_back", "Mid back"),
    ("low_back", "Low back"),
    ("shoulder", "shoulder"),
    ("upper_arm", "upper arm"),
    ("elbow", "elbow"),
    ("forearm", "forearm"),
    ("hand", "wrist and back of hand"),
    ("glute", "buttock"),
    ("thigh", "thigh"),
    ("knee", "back of knee"),
    ("calf", "calf"),
    ("foot", "ankle and heel"),
]


def _mirror(shape: str, attrs: dict) -> dict:
    """The same shape on the reader's right: reflect x about the figure's centre line."""
    mirrored = dict(attrs)
    if shape == "ellipse":
        mirrored["cx"] = VIEW_WIDTH - attrs["cx"]
    elif shape == "rect":
        mirrored["x"] = VIEW_WIDTH - attrs["x"] - attrs["width"]
    else:
        mirrored["d"] = _mirror_path(attrs["d"])
    return mirrored


def _mirror_path(d: str) -> str:
    """Mirror an absolute path of M/L/Q/Z commands with "x y" pairs."""
    out, numbers = [], []
    for token in d.split():
        if token[0].isalpha():
            out.append(token[0])
            token = token[1:]
            if not token:
                continue
        numbers.append(token)
        if len(numbers) == 2:
            x, y = float(numbers[0]), numbers[1]
            out.append(f"{VIEW_WIDTH - x:g} {y}")
            numbers = []
    return " ".join(out)


def _regions_for(view: str, parts: list[tuple[str, str]]) -> list[Region]:
    regions = []
    for part, label in parts:
        if part in _CENTRAL:
            shape, attrs = _CENTRAL[part]
            regions.append(_region(f"{view}.{part}", label, view, shape, attrs))
            continue
        shape, attrs = _LEFT_OF_READER[part]
        # Front view: the reader's left is the client's right; back view: the client's left.
        near, far = ("right", "left") if view == "front" else ("left", "right")
        for side, side_attrs in ((near, attrs), (far, _mirror(shape, attrs))):
            full_label = f"{side.capitalize()} {label}"
            regions.append(_region(f"{view}.{part}.{side}", full_label, view, shape, side_attrs))
    return regions


def _region(key, label, view, shape, attrs) -> Region:
    geometry = tuple(
        (name, f"{value:g}" if isinstance(value, float) else str(value))
        for name, value in attrs.items()
    )
    return Region(key=key, label=label, view=view, shape=shape, geometry=geometry)


REGIONS: tuple[Region, ...] = (*_regions_for("front", _FRONT), *_regions_for("back", _BACK))
REGIONS_BY_KEY: dict[str, Region] = {region.key: region for region in REGIONS}
REGION_KEYS = frozenset(REGIONS_BY_KEY)


def regions_in(view: str) -> list[Region]:
    return [region for region in REGIONS if region.view == view]


def label_of(key: str) -> str:
    region = REGIONS_BY_KEY.get(key)
    return f"{region.label} ({region.view})" if region else key


# --- colour -----------------------------------------------------------------------------------

# 1 is a pale amber, 10 a deep red; 0 is the unfilled body colour. Interpolated in RGB, which is
# close enough for an 11-step scale and keeps the palette easy to reproduce in JavaScript (the
# widget hands this palette to body-chart.js, so there is one source of truth).
_LOW, _HIGH = (255, 214, 153), (139, 0, 0)


def intensity_fill(intensity: int) -> str:
    if intensity <= 0:
        return NONE_FILL
    t = (min(intensity, 10) - 1) / 9
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(_LOW, _HIGH, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


PALETTE = tuple(intensity_fill(n) for n in range(11))


# --- SVG --------------------------------------------------------------------------------------


def render_body_chart(
    intensities: dict[str, int] | None = None,
    *,
    interactive: bool = False,
    title: str = "Pain map",
) -> SafeString:
    """Both views as one SVG string. `interactive` makes each region a focusable button for
    body-chart.js; otherwise the chart is one image whose regions carry <title> tooltips."""
    intensities = intensities or {}
    width = 2 * VIEW_WIDTH + GAP
    root_role = 'role="group"' if interactive else 'role="img"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {VIEW_HEIGHT}" '
        f'class="body-chart-svg" {root_role} aria-label="{escape(title)}">',
        f"<title>{escape(_summary(title, intensities))}</title>",
    ]
    for index, (view, view_label) in enumerate(VIEWS):
        offset = index * (VIEW_WIDTH + GAP)
        parts.append(f'<g transform="translate({offset} 0)" data-view="{view}">')
        parts.append(_view_labels(view, view_label))
        parts.extend(
            _region_svg(r, intensities.get(r.key, 0), interactive) for r in regions_in(view)
        )
        parts.append("</g>")
    parts.append("</svg>")
    # Safe: region geometry is our own constant data and every text above goes through escape().
    return mark_safe("".join(parts))  # noqa: S308


def _summary(title: str, intensities: dict[str, int]) -> str:
    painful = [f"{label_of(k)} {v}/10" for k, v in sorted(intensities.items()) if v]
    return f"{title}: " + ("; ".join(painful) if painful else "no pain marked")


def _view_labels(view: str, view_label: str) -> str:
    """Heading and the client's R / L on each side, so a reader never has to guess."""
    reader_left, reader_right = ("R", "L") if view == "front" else ("L", "R")
    text = 'font-family="sans-serif" fill="#333" text-anchor="middle"'
    return (
        f'<text x="100" y="426" font-size="15" font-weight="bold" {text}>{view_label}</text>'
        f'<text x="12" y="20" font-size="14" {text}>{reader_left}</text>'
        f'<text x="188" y="20" font-size="14" {text}>{reader_right}</text>'
    )


def _region_svg(region: Region, intensity: int, interactive: bool) -> str:
    geometry = " ".join(f'{name}="{value}"' for name, value in region.geometry)
    state = f"{intensity}/10" if intensity else "no pain"
    label = escape(f"{label_of(region.key)}: {state}")
    attrs = (
        f'data-region="{region.key}" fill="{intensity_fill(intensity)}" '
        f'stroke="{OUTLINE}" stroke-width="1.2"'
    )
    if interactive:
        attrs += f' tabindex="0" role="button" aria-label="{label}" class="body-chart-region"'
    return f"<{region.shape} {geometry} {attrs}><title>{label}</title></{region.shape}>"
