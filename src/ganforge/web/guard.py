"""The studio's request guards: ASGI middleware that every request passes before any route runs.

- :class:`RequestGuard`: cross-site requests are refused (403) when their ``Origin`` is not the
  studio's own, or ``Sec-Fetch-Site`` says another site or origin sent them (a top-level navigation
  from a link excepted); a state-changing request (POST, PUT, PATCH) must be ``application/json``
  (415), so no HTML form or ``no-cors`` fetch can reach a handler; and when the studio serves a
  non-loopback address, every request needs the token ``ganforge studio`` printed (401): from
  the ``X-Ganforge-Token`` header or the ``ganforge_token`` cookie, which opening ``/?token=...`` sets.
- :class:`BodyLimit`: bodies over the limit are refused with 413, announced or not.
- :class:`SecurityHeaders`: a same-origin CSP, no MIME sniffing, and ``Cross-Origin-Resource-Policy:
  same-origin`` on every response, so no other page can load a sample (or probe a run name) by ``<img>``.
"""
from __future__ import annotations

import secrets
from typing import Optional
from urllib.parse import parse_qsl, urlencode

from ganforge.web.jsonio import dumps

TOKEN_HEADER, TOKEN_COOKIE = "x-ganforge-token", "ganforge_token"
STATE_CHANGING = ("POST", "PUT", "PATCH")
SAFE_METHODS = ("GET", "HEAD")


async def refuse(scope, receive, send, status: int, message: str, headers=()) -> None:
    """An error reply in the API's shape: ``{"error": "one line"}``."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *headers]})
    await send({"type": "http.response.body", "body": dumps({"error": message})})


def _headers(scope) -> dict:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


class RequestGuard:
    """Origin, Sec-Fetch-Site, Content-Type and (off loopback) token checks; see the module docstring."""

    def __init__(self, app, token: Optional[str] = None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers, method = _headers(scope), scope["method"]
        why = self._cross_site(scope, headers, method)
        if why:
            return await refuse(scope, receive, send, 403, why)
        if self.token is not None:
            given = self._given_token(scope, headers)
            if given is None or not secrets.compare_digest(given.encode(), self.token.encode()):
                return await refuse(scope, receive, send, 401, "this studio needs its token: open the URL with "
                                    "?token=... that `ganforge studio` printed when it started")
            if method in SAFE_METHODS and "token" in dict(parse_qsl(scope.get("query_string", b"").decode())):
                return await self._keep_token(scope, receive, send)
        if method in STATE_CHANGING:
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return await refuse(scope, receive, send, 415, f"{method} requests must send application/json "
                                    f"(got {kind or 'no content type'!r})")
        await self.app(scope, receive, send)

    @staticmethod
    def _cross_site(scope, headers: dict, method: str) -> Optional[str]:
        """Why this request comes from another site or origin, or None when it is the studio's own."""
        origin = headers.get("origin")
        host = headers.get("host", "")
        own = f"{scope.get('scheme', 'http')}://{host}"
        if origin is not None and origin.lower() != own.lower():
            return f"cross-origin request from {origin[:80]!r} refused: the studio answers only its own pages"
        site = headers.get("sec-fetch-site")
        navigation = method in SAFE_METHODS and headers.get("sec-fetch-mode") == "navigate"
        if site not in (None, "same-origin", "none") and not navigation:
            return f"cross-site request ({site}) refused: the studio answers only its own pages"
        return None

    @staticmethod
    def _given_token(scope, headers: dict) -> Optional[str]:
        if headers.get(TOKEN_HEADER):
            return headers[TOKEN_HEADER]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query:
            return query["token"]
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == TOKEN_COOKIE:
                return value
        return None

    async def _keep_token(self, scope, receive, send):
        """``GET /page?token=...``: store the token in a same-site, script-proof cookie and drop it from the URL."""
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode()) if k != "token"]
        location = scope["path"] + ("?" + urlencode(query) if query else "")
        cookie = f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode()), (b"set-cookie", cookie.encode()),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not they announce their length."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _headers(scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await self._refuse(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                return await self._refuse(scope, receive, send)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send):
        await refuse(scope, receive, send, 413, f"request body too large: the studio accepts at most {self.limit} bytes")


class SecurityHeaders:
    """Same-origin content only (no CDN, no inline code from elsewhere), no MIME sniffing, same-origin resources."""

    CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"),
               (b"cross-origin-resource-policy", b"same-origin")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers") or []) + self.HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)
