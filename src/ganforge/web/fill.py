"""The Create page's fill box: a MaskGAN run fills in the blanks of a sentence.

    POST /api/fill   {"run", "checkpoint", "text": "a man riding a ___ on the ___", "n", "seed", "temperature",
                      "top_k"}  ->  {"fills": [[[word, filled?], ...], ...], "step", "text"}

Runs are found through :class:`~ganforge.web.runs.RunsFolder` and loaded with :func:`ganforge.family.load`
(the :class:`ganforge.text.sampling.LoadedTextGenerator` that ``ganforge sample --fill`` uses, so the page
shows the command's fillings for the same seed); the page marks the filled-in words. Filling a short
sentence takes milliseconds, so it is answered directly rather than as a job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ganforge.config import from_dict, option
from ganforge.errors import GanforgeError
from ganforge.web.create import GeneratorCache
from ganforge.web.jsonio import read_json, reply
from ganforge.web.runs import RunsFolder

MAX_TEXT_CHARS = 2000


@dataclass
class FillRequest:
    run: str = option("", help="run folder name under the studio's runs folder")
    checkpoint: Optional[int] = option(None, min=0, help="checkpoint step (default: the newest)")
    text: str = option("", help="the sentence with blanks (___), one word per blank")
    n: int = option(5, min=1, max=50, help="number of fillings")
    seed: int = option(0, min=0, max=2**31 - 1)
    temperature: float = option(1.0, min=0.05, max=10.0)
    top_k: int = option(0, min=0)


class FillCache(GeneratorCache):
    """The last few loaded MaskGAN runs (the Create page's cache, for text runs that fill in blanks)."""

    def check_run(self, run: str) -> None:
        info = self.runs.run_folder(run).info()
        if info.get("family") != "text" or info.get("model") != "maskgan":
            raise GanforgeError(f"run {run!r} is a {info.get('model')} run; filling in blanks needs a maskgan run "
                                "(ganforge train maskgan --data ...)")


def fill_text(cache: FillCache, data: Dict[str, Any]) -> Dict[str, Any]:
    req = from_dict(FillRequest, data)
    if len(req.text) > MAX_TEXT_CHARS:
        raise GanforgeError(f"the text is {len(req.text)} characters long; send at most {MAX_TEXT_CHARS}")
    g = cache.load(req.run, req.checkpoint)
    fills = g.fill_words(req.text, req.n, temperature=req.temperature, top_k=req.top_k, seed=req.seed)
    return {"fills": [[[w, f] for w, f in row] for row in fills], "step": g.step, "text": req.text}


def fill_routes(runs: RunsFolder) -> List[Route]:
    """The fill box's API route (the box is part of the Create page)."""
    cache = FillCache(runs)

    async def fill(request: Request) -> Response:
        return reply(await run_in_threadpool(fill_text, cache, await read_json(request)))

    return [Route("/api/fill", fill, methods=["POST"])]
