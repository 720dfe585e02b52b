"""The studio's Dissect page: its API (paint a concept into a region of a sample) and, in a real headless Chromium,
a person brushing a region and getting the new image."""
from __future__ import annotations

import base64
import io
import os
import shutil

import httpx
import numpy as np
import pytest
from PIL import Image
from studio_helpers import screenshot

from ganforge.cli.main import main

CONCEPTS = ["loop", "stroke_end", "junction", "horizontal_bar", "vertical_bar"]


@pytest.fixture(scope="module")
def dissect_run(runs_dir):
    """``tiny-dissect``: a conditional DCGAN of width 8 trained for 2 steps (its units are what they are), or a copy
    of ``$GANFORGE_E2E_RUN`` (docs/studio.md: a conditional DCGAN that has learnt digits, for the screenshot)."""
    path = runs_dir / "tiny-dissect"
    given = os.environ.get("GANFORGE_E2E_RUN")
    if given and not path.exists():
        shutil.copytree(given, path, ignore=shutil.ignore_patterns("tb"))
    tiny = ["--steps", "2", "--set", "model.width=8", "--set", "data.limit=64", "--set", "train.batch_size=8", "--quiet"]
    if not path.exists():
        assert main(["train", "dcgan", "--conditional", "--out", str(runs_dir), "--name", "tiny-dissect", *tiny]) == 0
    if not (runs_dir / "tiny-mlp").exists():
        assert main(["train", "mlp", "--out", str(runs_dir), "--name", "tiny-mlp", *tiny]) == 0
    return path


def post(server, path: str, body: dict) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=120)


def pixels(uri: str, scale: int = 8) -> np.ndarray:
    """The image of a data URI at the model's size (the page gets it scaled up)."""
    img = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    return np.asarray(img)[::scale, ::scale]


def test_paint_switches_the_concept_units_in_the_region(live_server, dissect_run):
    info = post(live_server, "/api/dissect/prepare", {"run": "tiny-dissect"}).json()
    assert info["concepts"] == CONCEPTS and info["image_size"] == [28, 28] and info["num_classes"] == 10
    top = info["top_units"]["loop"]
    assert top["layer"] in ("project.3", "blocks.2") and len(top["units"]) == 8
    mask = np.zeros((28, 28))
    mask[12:16, 12:16] = 1
    body = {"run": "tiny-dissect", "concept": "loop", "mode": "on", "seed": 3, "label": 4, "units": 4,
            "mask": mask.ravel().tolist()}
    r = post(live_server, "/api/dissect/paint", body)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["painted"] == 16 and res["label"] == 4 and res["layer"] == top["layer"]
    assert res["units"] == [u for u, _ in top["units"][:4]]
    before, after = pixels(res["original"]), pixels(res["edited"])
    changed = before != after
    assert changed.sum() == res["changed_inside"] + res["changed_outside"] > 0
    far = np.ones((28, 28), bool)
    far[4:24, 4:24] = False                   # beyond the reach of the region through the generator's layers
    assert not changed[far].any()
    same = post(live_server, "/api/dissect/paint", {**body, "mask": [0] * 784}).json()
    assert same["painted"] == 0 and same["units"] == [] and same["edited"] == same["original"] == res["original"]


@pytest.mark.parametrize("body, status, phrase", [
    ({"run": "tiny-dissect", "concept": "sky"}, 400, "unknown concept 'sky'"),
    ({"run": "tiny-dissect", "mask": [1, 0]}, 400, "need 28x28 = 784"),
    ({"run": "tiny-dissect", "mask": [2] * 784}, 400, "between 0 and 1"),
    ({"run": "tiny-dissect", "label": 12, "mask": [0] * 784}, 400, "out of range"),
    ({"run": "tiny-dissect", "mode": "paint"}, 400, "mode"),
    ({"run": "tiny-mlp", "mask": [0] * 784}, 400, "no convolutional feature maps"),
    ({"run": "tiny-text"}, 400, "is a text run"),
    ({"run": "no-such-run"}, 404, "no run named"),
])
def test_bad_paint_requests_are_one_line_errors(live_server, dissect_run, text_run, body, status, phrase):
    r = post(live_server, "/api/dissect/paint", body)
    assert r.status_code == status and phrase in r.json()["error"], r.text
    assert "\n" not in r.json()["error"]


def test_the_dissect_page_paints_a_concept_into_a_sample(live_server, dissect_run, page):
    page.goto(live_server.url + "/dissect?run=tiny-dissect")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    assert page.input_value("#run") == "tiny-dissect"
    assert page.eval_on_selector_all("#concept option", "os => os.map((o) => o.value)") == CONCEPTS
    page.wait_for_function("() => window.studioDissect.result && !window.studioDissect.busy")
    untouched = page.get_attribute("#edited", "src")
    box = page.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.35)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.65, steps=10)
    page.mouse.up()
    page.wait_for_function("() => { const d = window.studioDissect; return d.result.painted > 0 && !d.busy; }")
    result = page.evaluate("() => window.studioDissect.result")
    mask = np.array(page.evaluate("() => Array.from(window.studioDissect.mask)")).reshape(28, 28)
    assert result["mode"] == "on" and result["concept"] == "loop" and result["painted"] == int(mask.sum())
    assert mask[14, 14] == 1 and mask[2, 2] == 0 and mask[2, 25] == 0      # a diagonal stroke through the centre
    assert result["changed_inside"] > 0
    page.wait_for_function("(old) => document.querySelector('#edited').src !== old", arg=untouched)
    assert page.evaluate("() => document.querySelector('#edited').naturalWidth") == 28 * 8
    assert "switched on units" in page.inner_text("#result-caption")
    page.wait_for_function("() => window.studioDissect.original.src === window.studioDissect.result.original")
    page.check("#mode-off")                                # the same region, units off
    page.wait_for_function("() => { const d = window.studioDissect; return d.result.mode === 'off' && !d.busy; }")
    assert not page.is_visible("#error") and page.js_errors == []
    screenshot(page, "dissect")
