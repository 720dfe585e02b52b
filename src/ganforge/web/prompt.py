"""The studio's prompt box for text-to-image runs: ``POST /api/create/prompt`` draws what a caption says.

    {"run": "stackgan-...", "prompt": "a thin seven left of a bold two", "n": 8, "seed": 0, "stage": 2}
    -> {"image": "data:image/png;base64,...", "step": 1500, "stage": 2}

The run is loaded through the Create page's cache (:class:`TextToImageCache`), sampled as ``ganforge sample
--prompt`` samples it (the same seed gives the same images) and returned as one PNG grid with provenance.
An unknown word or an empty prompt is the one-line error of the command line, as JSON.

``GET /api/create/prompt?run=NAME`` tells the prompt box what to offer: the stages it may draw (1 and the
run's last) and a few example prompts (the captions of the run's sample grids, then fixed ones).
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.config import from_dict, option
from ganforge.engine.checkpoint import read_metadata
from ganforge.errors import GanforgeError
from ganforge.media.images import make_grid, png_bytes
from ganforge.text2image.captions import encode
from ganforge.web.create import GeneratorCache, marked
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import RunsFolder


EXAMPLES = ("a thin seven left of a bold two", "a large bold upright three", "a regular four above a thin one")


@dataclass
class PromptRequest:
    run: str = option("", help="run folder name under the studio's runs folder")
    checkpoint: Optional[int] = option(None, min=0)
    prompt: str = option("", help="the caption to draw")
    n: int = option(8, min=1, max=64)
    seed: int = option(0, min=0, max=2**31 - 1)
    stage: Optional[int] = option(None, min=1, max=2)


class TextToImageCache(GeneratorCache):
    def check_run(self, run: str) -> None:
        family = self.runs.run_folder(run).info()["family"]
        if family != "text2image":
            raise GanforgeError(f"run {run!r} is a {family} run: the prompt box draws text2image (stackgan) runs")


def draw(cache: TextToImageCache, data: Dict[str, Any]) -> Dict[str, Any]:
    req = from_dict(PromptRequest, data)
    g = cache.load(req.run, req.checkpoint)
    stage = g.stage_of(req.stage)
    images = g.sample(req.prompt, n=req.n, seed=req.seed, stage=stage)
    png = marked(cache, g, png_bytes(make_grid(images, nrow=min(8, req.n))), f"{req.run}-prompt.png",
                 action="prompt", prompt=req.prompt, stage=stage, seed=req.seed)
    return {"image": "data:image/png;base64," + base64.b64encode(png).decode(), "step": g.step, "stage": stage}


def example_prompts(cache: TextToImageCache, name: str, count: int = 4) -> List[str]:
    """Up to ``count`` prompts the run knows every word of: its sample grids' captions first, then fixed ones."""
    run = cache.runs.run_folder(name)
    try:
        captions = run.read_file(run.samples_dir / "captions.txt").decode("utf-8", errors="replace").splitlines()
    except OSError:
        captions = []
    out: List[str] = []
    for text in dict.fromkeys([c.strip() for c in captions] + list(EXAMPLES)):
        try:
            encode(text)
        except GanforgeError:
            continue
        out.append(text)
    return out[:count]


def prompt_info(cache: TextToImageCache, name: str) -> Dict[str, Any]:
    """What the prompt box offers for a run (read from its newest checkpoint's header, not its weights)."""
    cache.check_run(name)
    model = read_metadata(cache.runs.checkpoint_file(name)).get("model_config") or {}
    stages = int(model.get("stages", 2))
    return {"run": name, "stages": sorted({1, stages}), "stage1_size": model.get("stage1_size"),
            "examples": example_prompts(cache, name)}


def prompt_routes(runs: RunsFolder, provenance: bool = True) -> List[Route]:
    cache = TextToImageCache(runs, provenance=provenance)

    async def prompt(request: Request) -> Response:
        if request.method == "GET":
            return reply(await run_in_threadpool(prompt_info, cache, request.query_params.get("run", "")))
        return reply(await run_in_threadpool(draw, cache, await read_json(request)))

    return [Route("/api/create/prompt", prompt, methods=["GET", "POST"])]
