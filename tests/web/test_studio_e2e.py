"""End to end: a real headless Chromium (Debian's package, driven by Playwright) against the running studio.

Skipped with the reason when Chromium or Playwright is missing. Set GANFORGE_SCREENSHOT_DIR=docs
to write the screenshots of docs/studio.md (with GANFORGE_E2E_RUN=RUN_FOLDER, a conditional run
that has learnt something to show).
"""
from __future__ import annotations

import json
import math
import shutil

import numpy as np
from PIL import Image
from studio_helpers import screenshot

from ganforge.media.images import make_grid
from ganforge.image.pipeline import LoadedGenerator

RING = [(2 * math.cos(k * math.pi / 4), 2 * math.sin(k * math.pi / 4)) for k in range(8)]


def purple_pixels(page, canvas: str) -> int:
    """Pixels of the generated points' colour on a canvas: proof the page drew them."""
    return page.evaluate("""(sel) => {
        const c = document.querySelector(sel), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 100 && d[i] < 190 && d[i + 1] < 110 && d[i + 2] > 140) n++;
        return n;
    }""", canvas)


def test_lab_learns_the_ring_until_all_8_modes_have_points(live_server, page):
    page.goto(live_server.url + "/lab")
    page.wait_for_selector("body[data-ready]")
    assert page.input_value("#dataset") == "ring"
    page.click("#play")
    page.wait_for_function("() => window.studioLab.frame && window.studioLab.frame.modes.covered === 8",
                           timeout=150_000, polling=200)
    page.click("#play")  # pause
    page.wait_for_function("() => !window.studioLab.frame.playing")
    fake = np.array(page.evaluate("() => window.studioLab.frame.fake"))  # the points drawn on the page
    for cx, cy in RING:
        near = np.hypot(fake[:, 0] - cx, fake[:, 1] - cy) < 0.3
        assert near.sum() >= 10, f"only {near.sum()} of {len(fake)} generated points near the mode ({cx:.2f}, {cy:.2f})"
    assert "modes covered 8/8" in page.inner_text("#lab-status")
    assert purple_pixels(page, "#plot") > 500
    assert not page.is_visible("#error") and page.js_errors == []
    screenshot(page, "lab")


def test_each_tab_runs_its_own_lab(live_server, browser_context):
    a, b = browser_context.new_page(), browser_context.new_page()
    try:
        for p in (a, b):
            p.goto(live_server.url + "/lab")
            p.wait_for_selector("body[data-ready]")
        assert a.evaluate("() => window.studioLab.id") != b.evaluate("() => window.studioLab.id")
        a.select_option("#dataset", "moons")
        a.wait_for_function("() => window.studioLab.frame.config.dataset === 'moons'")
        a.click("#step_d")
        a.wait_for_function("() => window.studioLab.frame.d_steps === 1")
        b.wait_for_timeout(500)
        frame_b = b.evaluate("() => window.studioLab.frame")
        assert frame_b["config"]["dataset"] == "ring" and frame_b["d_steps"] == 0
    finally:
        a.close()
        b.close()


def test_lab_shows_a_bad_setting_as_a_message(live_server, page):
    page.goto(live_server.url + "/lab")
    page.wait_for_selector("body[data-ready]")
    page.fill("#g_hidden", "64, 0")
    page.press("#g_hidden", "Enter")
    page.wait_for_selector("#error", state="visible")
    assert "give 1 to 4 layer sizes between 1 and 256" in page.inner_text("#error")
    assert page.is_visible("#plot")  # the page is still there


