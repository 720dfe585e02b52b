"""The studio's prompt box for text-to-image runs: ``POST /api/create/prompt`` draws what a caption says.

    {"run": "stackgan-...", "prompt": "a thin seven left of a bold two", "n": 8, "seed": 0, "stage": 2}
    -> {"image": "data:image/png;base64,...", "step": 1500, "stage": 2}

The run is loaded through the Create page's cache (:class:`TextToImageCache`), sampled as ``ganforge sample
--prompt`` samples it (the same seed gives the same images) and returned as one PNG grid with provenance.
An unknown word or an empty prompt is the one-line error of the command line, as JSON.
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
from ganforge.errors import GanforgeError
from ganforge.media.images import make_grid, png_bytes
from ganforge.web.create import GeneratorCache, marked
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import RunsFolder


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


def prompt_routes(runs: RunsFolder, provenance: bool = True) -> List[Route]:
    cache = TextToImageCache(runs, provenance=provenance)

    async def prompt(request: Request) -> Response:
        return reply(await run_in_threadpool(draw, cache, await read_json(request)))

    return [Route("/api/create/prompt", prompt, methods=["POST"])]
