"""``ganforge studio --host 0.0.0.0``: the printed token is required (401 without it), on any Host header."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from studio_helpers import REPO, free_port


@pytest.fixture(scope="module")
def exposed_studio(tmp_path_factory):
    """The CLI serving on 0.0.0.0 in a subprocess: (base URL via 127.0.0.1, token read from its output)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "studio", "--host", "0.0.0.0", "--port",
                             str(port), "--runs", str(tmp_path_factory.mktemp("runs")), "--quiet"],
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()  # printed before uvicorn starts
        found = re.search(rf"http://0\.0\.0\.0:{port}/\?token=([\w-]+)", line)
        assert found, line
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240  # seconds on an idle machine; minutes when 2 cores are shared
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                httpx.get(base + "/api/options", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the studio did not start"
                time.sleep(0.2)
        yield base, found.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_requests_without_the_token_get_401(exposed_studio):
    base, token = exposed_studio
    with httpx.Client(base_url=base, timeout=10) as c:
        for method, path in (("GET", "/api/options"), ("GET", "/api/runs"), ("GET", "/lab"), ("GET", "/static/lab.js"),
                             ("POST", "/api/lab")):
            for headers in ({}, {"x-ganforge-token": token[:-1] + "x"}, {"cookie": "ganforge_token=nope"},
                            {"host": "rebound.example"}):
                r = c.request(method, path, headers={"content-type": "application/json", **headers}, content=b"{}")
                assert r.status_code == 401, (method, path, headers, r.status_code)
                assert "token" in r.json()["error"] and "\n" not in r.json()["error"]


def test_the_token_opens_the_studio(exposed_studio):
    base, token = exposed_studio
    with httpx.Client(base_url=base, timeout=30) as c:
        assert c.get("/api/options", headers={"x-ganforge-token": token}).status_code == 200
        # the printed URL: the token goes into a same-site, script-proof cookie and out of the address bar
        r = c.get(f"/?token={token}")
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert c.get("/lab").status_code == 200  # the cookie now comes with every request, as from the page
        r = c.post("/api/lab", json={})
        assert r.status_code == 200, r.text
        assert c.get("/api/options", headers={"host": "rebound.example"}).status_code == 200  # the token is the guard
