// The Music page: a music run's phrases as a piano roll, played in the browser with Web Audio: "Play notes"
// synthesises the notes with oscillators here; "Play WAV" plays the server's rendering (fluidsynth and the
// General MIDI soundfont, or ganforge's own synthesiser). No CDN, no plug-in.
"use strict";

const $ = (id) => document.getElementById(id);
const mu = { runs: [], notes: [], seconds: 0, ctx: null, sources: [], state: "stopped", played: 0 };
window.studioMusic = mu; // for the end-to-end tests

function params() {
  return "n=" + encodeURIComponent($("n").value) + "&seed=" + encodeURIComponent($("seed").value) +
    "&temperature=" + encodeURIComponent($("temperature").value);
}

function base() {
  return "/api/music/" + encodeURIComponent($("run").value) + "/sample";
}

async function loadRuns() {
  const data = await studio.api("GET", "/api/music/runs");
  mu.runs = data.runs;
  $("run").innerHTML = "";
  if (!mu.runs.length) {
    studio.showError("no music run here: train one with `ganforge train musegan --data jsb`, then reload");
    return;
  }
  for (const r of mu.runs) $("run").add(new Option(r.name + " (" + r.model + ", step " + r.step + ")", r.name));
  await generate();
}

async function generate() {
  stop();
  const data = await studio.api("GET", base() + "?" + params());
  mu.notes = data.notes;
  mu.seconds = data.seconds;
  $("roll").src = data.roll;
  $("roll-title").textContent = "Piano roll (step " + data.step + ", " + data.seconds.toFixed(1) + " s)";
  $("tracks").textContent = "tracks: " + data.tracks.join(", ") + " · " + data.notes.length + " notes";
  $("download-mid").href = base() + ".mid?" + params();
  $("download-wav").href = base() + ".wav?" + params();
}

function context() {
  if (!mu.ctx) mu.ctx = new (window.AudioContext || window.webkitAudioContext)();
  return mu.ctx;
}

function setState(state) {
  mu.state = state;
  $("play-state").textContent = state;
}

function stop() {
  for (const s of mu.sources) {
    try { s.stop(); } catch (e) { /* already stopped */ }
  }
  mu.sources = [];
  if (mu.state !== "stopped") setState("stopped");
}

function finishAfter(seconds) {
  const token = ++mu.played;
  setTimeout(() => { if (mu.played === token && mu.state.startsWith("playing")) setState("stopped"); },
    seconds * 1000 + 200);
}

function playNotes() {
  stop();
  const ctx = context(), t0 = ctx.currentTime + 0.05;
  const master = ctx.createGain();
  master.gain.value = 0.15;
  master.connect(ctx.destination);
  for (const n of mu.notes) {
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = 440 * Math.pow(2, (n.pitch - 69) / 12);
    const a = t0 + n.start, b = t0 + n.end;
    gain.gain.setValueAtTime(0, a);
    gain.gain.linearRampToValueAtTime(n.velocity / 127, a + 0.01);
    gain.gain.setTargetAtTime(0, b - 0.02, 0.02);
    osc.connect(gain).connect(master);
    osc.start(a);
    osc.stop(b + 0.1);
    mu.sources.push(osc);
  }
  setState("playing notes");
  finishAfter(mu.seconds);
}

async function playWav() {
  stop();
  setState("rendering");
  const blob = await studio.api("GET", base() + ".wav?" + params(), undefined, true);
  const buffer = await context().decodeAudioData(await blob.arrayBuffer());
  const src = context().createBufferSource();
  src.buffer = buffer;
  src.connect(context().destination);
  src.start();
  mu.sources.push(src);
  mu.wav = { seconds: buffer.duration, rate: buffer.sampleRate };
  setState("playing wav");
  finishAfter(buffer.duration);
}

$("run").addEventListener("change", generate);
$("generate").addEventListener("click", generate);
$("play-midi").addEventListener("click", playNotes);
$("play-wav").addEventListener("click", () => playWav().catch((e) => { setState("stopped"); studio.showError(e.message); }));
$("stop").addEventListener("click", stop);
loadRuns().catch((e) => studio.showError(e.message));
