"""The body-chart catalogue, its SVG, and PainMapField (cleaning, widget, kept input)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django import forms
from django.http import QueryDict

from intake.body_chart import (
    NONE_FILL,
    PALETTE,
    REGION_KEYS,
    REGIONS,
    REGIONS_BY_KEY,
    intensity_fill,
    regions_in,
    render_body_chart,
)
from intake.fields import PainMapField

SVG = "{http://www.w3.org/2000/svg}"


def _geometry(key):
    return dict(REGIONS_BY_KEY[key].geometry)


# --- catalogue --------------------------------------------------------------------------------


def test_every_region_key_is_unique():
    keys = [region.key for region in REGIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("view", ["front", "back"])
def test_each_view_has_20_to_30_regions_with_labels(view):
    regions = regions_in(view)
    assert 20 <= len(regions) <= 30
    assert all(region.label and region.key.startswith(f"{view}.") for region in regions)


def test_keys_are_stable_dotted_names():
    assert all(re.fullmatch(r"(front|back)\.[a-z_]+(\.(left|right))?", key) for key in REGION_KEYS)
    # Keys the demo data and the health history already store.
    assert {"back.neck", "back.shoulder.right", "back.upper_back", "back.low_back"} <= REGION_KEYS
    assert {"front.forearm.right", "front.hand.right", "back.glute.right"} <= REGION_KEYS


def test_sided_regions_come_in_pairs():
    for key in REGION_KEYS:
        if key.endswith(".left"):
            assert key.removesuffix(".left") + ".right" in REGION_KEYS


def test_left_and_right_are_the_clients():
    # Front view: the client faces the reader, so their right shoulder is on the reader's left.
    assert float(_geometry("front.shoulder.right")["cx"]) < 100
    assert float(_geometry("front.shoulder.left")["cx"]) > 100
    # Back view: the reader sees the client's back, so their right is on the reader's right.
    assert float(_geometry("back.shoulder.right")["cx"]) > 100
    assert _path_start(_geometry("back.glute.left")["d"]) == (76, 177)
    assert _path_start(_geometry("back.glute.right")["d"]) == (124, 177)  # the mirrored path


def _path_start(d):
    x, y = re.findall(r"-?\d+(?:\.\d+)?", d)[:2]
    return float(x), float(y)


def test_mirrored_shapes_are_symmetric():
    left, right = _geometry("front.thigh.left"), _geometry("front.thigh.right")
    assert float(left["x"]) + float(left["width"]) / 2 == 200 - (
        float(right["x"]) + float(right["width"]) / 2
    )


# --- SVG --------------------------------------------------------------------------------------


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314  (our own SVG, parsed to prove it well-formed)


def test_svg_is_well_formed_xml_with_every_region():
    root = _parse(render_body_chart({"back.neck": 6}))
    assert root.tag == f"{SVG}svg"
    drawn = [el.get("data-region") for el in root.iter() if el.get("data-region")]
    assert sorted(drawn) == sorted(REGION_KEYS)


def test_regions_are_filled_by_intensity():
    root = _parse(render_body_chart({"back.neck": 10, "front.knee.left": 1}))
    fills = {el.get("data-region"): el.get("fill") for el in root.iter() if el.get("data-region")}
    assert fills["back.neck"] == "#8b0000" == PALETTE[10]
    assert fills["front.knee.left"] == PALETTE[1] != NONE_FILL
    assert fills["front.head"] == NONE_FILL


def test_palette_darkens_with_intensity():
    def red_green_blue(colour):
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    brightness = [red_green_blue(intensity_fill(n)) for n in range(1, 11)]
    assert brightness == sorted(brightness, reverse=True)
    assert intensity_fill(0) == NONE_FILL


def test_static_svg_is_one_image_with_a_text_summary():
    root = _parse(render_body_chart({"back.neck": 6}, title="Pain map"))
    assert root.get("role") == "img"
    assert "Neck (back) 6/10" in root.find(f"{SVG}title").text
    assert not [el for el in root.iter() if el.get("tabindex")]


def test_interactive_svg_regions_are_focusable_buttons():
    root = _parse(render_body_chart({"back.neck": 6}, interactive=True))
    neck = next(el for el in root.iter() if el.get("data-region") == "back.neck")
    assert neck.get("tabindex") == "0"
    assert neck.get("role") == "button"
    assert neck.get("aria-label") == "Neck (back): 6/10"


def test_title_text_is_escaped():
    root = _parse(render_body_chart({}, title='<script>alert("x")</script>'))
    assert not [el for el in root.iter() if el.tag.endswith("script")]


# --- PainMapField -----------------------------------------------------------------------------


def test_cleaning_drops_blank_and_zero_regions():
    field = PainMapField(required=False)
    cleaned = field.clean({"back.neck": "6", "front.knee.left": "0", "front.head": ""})
    assert cleaned == {"back.neck": 6}


def test_empty_map_is_an_empty_dict():
    assert PainMapField(required=False).clean({}) == {}
    assert PainMapField(required=False).clean(None) == {}


def test_required_map_needs_a_region():
    with pytest.raises(forms.ValidationError):
        PainMapField(required=True).clean({"back.neck": "0"})


def test_json_text_is_accepted():
    assert PainMapField().clean('{"back.neck": 3}') == {"back.neck": 3}


def test_unknown_key_is_named_in_the_error():
    with pytest.raises(forms.ValidationError) as error:
        PainMapField().clean({"back.tail": 3})
    assert "back.tail" in str(error.value)


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "3.5", 11, True])
def test_values_outside_0_to_10_name_the_region(bad):
    with pytest.raises(forms.ValidationError) as error:
        PainMapField().clean({"back.neck": bad})
    assert "Neck (back)" in str(error.value)


def test_10_is_allowed():
    assert PainMapField().clean({"back.neck": 10}) == {"back.neck": 10}


class _PainForm(forms.Form):
    pain = PainMapField(required=False)


def test_widget_reads_one_input_per_region():
    data = QueryDict(mutable=True)
    data.update({"pain.back.neck": "4", "pain.front.head": "", "pain.bogus": "9"})
    form = _PainForm(data)
    assert form.is_valid()
    assert form.cleaned_data["pain"] == {"back.neck": 4}


def test_widget_renders_chart_and_a_number_input_per_region():
    html = _PainForm(initial={"pain": {"back.neck": 6}}).as_div()
    assert html.count('type="number"') == len(REGION_KEYS)
    assert 'name="pain.back.neck"' in html
    assert re.search(r'name="pain\.back\.neck"[^>]*value="6"', html)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "style=" not in html and "<script" not in html  # CSP: no inline style or script


def test_widget_shows_a_bad_value_back_at_its_input():
    form = _PainForm({"pain.back.neck": "12", "pain.front.head": "3"})
    assert not form.is_valid()
    assert "Neck (back)" in form.errors["pain"][0]
    html = form.as_div()
    assert re.search(r'name="pain\.back\.neck"[^>]*value="12"[^>]*aria-invalid="true"', html)
    assert re.search(r'name="pain\.front\.head"[^>]*value="3"', html)
    assert "data-keep-open" in html  # the list stays open so the error can be fixed


def test_field_media_brings_the_script_and_css():
    media = str(_PainForm().media)
    assert "js/body-chart.js" in media and "defer" in media
    assert "css/intake.css" in media
