// The Translate page: draw (white on black) or upload an image, and see a translation run's output live;
// a CycleGAN run also shows the round trip (A -> B -> A). The server translates (POST /api/translate);
// the canvas is sent at the model's size, as `ganforge translate` would resize a file.
"use strict";

const $ = (id) => document.getElementById(id);
const tr = { runs: [], busy: false, again: false, drawing: false, last: null, results: 0 };
window.studioTranslate = tr; // for the end-to-end tests

function currentRun() {
  return tr.runs.find((r) => r.name === $("run").value);
}

async function loadRuns() {
  const data = await studio.api("GET", "/api/translate/runs");
  tr.runs = data.runs;
  $("run").innerHTML = "";
  if (!tr.runs.length) {
    studio.showError("no pix2pix or cyclegan run with a checkpoint here: train one with `ganforge train pix2pix " +
      "--data DIR`, then reload");
    return;
  }
  for (const run of tr.runs) $("run").add(new Option(run.name + " (" + run.model + ", step " + run.step + ")", run.name));
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && tr.runs.some((r) => r.name === wanted)) $("run").value = wanted;
  pickRun();
}

function pickRun() {
  const run = currentRun();
  $("direction").innerHTML = "";
  for (const d of run.directions) $("direction").add(new Option(d === "AtoB" ? "A → B" : "B → A", d));
  describe();
  translateNow();
}

function describe() {
  const run = currentRun(), d = $("direction").value;
  const [cin, cout] = run.channels[d];
  const kind = (c) => (c === 3 ? "colour" : "grayscale");
  $("run-caption").textContent = run.model + " on " + (run.data || "?") + ", " + run.image_size + " px, " +
    kind(cin) + " in, " + kind(cout) + " out";
  const back = d === "AtoB" ? "A → B → A" : "B → A → B";
  $("output-title").textContent = "Output (" + (d === "AtoB" ? "A → B" : "B → A") + ")";
  $("cycle-title").textContent = "Round trip (" + back + ")";
  $("cycle-box").hidden = run.directions.length < 2;
}

// ------------------------------------------------------------------ drawing
function sketchContext() {
  return $("sketch").getContext("2d");
}

function clearSketch() {
  const ctx = sketchContext();
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, $("sketch").width, $("sketch").height);
}

function point(e) {
  const box = $("sketch").getBoundingClientRect();
  return [(e.clientX - box.left) * ($("sketch").width / box.width), (e.clientY - box.top) * ($("sketch").height / box.height)];
}

function stroke(from, to) {
  const ctx = sketchContext();
  ctx.strokeStyle = $("eraser").checked ? "#000" : "#fff";
  ctx.lineWidth = Number($("pen").value);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.stroke();
}

function setUpDrawing() {
  const canvas = $("sketch");
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    tr.drawing = true;
    tr.last = point(e);
    stroke(tr.last, tr.last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!tr.drawing) return;
    const p = point(e);
    stroke(tr.last, p);
    tr.last = p;
    if ($("live").checked) translateNow();
  });
  const end = () => {
    if (!tr.drawing) return;
    tr.drawing = false;
    translateNow();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
}

// an uploaded image fills the canvas (squashed to a square, as the model sees it), then can be drawn on
function upload(file) {
  if (!file) return;
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.onload = () => {
    clearSketch();
    sketchContext().drawImage(img, 0, 0, $("sketch").width, $("sketch").height);
    URL.revokeObjectURL(url);
    translateNow();
  };
  img.onerror = () => studio.showError(file.name + " is not an image the browser can read; pick a PNG or JPEG");
  img.src = url;
}

// the canvas at the model's size, as a PNG data URL
function modelInput() {
  const size = currentRun().image_size;
  const small = document.createElement("canvas");
  small.width = small.height = size;
  const ctx = small.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage($("sketch"), 0, 0, size, size);
  return small.toDataURL("image/png");
}

// ------------------------------------------------------------------ translating (one request in flight)
async function translateNow() {
  if (!currentRun()) return;
  if (tr.busy) { tr.again = true; return; }
  tr.busy = true;
  try {
    do {
      tr.again = false;
      const result = await studio.api("POST", "/api/translate", {
        run: $("run").value, direction: $("direction").value, image: modelInput(), convert: $("convert").checked,
      });
      $("output").src = result.output;
      if (result.cycle) $("cycle").src = result.cycle;
      tr.results += 1;
      $("caption").textContent = "step " + result.step + " of " + $("run").value + " · " + tr.results + " translation" +
        (tr.results === 1 ? "" : "s");
      studio.clearError();
    } while (tr.again);
  } catch (err) {
    studio.showError(err.message);
  } finally {
    tr.busy = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  clearSketch();
  setUpDrawing();
  $("run").addEventListener("change", pickRun);
  $("direction").addEventListener("change", () => { describe(); translateNow(); });
  $("clear").addEventListener("click", () => { clearSketch(); translateNow(); });
  $("translate").addEventListener("click", translateNow);
  $("convert").addEventListener("change", translateNow);
  $("upload").addEventListener("change", (e) => upload(e.target.files[0]));
  loadRuns().catch((err) => studio.showError(err.message));
});
