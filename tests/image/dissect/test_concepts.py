"""Concept masks on hand-drawn digits (a 0 has a loop, a 1 has none ...) and the segmenter registry."""
import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from ganforge.errors import GanforgeError
from ganforge.image.dissect.concepts import (SEGMENTERS, get_segmenter, holes, pick_concepts,
                                             register_segmenter)


def digit(shapes) -> np.ndarray:
    """A 28x28 white-on-black drawing: ("line", x0, y0, x1, y1) or ("ellipse", x0, y0, x1, y1), 3 px strokes."""
    img = Image.new("L", (28, 28), 0)
    pen = ImageDraw.Draw(img)
    for kind, *box in shapes:
        if kind == "line":
            pen.line(box, fill=255, width=3)
        else:
            pen.ellipse(box, outline=255, width=3)
    return np.asarray(img)


ZERO = digit([("ellipse", 7, 4, 20, 23)])
ONE = digit([("line", 14, 4, 14, 23)])
SEVEN = digit([("line", 6, 5, 21, 5), ("line", 21, 5, 11, 23)])
PLUS = digit([("line", 14, 4, 14, 23), ("line", 5, 13, 23, 13)])


@pytest.fixture(scope="module")
def masks():
    seg = get_segmenter(None, 1)
    out = seg(np.stack([ZERO, ONE, SEVEN, PLUS])[:, None], list(seg.concepts))
    return {name: {c: out[i, k] for k, c in enumerate(seg.concepts)}
            for i, name in enumerate(["zero", "one", "seven", "plus"])}


def blobs(mask: np.ndarray) -> int:
    return ndimage.label(mask)[1]


def test_a_zero_has_a_loop_and_no_stroke_end(masks):
    zero = masks["zero"]
    assert zero["loop"].sum() > 40                     # the hole of an ellipse 13x19 px
    assert zero["loop"][13, 13] and not zero["loop"][1, 1]
    assert not zero["stroke_end"].any() and not zero["junction"].any()


def test_a_one_has_no_loop_two_ends_and_a_vertical_bar(masks):
    one = masks["one"]
    assert not one["loop"].any()
    assert blobs(one["stroke_end"]) == 2
    assert one["stroke_end"][4, 14] and one["stroke_end"][23, 14] and not one["stroke_end"][14, 14]
    assert one["vertical_bar"].sum() > 40 and not one["horizontal_bar"].any()
    assert not one["junction"].any()


def test_a_seven_has_a_horizontal_bar_on_top(masks):
    seven = masks["seven"]
    rows = np.flatnonzero(seven["horizontal_bar"].any(1))
    assert len(rows) and rows.max() <= 8               # the top stroke, not the diagonal
    assert not seven["loop"].any()
    assert blobs(seven["stroke_end"]) == 2


def test_a_cross_has_one_junction_in_its_centre(masks):
    plus = masks["plus"]
    assert blobs(plus["junction"]) == 1 and plus["junction"][13, 14]
    assert blobs(plus["stroke_end"]) == 4


def test_holes_ignore_background_touching_the_border():
    ink = np.zeros((1, 9, 9), bool)
    ink[0, 2:7, 2:7] = True
    ink[0, 3:6, 3:6] = False                           # a 3x3 hole
    ink[0, 0:3, 8] = True
    assert holes(ink).sum() == 9
    ink[0, 4, 2] = False                               # opened to the outside: no hole
    assert holes(ink).sum() == 0


def test_registry_plugs_in_a_segmenter_and_checks_its_masks():
    @register_segmenter("test-top-half", concepts=("top",), description="the top half")
    def top_half(images):
        m = np.zeros((len(images),) + images.shape[2:], bool)
        m[:, : images.shape[2] // 2] = True
        return {"top": m}

    @register_segmenter("test-bad", concepts=("x",))
    def bad(images):
        return {"x": np.zeros((1, 2, 2), bool)}

    try:
        seg = get_segmenter("test-top-half", 3)
        out = seg(np.zeros((2, 3, 8, 8), np.uint8))
        assert out.shape == (2, 1, 8, 8) and out[:, 0, :4].all() and not out[:, 0, 4:].any()
        with pytest.raises(GanforgeError, match="must be"):
            get_segmenter("test-bad", 1)(np.zeros((2, 1, 8, 8), np.uint8))
    finally:
        SEGMENTERS.unregister("test-top-half")
        SEGMENTERS.unregister("test-bad")


def test_bad_names_are_one_line_errors():
    seg = get_segmenter(None, 1)
    with pytest.raises(GanforgeError, match="did you mean 'loop'"):
        pick_concepts(seg, ["lop"])
    with pytest.raises(GanforgeError, match="empty concept"):
        pick_concepts(seg, [""])
    with pytest.raises(GanforgeError, match="unknown concept segmenter"):
        get_segmenter("digits", 1)
    with pytest.raises(GanforgeError, match="no default concept segmenter for colour"):
        get_segmenter(None, 3)
    with pytest.raises(GanforgeError, match="reads 1-channel"):
        get_segmenter("digit-strokes", 3)
