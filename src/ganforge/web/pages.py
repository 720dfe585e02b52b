"""The studio's pages: one shell (head, header with the navigation, error banner) around each page's own body.

A page's body is ``static/pages/NAME.html`` (what goes inside ``<body>`` after the banner); its title,
scripts and style sheets are declared here, once, so that adding a page is one :class:`Page` line and
one body file, and every page links to every other. Pages are plain HTML, CSS and JS (no CDN, no
build step); ``common.js`` and ``studio.css`` come first on each.
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Page:
    path: str                       # the URL, e.g. "/lab"; the body is static/pages/<path without "/">.html
    title: str                      # the navigation's label and the window title
    scripts: Tuple[str, ...] = ()   # static/ files loaded after common.js (deferred)
    styles: Tuple[str, ...] = ()    # static/ style sheets after studio.css

    @property
    def body_file(self) -> Path:
        return STATIC / "pages" / f"{self.path.strip('/')}.html"


PAGES: List[Page] = [
    Page("/lab", "Lab", ("lab.js",)),
    Page("/runs", "Runs", ("runs.js",)),
    Page("/train", "Train", ("train.js",)),
    Page("/compare", "Compare", ("compare.js",)),
    Page("/create", "Create", ("fill.js", "prompt.js", "create.js")),
    Page("/translate", "Translate", ("translate.js",), ("translate.css",)),
    Page("/rate", "Rate", ("rate.js",)),
    Page("/dissect", "Dissect", ("dissect.js",), ("dissect.css",)),
    Page("/music", "Music", ("music.js",)),
    Page("/listen", "Listen", ("listen.js",), ("listen.css",)),
]


@functools.lru_cache(maxsize=None)
def render(page: Page) -> str:
    """The whole HTML document of ``page`` (read once per process)."""
    head = [f'  <link rel="stylesheet" href="/static/{name}">' for name in ("studio.css", *page.styles)]
    head += ['  <link rel="icon" href="/favicon.ico" type="image/svg+xml">']
    head += [f'  <script src="/static/{name}" defer></script>' for name in ("common.js", *page.scripts)]
    nav = "".join(f'<a href="{p.path}">{html.escape(p.title)}</a>' for p in PAGES)
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '  <meta charset="utf-8">',
        f"  <title>{html.escape(page.title)} · ganforge studio</title>", *head, "</head>", "<body>",
        f'  <header><span class="brand">ganforge studio</span>\n    <nav>{nav}</nav></header>',
        '  <div id="error" role="alert" hidden><span class="message"></span><button type="button">dismiss</button>'
        "</div>",
        page.body_file.read_text(encoding="utf-8").rstrip("\n"), "</body>", "</html>", ""])


def page_routes() -> List[Route]:
    """A GET route per page (``create_app`` adds them)."""
    def endpoint(page: Page):
        async def serve(request: Request) -> Response:
            return HTMLResponse(render(page))
        return serve

    return [Route(page.path, endpoint(page)) for page in PAGES]
