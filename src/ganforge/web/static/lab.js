// The Lab page: one Lab session per browser tab (its id lives in sessionStorage), trained on the server;
// this script polls its frames and draws them: decision surface, points, latent grid, gradient arrows, curves.
"use strict";

const lab = { id: null, frame: null, drawn: [], polling: false };
window.studioLab = lab; // for the end-to-end tests and for poking around in the console

const $ = (id) => document.getElementById(id);

function readConfig() {
  const layers = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  return {
    dataset: $("dataset").value, loss: $("loss").value, points: lab.drawn,
    lr_g: Number($("lr_g").value), lr_d: Number($("lr_d").value), d_steps: Number($("d_steps").value),
    seed: Number($("seed").value), g_hidden: layers("g_hidden"), d_hidden: layers("d_hidden"),
  };
}

function showConfig(cfg) {
  for (const key of ["dataset", "loss", "lr_g", "lr_d", "d_steps", "seed"]) $(key).value = cfg[key];
  $("g_hidden").value = cfg.g_hidden.join(", ");
  $("d_hidden").value = cfg.d_hidden.join(", ");
  lab.drawn = cfg.points;
  $("draw-help").hidden = cfg.dataset !== "drawn";
}

async function newSession(cfg) {
  const frame = await studio.api("POST", "/api/lab", cfg);
  lab.id = frame.id;
  sessionStorage.setItem("ganforge-lab-id", lab.id);
  return frame;
}

async function control(action, extra) {
  try {
    const frame = await studio.api("POST", "/api/lab/" + lab.id + "/control", Object.assign({ action: action }, extra));
    studio.clearError();
    render(frame);
  } catch (e) {
    if (e.status === 404) return recover();
    studio.showError(e.message);
  }
}

async function applyConfig() {
  if ($("dataset").value === "drawn" && lab.drawn.length < 3) {
    $("draw-help").hidden = false;
    $("lab-notice").textContent = "draw at least 3 points on the plot";
    return;
  }
  await control("config", { config: readConfig() });
}

async function recover() {
  $("lab-notice").textContent = "this tab's Lab session had expired; a new one was started";
  render(await newSession(readConfig()));
}

// ------------------------------------------------------------------ polling
async function poll() {
  if (lab.polling) return;
  lab.polling = true;
  try {
    render(await studio.api("GET", "/api/lab/" + lab.id));
  } catch (e) {
    if (e.status === 404) await recover(); else studio.showError(e.message);
  } finally {
    lab.polling = false;
    setTimeout(poll, lab.frame && lab.frame.playing ? 80 : 400);
  }
}

// ------------------------------------------------------------------ drawing
function render(frame) {
  lab.frame = frame;
  $("play").textContent = frame.playing ? "❚❚ Pause" : "▶ Play";
  $("slow").checked = frame.slow;
  const modes = frame.modes ? " · modes covered " + frame.modes.covered + "/" + frame.modes.total : "";
  const loss = (v) => (v === null ? "–" : v.toFixed(3));
  $("lab-status").textContent = "G steps " + frame.g_steps + " · D steps " + frame.d_steps + "\nloss D " +
    loss(frame.loss_d) + " · loss G " + loss(frame.loss_g) + "\nJS divergence " + frame.js.toFixed(3) + " bits" + modes;
  $("lab-status").dataset.modesCovered = frame.modes ? frame.modes.covered : "";
  if (frame.error) studio.showError(frame.error);
  $("surface-kind").textContent = "heat map: " + frame.surface.kind + " (green = judged real, purple = judged fake)";
  drawPlot(frame);
  studio.lineChart($("loss-chart"), [
    { name: "D loss", color: "#e8590c", points: frame.history.map((r) => [r[0], r[1]]) },
    { name: "G loss", color: "#3b5bdb", points: frame.history.map((r) => [r[0], r[2]]) },
  ], "loss per G step");
  studio.lineChart($("divergence-chart"), [
    { name: "JS (bits)", color: "#2b8a3e", points: frame.divergence },
  ], "divergence");
}

function drawPlot(frame) {
  const canvas = $("plot"), ctx = canvas.getContext("2d");
  const size = canvas.width, view = frame.view;
  const X = (x) => ((x + view) / (2 * view)) * size;
  const Y = (y) => size - ((y + view) / (2 * view)) * size;
  ctx.clearRect(0, 0, size, size);
  if ($("show-surface").checked) drawSurface(ctx, frame.surface, size);
  if ($("show-manifold").checked) {
    const n = frame.manifold.size, pts = frame.manifold.points;
    ctx.strokeStyle = "rgba(60, 60, 60, 0.35)";
    for (let i = 0; i < n; i++) {
      for (const along of [(j) => pts[i * n + j], (j) => pts[j * n + i]]) {
        ctx.beginPath();
        for (let j = 0; j < n; j++) {
          const p = along(j);
          if (j === 0) ctx.moveTo(X(p[0]), Y(p[1])); else ctx.lineTo(X(p[0]), Y(p[1]));
        }
        ctx.stroke();
      }
    }
  }
  dots(ctx, frame.real, "rgba(27, 138, 58, 0.75)", X, Y);
  dots(ctx, frame.fake, "rgba(142, 59, 181, 0.85)", X, Y);
  if ($("show-arrows").checked && frame.arrows.length) {
    const longest = Math.max(...frame.arrows.map((a) => Math.hypot(a[0], a[1])), 1e-12);
    const scale = 0.35 / longest; // the longest arrow is 0.35 data units
    ctx.strokeStyle = "rgba(80, 20, 110, 0.7)";
    frame.arrows.forEach((a, k) => {
      const p = frame.fake[k], q = [p[0] + a[0] * scale, p[1] + a[1] * scale];
      arrow(ctx, X(p[0]), Y(p[1]), X(q[0]), Y(q[1]));
    });
  }
  if (frame.config.dataset === "drawn") dots(ctx, lab.drawn, "rgba(0, 0, 0, 0.9)", X, Y, 3.5);
}

