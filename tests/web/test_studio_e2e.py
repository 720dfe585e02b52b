"""End to end: a real headless Chromium (Debian's package, driven by Playwright) against the running studio.

Skipped with the reason when Chromium or Playwright is missing. Set GANFORGE_SCREENSHOT_DIR=docs
to write the screenshots of docs/studio.md (with GANFORGE_E2E_RUN=RUN_FOLDER, a conditional run
that has learnt something to show).
"""
from __future__ import annotations

import base64
import io
import json
import math
import shutil

import numpy as np
from PIL import Image
from studio_helpers import TEXT_SAMPLES, screenshot

import ganforge
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


def drawn_pixels(page, canvas: str) -> int:
    return page.evaluate("""(sel) => { const c = document.querySelector(sel),
        d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""", canvas)


def chart(page, chart_id: str) -> dict:
    """What the Runs page plots in a chart: its title, its legend (series names) and each series' points."""
    return page.evaluate("""(id) => { const c = window.studioRuns.charts.find((c) => c.id === id);
        return c && { title: c.title, series: c.series.map((s) => s.name), points: c.series.map((s) => s.points),
                      label: document.getElementById(id).getAttribute('aria-label') }; }""", chart_id)


def test_lab_learns_the_ring_until_all_8_modes_have_points(live_server, page):
    page.goto(live_server.url + "/lab")
    page.wait_for_selector("body[data-ready]")
    assert page.input_value("#dataset") == "ring"
    page.click("#play")
    # the Lab counts modes on its own 2,000-point check sample; wait until the 512 points it draws show them too
    page.wait_for_function("""(ring) => { const f = window.studioLab.frame;
        if (!f || !f.modes || f.modes.covered !== 8) return false;
        return ring.every(([cx, cy]) => f.fake.filter(([x, y]) => Math.hypot(x - cx, y - cy) < 0.3).length >= 10); }""",
                           arg=RING, timeout=150_000, polling=200)
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
    assert drawn_pixels(page, "#curve-loss") > 1000
    assert chart(page, "curve-loss")["series"] == ["d", "g"]
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
    assert not page.is_visible("#mix-controls")   # style mixing is for stylegan2 runs (tests/web/test_studio_stylegan2.py)
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


