// ganforge studio, shared by every page: JSON calls with readable errors, the error banner,
// background jobs with progress, and a small line chart. Plain JS, no build step, no libraries.
"use strict";

const studio = {};

// ------------------------------------------------------------------ errors shown in the page
studio.showError = function (message) {
  const box = document.getElementById("error");
  box.querySelector(".message").textContent = message;
  box.hidden = false;
};
studio.clearError = function () {
  document.getElementById("error").hidden = true;
};
window.addEventListener("error", (e) => studio.showError("page error: " + e.message));
window.addEventListener("unhandledrejection", (e) =>
  studio.showError((e.reason && e.reason.message) || String(e.reason)));
document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("#error button").addEventListener("click", studio.clearError);
  const here = location.pathname;
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("current", a.pathname === here));
});

// ------------------------------------------------------------------ the server's JSON API
// Resolves to the parsed JSON (a Blob for other content, or when asBlob); rejects with an Error whose
// message is the server's one line.
studio.api = async function (method, url, body, asBlob) {
  const init = { method: method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error("the studio server is not answering (" + e.message + "); is `ganforge studio` still running?");
  }
  const type = res.headers.get("content-type") || "";
  if (!res.ok) {
    let message = "request failed: " + res.status + " " + res.statusText;
    if (type.includes("json")) {
      try { message = (await res.json()).error || message; } catch (_) { /* keep the status line */ }
    }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return type.includes("json") && !asBlob ? res.json() : res.blob();
};

// ------------------------------------------------------------------ background jobs (Create)
// Submits a job, shows its progress in <progress id=progressId>, resolves to {job, blob}.
studio.runJob = async function (request, progressId) {
  const bar = document.getElementById(progressId);
  bar.hidden = false;
  bar.removeAttribute("value");
  try {
    let job = await studio.api("POST", "/api/create", request);
    while (job.state === "queued" || job.state === "running") {
      await new Promise((r) => setTimeout(r, 120));
      job = await studio.api("GET", "/api/jobs/" + job.id);
      if (job.total > 0 && job.done > 0) { bar.max = job.total; bar.value = job.done; }
    }
    if (job.state === "error") throw new Error(job.error);
    const blob = await studio.api("GET", "/api/jobs/" + job.id + "/result", undefined, true);
    return { job: job, blob: blob };
  } finally {
    bar.hidden = true;
  }
};

// ------------------------------------------------------------------ line charts
// series: [{name, color, points: [[x, y], ...]}]; draws axes, ticks, a legend and the lines; markers
// ([{x, label}], e.g. settings changed mid-run) are dashed vertical lines with their label.
studio.lineChart = function (canvas, series, title, markers) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, left = 46, right = 10, top = 26, bottom = 22;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#1d2330";
  ctx.fillText(title, left, 12);
  const all = series.flatMap((s) => s.points.filter((p) => p[1] !== null && isFinite(p[1])));
  if (all.length === 0) {
    ctx.fillStyle = "#667085";
    ctx.fillText("no data yet", left, h / 2);
    return;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (w - left - right);
  const py = (y) => h - bottom - ((y - y0) / (y1 - y0)) * (h - top - bottom);
  ctx.strokeStyle = "#d9dde5";
  ctx.fillStyle = "#667085";
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    ctx.beginPath(); ctx.moveTo(left, py(y)); ctx.lineTo(w - right, py(y)); ctx.stroke();
    ctx.fillText(studio.fmt(y), 2, py(y) + 4);
  }
  ctx.fillText(studio.fmt(x0), left, h - 6);
  ctx.fillText(studio.fmt(x1), w - right - ctx.measureText(studio.fmt(x1)).width, h - 6);
  let lx = left + ctx.measureText(title).width + 16;
  series.forEach((s) => {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    s.points.forEach((p) => {
      if (p[1] === null || !isFinite(p[1])) { pen = false; return; }
      if (pen) ctx.lineTo(px(p[0]), py(p[1])); else ctx.moveTo(px(p[0]), py(p[1]));
      pen = true;
    });
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillRect(lx, 4, 10, 10);
    ctx.fillStyle = "#1d2330";
    ctx.fillText(s.name, lx + 13, 12);
    lx += ctx.measureText(s.name).width + 26;
  });
  ctx.lineWidth = 1;
  (markers || []).forEach((m) => {
    if (m.x < x0 || m.x > x1) return;
    ctx.strokeStyle = "#c92a2a";
    ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(px(m.x), top); ctx.lineTo(px(m.x), h - bottom); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#c92a2a";
    ctx.fillText(m.label, Math.min(px(m.x) + 3, w - right - ctx.measureText(m.label).width), top + 10);
  });
};

// The markers of a run's events: settings changed mid-run and forks, at their steps.
studio.eventMarkers = function (events) {
  return (events || []).filter((e) => e.event === "set" || e.event === "forked").map((e) => ({
    x: e.step, label: Object.entries(e.values || {}).map(([k, v]) => k.split(".").pop() + "=" + v).join(" ") || e.event,
  }));
};

studio.fmt = function (v) {
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return v.toExponential(1);
  return a >= 100 ? v.toFixed(0) : v.toFixed(a >= 10 ? 1 : 2);
};

studio.COLORS = ["#3b5bdb", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0b7285", "#5c940d", "#862e9c"];