def test_runs_page_shows_curves_and_a_live_grid_timeline(live_server, runs_dir, page):
    run = runs_dir / "tiny-cond"
    page.goto(live_server.url + "/runs#tiny-cond")
    page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'tiny-cond'")
    lines = (run / "stats.jsonl").read_text().splitlines()
    assert page.evaluate("() => window.studioRuns.stats.length") == len(lines)
    assert page.evaluate("""() => { const c = document.querySelector('#loss-curve'),
        d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""") > 1000
    model = json.loads((run / "run.json").read_text())["model"]
    assert f"name: {model}" in page.inner_text("#run-config")
    steps = sorted(int(p.stem.split("_")[1]) for p in (run / "samples").glob("step_*.png"))
    assert page.evaluate("() => window.studioRuns.steps") == steps
    page.fill("#timeline", "0")  # the slider: the first grid
    page.wait_for_function("() => document.querySelector('#timeline-image').src.endsWith"
                           f"('step_{steps[0]:07d}.png') && document.querySelector('#timeline-image').naturalWidth > 0")
    assert f"step {steps[0]} (1 of {len(steps)})" in page.inner_text("#timeline-step")
    page.fill("#timeline", str(len(steps) - 1))
    page.wait_for_function("() => document.querySelector('#timeline-image').naturalWidth > 0")
    screenshot(page, "runs")

    # the run goes on training: a new stats line and a new grid appear without a reload
    new_step = steps[-1] + 10
    row = {**json.loads(lines[-1]), "step": new_step, "loss/d": 0.123}
    with open(run / "stats.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    shutil.copy(run / "samples" / f"step_{steps[-1]:07d}.png", run / "samples" / f"step_{new_step:07d}.png")
    try:
        page.wait_for_function(f"() => window.studioRuns.steps.includes({new_step}) && "
                               f"window.studioRuns.stats.some(r => r.step === {new_step})", timeout=20_000)
        page.wait_for_function(f"() => document.querySelector('#timeline-image').src.endsWith('step_{new_step:07d}.png')")
        assert page.is_visible("#runs li .badge")  # marked as training
        assert not page.is_visible("#error") and page.js_errors == []
    finally:
        (run / "samples" / f"step_{new_step:07d}.png").unlink()
        (run / "stats.jsonl").write_text("\n".join(lines) + "\n")


def test_create_page_samples_changes_class_and_downloads_png(live_server, runs_dir, page, tmp_path):
    page.goto(live_server.url + "/create?run=tiny-cond")
    page.wait_for_function("() => document.querySelector('#sample-image').dataset.seed === '0'", timeout=30_000)
    first = page.get_attribute("#sample-image", "src")
    assert page.evaluate("() => document.querySelector('#label').options.length") == 11  # random + 10 classes
    page.select_option("#label", "3")
    page.wait_for_function("() => document.querySelector('#sample-image').dataset.label === '3' && "
                           "document.querySelector('#sample-image').naturalWidth > 0", timeout=30_000)
    assert page.get_attribute("#sample-image", "src") != first
    assert "class 3" in page.inner_text("#sample-caption")
    with page.expect_download() as info:
        page.click("#download-png")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".png")
    image = np.array(Image.open(path))
    expected = make_grid(LoadedGenerator.load(runs_dir / "tiny-cond").sample(16, labels=3, seed=0))[..., 0]
    assert np.array_equal(image[::2, ::2], expected)  # exactly what `ganforge sample --label 3 --seed 0` makes

    page.fill("#steps", "8")
    page.click("#walk")
    page.wait_for_function("() => window.studioCreate.walkFrames.length === 8")
    page.fill("#walk-slider", "4")
    assert "frame 5 of 8" in page.inner_text("#walk-caption")
    assert not page.is_visible("#error") and page.js_errors == []
    screenshot(page, "create")


def test_create_page_shows_errors_as_messages(live_server, page):
    page.goto(live_server.url + "/create?run=tiny-cond")
    page.wait_for_function("() => document.querySelector('#sample-image').dataset.seed === '0'", timeout=30_000)
    page.fill("#locked", "0-500")
    page.press("#locked", "Enter")
    page.wait_for_selector("#error", state="visible")
    assert "outside 0..99" in page.inner_text("#error")
    assert "Traceback" not in page.content()