def test_runs_page_plots_the_training_time_eval_metric(live_server, eval_run, page):
    rows = [json.loads(line) for line in (eval_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [4, 8]
    page.goto(live_server.url + "/runs#tiny-eval")
    page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'tiny-eval'")
    fid = chart(page, "metric-fid")
    assert fid["series"] == ["fid"] and fid["label"] == "eval: fid: fid"
    assert fid["points"] == [[[r["step"], r["values"]["fid"]] for r in rows]]
    assert drawn_pixels(page, "#metric-fid") > 500 and page.is_hidden("#no-metrics")
    ids = page.evaluate("() => window.studioRuns.charts.map((c) => c.id)")
    assert ids == ["curve-loss", "curve-statistics", "curve-grad_norm", "curve-speed", "metric-fid"]
    assert chart(page, "curve-loss")["series"] == ["d", "g"]
    assert chart(page, "curve-statistics")["series"] == ["D(G(z))", "D(x)", "d_accuracy"]
    assert page.evaluate("() => window.studioRuns.steps") == [4, 8]
    page.wait_for_function("() => document.querySelector('#timeline-image').naturalWidth > 0")
    assert not page.is_visible("#error") and page.js_errors == []


def test_runs_page_plots_a_text_runs_losses_and_shows_its_text_samples(live_server, text_run, page):
    page.goto(live_server.url + "/runs#tiny-text")
    page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'tiny-text'")
    ids = page.evaluate("() => window.studioRuns.charts.map((c) => c.id)")
    assert ids == ["curve-pretrain_g", "curve-adversarial", "metric-nll_gen", "metric-nll_oracle"]
    adversarial = chart(page, "curve-adversarial")
    assert adversarial["series"] == ["g_loss", "d_loss"]
    assert [[p[0] for p in s] for s in adversarial["points"]] == [[50, 60, 70, 80]] * 2
    assert chart(page, "curve-pretrain_g")["points"] == [[[s, 3.0 - s / 40] for s in (10, 20, 30, 40)]]
    for canvas in ("#curve-pretrain_g", "#curve-adversarial", "#metric-nll_gen"):
        assert drawn_pixels(page, canvas) > 500, canvas
    # the newest sample is shown as text: the markup in it stays text (textContent, under the page's CSP)
    page.wait_for_function("() => document.querySelector('#timeline-text').dataset.file === 'step_0000080.txt'")
    assert page.is_visible("#timeline-text") and page.is_hidden("#timeline-image")
    assert page.inner_text("#timeline-text").strip() == TEXT_SAMPLES[80]
    assert page.evaluate("() => document.querySelector('#timeline-text').children.length") == 0
    page.fill("#timeline", "0")
    page.wait_for_function("() => document.querySelector('#timeline-text').dataset.file === 'step_0000040.txt'")
    assert page.inner_text("#timeline-text").strip() == TEXT_SAMPLES[40]
    assert "step 40 (1 of 2)" in page.inner_text("#timeline-step")
    assert not page.is_visible("#error") and page.js_errors == []


def test_runs_page_plots_a_trained_text_run(live_server, trained_text_run, page):
    """Against a run the text family really trained: its three phases' losses and NLL_gen are curves, its samples text."""
    page.goto(live_server.url + "/runs#seqgan-real")
    page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'seqgan-real'")
    ids = page.evaluate("() => window.studioRuns.charts.map((c) => c.id)")
    assert {"curve-pretrain_g", "curve-pretrain_d", "curve-adversarial", "metric-nll_gen"} <= set(ids), ids
    nll = chart(page, "metric-nll_gen")
    assert [p[0] for p in nll["points"][0]] == [10, 20]          # scored after MLE and after the adversarial phase
    assert "g_loss" in chart(page, "curve-adversarial")["series"]
    for canvas in ("#curve-pretrain_g", "#curve-adversarial", "#metric-nll_gen"):
        assert drawn_pixels(page, canvas) > 500, canvas
    page.wait_for_function("() => document.querySelector('#timeline-text').dataset.file === 'step_0000020.txt'")
    newest = (trained_text_run / "samples" / "step_0000020.txt").read_text().strip()
    assert page.inner_text("#timeline-text").strip() == newest and newest


def data_url_image(page, selector: str) -> np.ndarray:
    src = page.get_attribute(selector, "src")
    assert src.startswith("data:image/png;base64,")
    return np.array(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_create_page_draws_a_text2image_prompt_and_shows_an_unknown_word_in_the_page(live_server, t2i_run, page):
    page.goto(live_server.url + "/create?run=t2i-tiny")
    page.wait_for_function("() => window.studioPrompt.ready === 't2i-tiny'", timeout=30_000)
    assert page.is_visible("#prompt-controls") and page.is_visible("#prompt-generate")
    assert not page.is_visible("#label") and not page.is_visible("#truncation")   # image-only controls are hidden
    captions = (t2i_run / "samples" / "captions.txt").read_text().splitlines()
    examples = page.locator("#prompt-examples button").all_inner_texts()
    assert examples[:len(captions)] == captions and len(examples) == 4   # the run's own captions come first
    assert page.eval_on_selector_all("#prompt-stage option", "os => os.map((o) => o.value)") == ["1", "2"]
    assert page.input_value("#prompt-stage") == "2"

    prompt = "a thin seven left of a bold two"
    page.fill("#prompt-text", prompt)
    page.click("#prompt-generate")
    page.wait_for_function("() => window.studioPrompt.results === 1", timeout=30_000)
    g = ganforge.load(t2i_run)
    expected = make_grid(g.sample(prompt, n=8, seed=0, stage=2), nrow=8)
    assert np.array_equal(data_url_image(page, "#prompt-image"), expected[..., 0])   # `ganforge sample --prompt`
    assert "stage 2" in page.inner_text("#prompt-caption")
    page.select_option("#prompt-stage", "1")
    page.wait_for_function("() => window.studioPrompt.results === 2", timeout=30_000)
    low = make_grid(g.sample(prompt, n=8, seed=0, stage=1), nrow=8)
    assert np.array_equal(data_url_image(page, "#prompt-image"), low[..., 0])   # stage I: 16 px
    page.click("#prompt-examples button >> nth=1")
    page.wait_for_function("() => window.studioPrompt.results === 3", timeout=30_000)
    assert page.input_value("#prompt-text") == examples[1]

    page.fill("#prompt-text", "a thin sevn left of a bold two")
    page.press("#prompt-text", "Enter")
    page.wait_for_function("() => document.querySelector('#prompt-error').textContent.includes('sevn')")
    error = page.inner_text("#prompt-error")
    assert "\n" not in error and "use known words" in error and "zero..nine" in error
    assert not page.is_visible("#error") and page.js_errors == []   # in the prompt box, not the banner or a throw
    assert page.is_visible("#prompt-image")   # the last grid stays
    screenshot(page, "create-prompt")


def test_runs_page_shows_the_evaluation_views_of_a_run(live_server, eval_run, page, tmp_path, monkeypatch):
    """`ganforge eval RUN --extractor all --views` writes eval/views; the Runs page lists and draws them."""
    from ganforge.cli.main import main
    from ganforge.image.data import load_split

    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))
    digits = load_split("embedded").images
    ref, train = tmp_path / "ref.npz", tmp_path / "train.npz"
    np.savez(ref, images=digits[:300, 0].numpy())
    np.savez(train, images=digits[1000:1400, 0].numpy())
    had_eval = (eval_run / "eval").exists()
    assert main(["eval", str(eval_run), "--ref", str(ref), "--n", "64", "--metrics", "fid", "--extractor", "all",
                 "--threads", "1", "--views", "--neighbours-in", str(train)]) == 0
    page.goto(live_server.url + "/runs#tiny-eval")
    page.wait_for_function("() => window.studioRuns.loaded && window.studioRuns.name === 'tiny-eval'")
    page.wait_for_function("() => !document.querySelector('#eval-views').hidden && "
                           "document.querySelectorAll('#views-grids img').length === 4")
    summary = page.inner_text("#views-summary")
    assert "64 samples of" in summary and "pixel-exact copies" in summary
    for name in ("mnist-classifier", "mnist-resnet", "mnist-autoencoder"):
        assert f"{name}: " in summary and f"worst samples by {name}" in page.inner_text("#views-grids")
    page.wait_for_function("() => [...document.querySelectorAll('#views-grids img')].every((i) => i.naturalWidth > 0)")
    shutil.rmtree(eval_run / "eval" / "views" if had_eval else eval_run / "eval")   # leave the run as it was
    assert not page.is_visible("#error") and page.js_errors == []
