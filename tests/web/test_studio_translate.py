"""The studio's Translate page: its API (one-line errors) and, in headless Chromium, drawing and uploading."""
from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

import ganforge
from ganforge.cli.main import main
from ganforge.web.app import create_app
from ganforge.web.translate import png_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "translation"))
from translation_helpers import write_side_by_side, write_unpaired  # noqa: E402

TINY = ["--set", "model.image_size=16", "--set", "model.width=4", "--set", "model.blocks=1", "--set",
        "train.threads=1", "--batch-size", "4", "--steps", "3", "--quiet"]


@pytest.fixture(scope="module")
def translation_runs(tmp_path_factory):
    """A runs folder with a pix2pix run ``p2p`` (grayscale) and a CycleGAN run ``cyc`` (grayscale A, colour B)."""
    root = tmp_path_factory.mktemp("translate-page")
    write_side_by_side(root / "data-paired", n=8)
    write_unpaired(root / "data-unpaired", n_a=6, n_b=6, rgb_b=True)
    runs = root / "runs"
    assert main(["train", "pix2pix", "--data", str(root / "data-paired"), "--out", str(runs), "--name", "p2p", *TINY]) == 0
    assert main(["train", "cyclegan", "--data", str(root / "data-unpaired"), "--out", str(runs), "--name", "cyc",
                 *TINY]) == 0
    return runs


def pixels(url: str) -> list:
    """The pixels of a PNG data URL (the studio's outputs carry a C2PA manifest, so their bytes differ)."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2])))).tolist()


def data_url(array: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_api_lists_translation_runs_and_translates_as_the_pipeline_does(translation_runs):
    client = TestClient(create_app(translation_runs), base_url="http://127.0.0.1")
    runs = {r["name"]: r for r in client.get("/api/translate/runs").json()["runs"]}
    assert runs["cyc"]["directions"] == ["AtoB", "BtoA"] and runs["cyc"]["channels"]["AtoB"] == [1, 3]
    assert runs["p2p"]["directions"] == ["AtoB"] and runs["p2p"]["image_size"] == 16
    sketch = np.zeros((40, 40), np.uint8)
    sketch[10:30, 18:22] = 255
    reply = client.post("/api/translate", json={"run": "cyc", "direction": "AtoB", "image": data_url(sketch)}).json()
    t = ganforge.load(translation_runs / "cyc")
    x = t.image_tensor(Image.fromarray(sketch), "AtoB")
    assert pixels(reply["output"]) == pixels(png_url(t.translate(x, "AtoB")))
    assert pixels(reply["cycle"]) == pixels(png_url(t.translate(t.translate(x, "AtoB"), "BtoA")))
    assert reply["step"] == 3 and b"c2pa" in base64.b64decode(reply["output"].partition(",")[2])  # provenance
    assert client.get("/translate").status_code == 200


@pytest.mark.parametrize("body,message", [
    ({"run": "p2p", "image": "not a data url"}, "must be a data URL"),
    ({"run": "p2p", "image": "data:image/png;base64,!!!"}, "not valid base64"),
    ({"run": "p2p", "image": "data:image/png;base64," + base64.b64encode(b"junk").decode()}, "cannot read image"),
    ({"run": "p2p", "direction": "BtoA", "image": "x"}, "learned AtoB only"),
    ({"run": "nope", "image": "x"}, "no run named"),
    ({"run": "p2p", "colour": True}, "unknown config key"),
])
def test_api_errors_are_one_line(translation_runs, body, message):
    client = TestClient(create_app(translation_runs), base_url="http://127.0.0.1")
    reply = client.post("/api/translate", json=body)
    assert reply.status_code in (400, 404) and message in reply.json()["error"], reply.json()
    assert "\n" not in reply.json()["error"]


def test_api_refuses_a_colour_image_for_a_grayscale_model_unless_converted(translation_runs):
    client = TestClient(create_app(translation_runs), base_url="http://127.0.0.1")
    colour = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    reply = client.post("/api/translate", json={"run": "p2p", "image": data_url(colour)})
    assert reply.status_code == 400 and "colour image" in reply.json()["error"]
    assert client.post("/api/translate", json={"run": "p2p", "image": data_url(colour), "convert": True}).status_code == 200


# ---------------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def translate_server(translation_runs):
    from studio_helpers import LiveServer

    server = LiveServer(translation_runs)
    yield server
    server.stop()


def settled(page, count: int) -> None:
    """Wait until the page has shown at least ``count`` translations and has none in flight."""
    page.wait_for_function(f"() => window.studioTranslate.results >= {count} && !window.studioTranslate.busy",
                           timeout=20000)


def test_drawing_on_the_canvas_shows_the_pix2pix_output_live(translate_server, translation_runs, page):
    page.goto(translate_server.url + "/translate?run=p2p")
    page.wait_for_function("() => document.getElementById('run').options.length === 2")
    assert page.locator("nav a.current").inner_text() == "Translate"
    settled(page, 1)                       # the blank canvas, translated on load
    box = page.locator("#sketch").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 40)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(box["x"] + 60 + 15 * k, box["y"] + 40 + 20 * k)
    page.mouse.up()
    before = page.evaluate("() => window.studioTranslate.results")
    settled(page, before)
    white = page.evaluate("""() => { const c = document.getElementById('sketch'),
        d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 200) n++; return n; }""")
    assert white > 500                     # the stroke is on the canvas
    # what the page shows is the pipeline's translation of what the page sent
    sent = page.evaluate("() => modelInput()")
    t = ganforge.load(translation_runs / "p2p")
    img = Image.open(io.BytesIO(base64.b64decode(sent.split(",", 1)[1])))
    page.locator("#translate").click()
    settled(page, before + 1)
    shown = page.locator("#output").get_attribute("src")
    assert pixels(shown) == pixels(png_url(t.translate(t.image_tensor(img, "AtoB"))))
    assert page.evaluate("() => document.getElementById('output').naturalWidth") == 16
    assert page.locator("#cycle-box").is_hidden() and not page.js_errors


def test_uploading_an_image_to_a_cyclegan_run_shows_the_round_trip(translate_server, page, tmp_path):
    picture = tmp_path / "digit.png"
    arr = np.zeros((64, 64), np.uint8)
    arr[16:48, 28:36] = 255
    Image.fromarray(arr).save(picture)
    page.goto(translate_server.url + "/translate?run=cyc")
    settled(page, 1)
    assert page.locator("#cycle-box").is_visible() and "A → B → A" in page.locator("#cycle-title").inner_text()
    page.select_option("#direction", "BtoA")
    page.locator("#upload").set_input_files(str(picture))
    page.wait_for_function("() => window.studioTranslate.results >= 3 && !window.studioTranslate.busy",
                           timeout=20000)
    assert page.evaluate("() => document.getElementById('cycle').naturalWidth") == 16
    assert "B → A → B" in page.locator("#cycle-title").inner_text()
    # a colour upload to the grayscale side without conversion: the server's one line in the banner
    page.select_option("#direction", "AtoB")
    page.locator("#convert").uncheck()
    colour = tmp_path / "colour.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(colour)
    page.locator("#upload").set_input_files(str(colour))
    page.wait_for_selector("#error:not([hidden])", timeout=20000)
    assert "colour image" in page.locator("#error .message").inner_text() and not page.js_errors
