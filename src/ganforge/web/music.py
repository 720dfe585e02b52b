"""The studio's Music page: piano rolls of music runs, played in the browser (Web Audio, no CDN).

    GET /music                                   the page (static music.html + music.js)
    GET /api/music/runs                          the music runs: model, tracks, step
    GET /api/music/{run}/sample?n=&seed=&temperature=
                                                 {"notes": [...], "seconds", "tracks", "roll" (PNG data URL), "step"}
    GET /api/music/{run}/sample.mid?...          the same phrases as a MIDI file
    GET /api/music/{run}/sample.wav?...          rendered by the server (fluidsynth + the GM soundfont, or the
                                                 built-in synthesiser), 16-bit PCM at 22,050 Hz

The page plays the notes with Web Audio oscillators (its own small synthesiser) or the server's WAV
(decoded by Web Audio). Runs load through :func:`ganforge.family.load`, so the phrases are those
``ganforge sample RUN --seed S`` writes.
"""
from __future__ import annotations

import base64
import io
from typing import Any, Dict, List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.errors import GanforgeError
from ganforge.media.audio import render_midi, wav_bytes
from ganforge.media.images import png_bytes
from ganforge.media.midi import concatenate, roll_image
from ganforge.web.create import GeneratorCache, marked
from ganforge.web.jsonio import reply
from ganforge.web.runs import NotFound, RunsFolder

RATE = 22050
MAX_PHRASES = 16


class MusicCache(GeneratorCache):
    def check_run(self, run: str) -> None:
        family = self.runs.run_folder(run).info()["family"]
        if family != "music":
            raise GanforgeError(f"run {run!r} is a {family} run: the Music page plays music runs "
                                "(train one with `ganforge train musegan`)")


def query(request: Request) -> Dict[str, Any]:
    q = request.query_params
    try:
        n, seed, temperature = int(q.get("n", 4)), int(q.get("seed", 0)), float(q.get("temperature", 1.0))
    except ValueError:
        raise GanforgeError("n and seed must be whole numbers and temperature a number, e.g. ?n=4&seed=0") from None
    if not 1 <= n <= MAX_PHRASES or not 0.05 <= temperature <= 5.0:
        raise GanforgeError(f"n must be 1 to {MAX_PHRASES} and temperature 0.05 to 5")
    return {"n": n, "seed": seed, "temperature": temperature}


def music_routes(runs: RunsFolder, provenance: bool = True) -> List[Route]:
    """The Music page's API; the WAV it renders carries provenance (a C2PA manifest) unless ``provenance`` is False
    (a MIDI download cannot carry a sidecar: `ganforge sample RUN --out song.mid` writes one)."""
    cache = MusicCache(runs, provenance=provenance)

    def song(request: Request):
        g = cache.load(request.path_params["name"], None)
        q = query(request)
        voices = g.sample(q["n"], seed=q["seed"], temperature=q["temperature"])
        songs = g.songs(voices)
        return g, songs, concatenate(songs, gap=1.0)

    async def list_runs(request: Request) -> Response:
        out = []
        for r in runs.list_runs():
            if r["family"] == "music":
                info = runs.run_folder(r["name"]).info()
                out.append({"name": r["name"], "model": r["model"], "step": r["step"], "tracks": info.get("tracks")})
        return reply({"runs": out})

    async def sample(request: Request) -> Response:
        def make():
            g, songs, whole = song(request)
            notes = [{"track": k, "pitch": n.pitch, "start": n.start, "end": n.end, "velocity": n.velocity}
                     for k, inst in enumerate(whole.instruments) for n in inst.notes]
            roll = "data:image/png;base64," + base64.b64encode(png_bytes(roll_image(songs), scale=3)).decode()
            return {"notes": notes, "seconds": whole.get_end_time(), "tracks": g.track_names, "roll": roll,
                    "step": g.step}
        return reply(await run_in_threadpool(make))

    async def sample_file(request: Request) -> Response:
        suffix = request.path_params["suffix"]
        if suffix not in ("mid", "wav"):
            raise NotFound(f"no sample.{suffix}: ask for sample.mid or sample.wav")

        def make() -> bytes:
            g, _, whole = song(request)
            if suffix == "wav":
                sound = render_midi(whole, RATE)
                return marked(cache, g, wav_bytes(sound.samples, sound.rate), "sample.wav", **query(request))
            buf = io.BytesIO()
            whole.write(buf)
            return buf.getvalue()
        body = await run_in_threadpool(make)
        return Response(body, media_type="audio/wav" if suffix == "wav" else "audio/midi")

    return [Route("/api/music/runs", list_runs), Route("/api/music/{name}/sample", sample),
            Route("/api/music/{name}/sample.{suffix}", sample_file)]
