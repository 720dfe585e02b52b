"""The Create page's fill box for MaskGAN runs: its API (one-line errors) and, in headless Chromium, filling."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

import ganforge
from ganforge.cli.main import main
from ganforge.web.app import create_app

TINY = ["--batch-size", "8", "--steps", "2", "--set", "data.max_len=10", "--set", "train.pretrain_steps=3",
        "--set", "train.d_pretrain_steps=1", "--set", "model.hidden_dim=8", "--set", "model.emb_dim=8",
        "--set", "model.d_emb_dim=8", "--set", "model.d_num_filters=4", "--set", "train.threads=1", "--quiet"]
TEXT = "a man riding a ___ on the ___"


@pytest.fixture(scope="module")
def fill_runs(tmp_path_factory):
    """A runs folder with a MaskGAN run ``mask`` and an MLE run ``lm`` on a few captions."""
    root = tmp_path_factory.mktemp("fill-page")
    data = root / "captions.txt"
    data.write_text("\n".join(["a man riding a horse on the beach", "a woman riding a bike on the street",
                               "a dog sitting on the <b>bench</b>", "a man riding a wave on the board"] * 6) + "\n")
    runs = root / "runs"
    for model, name in (("maskgan", "mask"), ("mle", "lm")):
        assert main(["train", model, "--data", str(data), "--out", str(runs), "--name", name, *TINY]) == 0
    return runs


def test_api_fills_as_the_pipeline_does(fill_runs):
    client = TestClient(create_app(fill_runs), base_url="http://127.0.0.1")
    reply = client.post("/api/fill", json={"run": "mask", "text": TEXT, "n": 3, "seed": 4}).json()
    g = ganforge.load(fill_runs / "mask")
    assert [" ".join(w for w, _ in row) for row in reply["fills"]] == g.fill(TEXT, n=3, seed=4)
    assert [f for _, f in reply["fills"][0]] == [False] * 4 + [True, False, False, True]
    assert reply["step"] == 6


@pytest.mark.parametrize("body,message", [
    ({"run": "mask", "text": "a man riding a horse"}, "no blank"),
    ({"run": "mask", "text": "a zebra ___"}, "'zebra'"),
    ({"run": "mask", "text": " ".join(["a"] * 12) + " ___"}, "at most 10"),
    ({"run": "lm", "text": TEXT}, "needs a maskgan run"),
    ({"run": "nope", "text": TEXT}, "no run named"),
    ({"run": "mask", "text": TEXT, "n": 0}, "n"),
    ({"run": "mask", "blanks": 2}, "unknown config key"),
])
def test_api_errors_are_one_line(fill_runs, body, message):
    client = TestClient(create_app(fill_runs), base_url="http://127.0.0.1")
    reply = client.post("/api/fill", json=body)
    assert reply.status_code in (400, 404) and message in reply.json()["error"], reply.json()
    assert "\n" not in reply.json()["error"]


@pytest.fixture(scope="module")
def fill_server(fill_runs):
    from studio_helpers import LiveServer

    server = LiveServer(fill_runs)
    yield server
    server.stop()


def test_create_page_fills_blanks_for_a_maskgan_run(fill_server, fill_runs, page):
    page.goto(fill_server.url + "/create?run=mask")
    page.wait_for_function("() => window.studioFill.results >= 1 && !window.studioFill.busy", timeout=20000)
    assert page.locator("#fill-controls").is_visible() and page.locator("#image-controls").is_hidden()
    page.fill("#fill-text", "a woman riding a ___ on the ___")
    page.fill("#fill-seed", "7")
    page.locator("#fill").click()
    page.wait_for_function("() => window.studioFill.results >= 2 && !window.studioFill.busy", timeout=20000)
    items = page.locator("#fill-results li").all_inner_texts()
    assert items == ganforge.load(fill_runs / "mask").fill("a woman riding a ___ on the ___", n=5, seed=7)
    assert page.locator("#fill-results li").first.locator("mark").count() == 2
    # markup in the data stays text; a text without a blank is the server's one line in the banner
    assert not page.locator("#fill-results b").count()
    page.fill("#fill-text", "a man riding a horse")
    page.locator("#fill").click()
    page.wait_for_selector("#error:not([hidden])", timeout=20000)
    assert "no blank" in page.locator("#error .message").inner_text() and not page.js_errors
    # an MLE run is not offered: it cannot fill in blanks
    assert "lm" not in page.evaluate("() => Array.from(document.getElementById('run').options).map(o => o.value)")