function drawSurface(ctx, surface, size) {
  const n = surface.size, img = new ImageData(n, n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const v = surface.values[row * n + col] / 255; // row 0 is the bottom of the plot
      const k = 4 * ((n - 1 - row) * n + col);
      // purple (judged fake) -> white -> green (judged real)
      const t = Math.abs(v - 0.5) * 2, c = v >= 0.5 ? [27, 138, 58] : [142, 59, 181];
      img.data[k] = 255 + (c[0] - 255) * t * 0.45;
      img.data[k + 1] = 255 + (c[1] - 255) * t * 0.45;
      img.data[k + 2] = 255 + (c[2] - 255) * t * 0.45;
      img.data[k + 3] = 255;
    }
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = n;
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, size, size);
}

function dots(ctx, points, color, X, Y, r) {
  ctx.fillStyle = color;
  for (const p of points) {
    ctx.beginPath();
    ctx.arc(X(p[0]), Y(p[1]), r || 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function arrow(ctx, x0, y0, x1, y1) {
  const a = Math.atan2(y1 - y0, x1 - x0), head = Math.min(5, Math.hypot(x1 - x0, y1 - y0) / 2);
  ctx.beginPath();
  ctx.moveTo(x0, y0); ctx.lineTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(a - 0.5), y1 - head * Math.sin(a - 0.5));
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(a + 0.5), y1 - head * Math.sin(a + 0.5));
  ctx.stroke();
}

// ------------------------------------------------------------------ drawing your own data
function plotPoint(event) {
  const canvas = $("plot"), box = canvas.getBoundingClientRect(), view = lab.frame ? lab.frame.view : 3;
  const x = ((event.clientX - box.left) / box.width) * 2 * view - view;
  const y = view - ((event.clientY - box.top) / box.height) * 2 * view;
  return [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
}

function setUpDrawing() {
  const canvas = $("plot");
  let down = false, last = 0;
  canvas.addEventListener("pointerdown", (e) => {
    if ($("dataset").value !== "drawn") return;
    down = true;
    lab.drawn = lab.drawn.concat([plotPoint(e)]);
    if (lab.frame) drawPlot(lab.frame);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!down || Date.now() - last < 30 || lab.drawn.length >= 2000) return;
    last = Date.now();
    lab.drawn = lab.drawn.concat([plotPoint(e)]);
    if (lab.frame) drawPlot(lab.frame);
  });
  window.addEventListener("pointerup", () => {
    if (!down) return;
    down = false;
    applyConfig();
  });
  $("clear-drawing").addEventListener("click", () => {
    lab.drawn = [];
    if (lab.frame) drawPlot(lab.frame);
  });
}

// ------------------------------------------------------------------ start
async function start() {
  const options = await studio.api("GET", "/api/options");
  for (const d of options.datasets) $("dataset").add(new Option(d, d)); // text, never parsed as HTML
  for (const d of options.losses) $("loss").add(new Option(d, d));
  let frame = null;
  const saved = sessionStorage.getItem("ganforge-lab-id");
  if (saved) {
    try { frame = await studio.api("GET", "/api/lab/" + saved); lab.id = saved; } catch (_) { frame = null; }
  }
  if (!frame) frame = await newSession({});
  showConfig(frame.config);
  render(frame);

  $("play").addEventListener("click", () => control(lab.frame && lab.frame.playing ? "pause" : "play"));
  $("step_g").addEventListener("click", () => control("step_g"));
  $("step_d").addEventListener("click", () => control("step_d"));
  $("reset").addEventListener("click", () => control("reset"));
  $("slow").addEventListener("change", () => control("slow", { on: $("slow").checked }));
  for (const id of ["dataset", "loss", "lr_g", "lr_d", "d_steps", "seed", "g_hidden", "d_hidden"]) {
    $(id).addEventListener("change", () => {
      $("draw-help").hidden = $("dataset").value !== "drawn";
      applyConfig();
    });
  }
  for (const id of ["show-surface", "show-manifold", "show-arrows"]) {
    $(id).addEventListener("change", () => lab.frame && drawPlot(lab.frame));
  }
  setUpDrawing();
  document.body.dataset.ready = "1";
  setTimeout(poll, 100);
}

document.addEventListener("DOMContentLoaded", () => start().catch((e) => studio.showError(e.message)));
