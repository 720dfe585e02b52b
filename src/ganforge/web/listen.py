"""The studio's Listen page: hear an audio run's samples (WAV in plain ``<audio>`` players) and see their spectrograms.

    GET /listen                                   the page (static listen.html + listen.js)
    GET /api/listen/runs                          audio runs: model, data, step, classes, the training samples
    GET /api/listen/{run}/samples/{file}          a training sample: step_N.wav (audio/wav) or step_N.png
    GET /api/listen/{run}/generate.wav?n=&seed=&label=   fresh clips of the newest checkpoint, one after another
    GET /api/listen/{run}/generate.png?n=&seed=&label=   their spectrograms

Clips come from :func:`ganforge.family.load`, the pipeline of `ganforge sample`, so the page plays what the
command writes; the same (n, seed, label) gives the same clips. Audio is served from the studio's own
origin (the page's content security policy allows no other media source).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.config import from_dict, option
from ganforge.engine.run_folder import ROWS_LIMIT, SAMPLE_FILE
from ganforge.errors import GanforgeError
from ganforge.media.audio import wav_bytes
from ganforge.web.create import GeneratorCache
from ganforge.web.jsonio import reply
from ganforge.web.runs import NotFound, RunsFolder

SAMPLE_TYPES = {"wav": "audio/wav", "png": "image/png"}


class AudioCache(GeneratorCache):
    def check_run(self, run: str) -> None:
        family = self.runs.run_folder(run).info()["family"]
        if family != "audio":
            raise GanforgeError(f"run {run!r} is a {family} run: the Listen page plays audio runs (wavegan, specgan)")


def run_list(runs: RunsFolder) -> List[Dict[str, Any]]:
    """Audio runs, with their training samples by step (a WAV and its spectrogram each)."""
    out = []
    for summary in runs.list_runs():
        if summary["family"] != "audio":
            continue
        try:
            run = runs.run_folder(summary["name"])
            model, info = run.config_dict().get("model") or {}, run.info()
        except (NotFound, GanforgeError, OSError):
            continue
        files = {}
        for step, path in run.sample_files():
            kind = SAMPLE_FILE.match(path.name).group(2)
            if kind in SAMPLE_TYPES:
                files.setdefault(step, {})[kind] = path.name
        samples = [{"step": s, **f} for s, f in sorted(files.items()) if "wav" in f]
        out.append({"name": summary["name"], "model": model.get("name"), "data": summary["data"],
                    "step": summary["step"], "checkpoints": summary["checkpoints"],
                    "conditional": bool(model.get("conditional")), "sample_rate": model.get("sample_rate"),
                    "length": model.get("length"), "label": info.get("label"), "classes": info.get("classes", []),
                    "samples": samples})
    return out


@dataclass
class Generate:
    n: int = option(4, min=1, max=16, help="clips")
    seed: int = option(0, min=0, max=2 ** 31 - 1)
    label: Optional[int] = option(None, help="the class (pitch, digit) of a conditional run")


def generate(cache: AudioCache, run: str, query: Dict[str, str], suffix: str) -> bytes:
    from ganforge.audio.spectral import spectrogram_grid
    from ganforge.media.images import png_bytes

    try:
        values = {k: int(v) for k, v in query.items() if k in ("n", "seed", "label") and v != ""}
    except ValueError:
        raise GanforgeError("n, seed and label must be whole numbers") from None
    req = from_dict(Generate, values)
    g = cache.load(run, None)
    clips = g.sample(req.n, labels=req.label, seed=req.seed)
    if suffix == "wav":
        gap = [0.0] * int(0.25 * g.rate)
        joined = [x for clip in clips.tolist() for x in clip + gap][:-len(gap)]
        return wav_bytes(joined, g.rate)
    return png_bytes(spectrogram_grid(clips))


def listen_routes(runs: RunsFolder) -> List[Route]:
    """The Listen page's API routes (the page itself is served by :mod:`ganforge.web.pages`)."""
    cache = AudioCache(runs)

    async def list_runs(request: Request) -> Response:
        return reply({"runs": await run_in_threadpool(run_list, runs)})

    async def sample(request: Request) -> Response:
        name, filename = request.path_params["name"], request.path_params["file"]
        m = SAMPLE_FILE.match(filename)
        if not m or m.group(2) not in SAMPLE_TYPES:
            raise NotFound(f"no sample {filename!r} in run {name!r}")
        cache.check_run(name)
        run = runs.run_folder(name)
        try:
            data = await run_in_threadpool(run.read_file, run.samples_dir / filename, ROWS_LIMIT)
        except OSError:
            raise NotFound(f"no sample {filename!r} in run {name!r}") from None
        return Response(data, media_type=SAMPLE_TYPES[m.group(2)])

    async def fresh(request: Request) -> Response:
        suffix = request.path_params["suffix"]
        if suffix not in SAMPLE_TYPES:
            raise NotFound(f"no generate.{suffix}: ask for generate.wav or generate.png")
        data = await run_in_threadpool(generate, cache, request.path_params["name"], dict(request.query_params),
                                       suffix)
        return Response(data, media_type=SAMPLE_TYPES[suffix], headers={"cache-control": "no-store"})

    return [Route("/api/listen/runs", list_runs), Route("/api/listen/{name}/samples/{file}", sample),
            Route("/api/listen/{name}/generate.{suffix}", fresh)]
