"""The studio's safety rails: no file outside the runs/static folders, local binds, body limits, 4xx messages."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="the studio API tests need httpx: pip install -e '.[test]'")
from starlette.testclient import TestClient  # noqa: E402

from ganforge.cli.studio import check_bind, is_local, serve  # noqa: E402
from ganforge.errors import GanforgeError  # noqa: E402
from ganforge.web.app import create_app  # noqa: E402

from studio_helpers import REPO, free_port  # noqa: E402

TRAVERSALS = [
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fapp.py", "/static/%2fetc%2fpasswd",
    "/static//etc/passwd", "/static/..%5c..%5capp.py",
    "/api/runs/..%2f..%2fetc/samples/step_0000010.png", "/api/runs/%2e%2e/samples/step_0000010.png",
    "/api/runs/tiny-cond/samples/..%2fconfig.yaml", "/api/runs/tiny-cond/samples/%2fetc%2fpasswd",
    "/api/runs/tiny-cond/samples/step_0000010.png%00.txt", "/api/runs/%2fetc/samples/passwd",
    "/api/runs/tiny-cond/samples/config.yaml", "/api/runs/tiny-cond/samples/link_out.png",
    "/api/runs/outside-link", "/api/runs/outside-link/samples/step_0000010.png",
]


@pytest.fixture(scope="module")
def client(runs_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.png").write_bytes(b"secret")
    samples = runs_dir / "tiny-cond" / "samples"
    if not (samples / "step_0000099.png").exists():
        (samples / "step_0000099.png").symlink_to(outside / "secret.png")  # a symlink leading out of the run
    if not (runs_dir / "outside-link").exists():  # a run folder that is a link to a run outside the runs folder
        shutil.copytree(runs_dir / "tiny-cond", outside / "elsewhere")
        (runs_dir / "outside-link").symlink_to(outside / "elsewhere")
    with TestClient(create_app(runs_dir), base_url="http://127.0.0.1") as c:
        yield c
    (samples / "step_0000099.png").unlink()
    (runs_dir / "outside-link").unlink()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_and_absolute_paths_are_404(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert b"secret" not in r.content and b"root:" not in r.content and b"[project]" not in r.content


def test_symlink_out_of_a_run_is_404(client):
    assert client.get("/api/runs/tiny-cond/samples/step_0000099.png").status_code == 404
    assert client.get("/api/runs/tiny-cond/samples/step_0000010.png").status_code == 200


def test_raw_traversal_requests_to_the_real_server_are_404(live_server):
    """Paths sent byte for byte (no client-side normalisation) to uvicorn on 127.0.0.1."""
    for raw in ("/static/../../../../etc/passwd", "/static/../web/app.py", "/api/runs/../../etc/samples/x.png",
                "/static/%2e%2e/%2e%2e/cli/studio.py", "//etc/passwd", "/static/%2Fetc%2Fpasswd"):
        with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as s:
            s.sendall(f"GET {raw} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        status = reply.split(b"\r\n", 1)[0]
        assert b" 404 " in status, (raw, status)
        assert b"root:" not in reply and b"import" not in reply


def test_body_over_the_limit_is_413(client):
    r = client.post("/api/lab", content=b"x" * (300 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]

    def chunks():  # no Content-Length: the limit holds on the bytes actually sent
        for _ in range(40):
            yield b"y" * 8192

    r = client.post("/api/create", content=chunks())
    assert r.status_code == 413


def test_malformed_requests_get_4xx_with_a_message(client):
    cases = [
        (client.post("/api/lab", content=b"{not json", headers={"content-type": "application/json"}), 400, "JSON"),
        (client.post("/api/lab", json=[1, 2]), 400, "JSON object"),
        (client.post("/api/lab", json={"dataset": "swirl"}), 400, "choose one of ring, grid"),
        (client.get("/api/lab"), 405, "not allowed"),
        (client.get("/api/nothing-here"), 404, "nothing at"),
        (client.post("/api/create", json={"run": "tiny-cond", "truncation": -1}), 400, "truncation"),
    ]
    for r, status, words in cases:
        assert r.status_code == status and words in r.json()["error"], (r.status_code, r.text)


def test_too_many_labs_is_429(runs_dir):
    with TestClient(create_app(runs_dir, max_labs=2), base_url="http://127.0.0.1") as c:
        assert c.post("/api/lab", json={}).status_code == 200
        assert c.post("/api/lab", json={}).status_code == 200
        r = c.post("/api/lab", json={})
        assert r.status_code == 429 and "close some Lab tabs" in r.json()["error"]


def test_non_local_bind_needs_an_explicit_host():
    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1") and is_local("127.0.0.2")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5") and not is_local("example.org")
    with pytest.raises(GanforgeError, match="pass --host 0.0.0.0 explicitly"):
        check_bind("0.0.0.0", explicit=False)
    check_bind("0.0.0.0", explicit=True)
    with pytest.raises(GanforgeError, match="refusing"):
        serve("runs", host="0.0.0.0", port=free_port())  # the API default is not explicit either


def _listening(port: int):
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6): no traffic needed to tell."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.split(":")
            if int(hexport, 16) == port and state == "0A":
                found.append(addr)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads the listening sockets from /proc/net/tcp")
def test_cli_binds_loopback_by_default(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "studio", "--runs", str(tmp_path),
                             "--port", str(port), "--quiet"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240  # seconds on an idle machine; minutes when 2 cores are shared
        while not _listening(port):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the studio did not start listening"
            time.sleep(0.2)
        assert _listening(port) == ["0100007F"]  # 127.0.0.1 and nothing else
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a starved machine: do not leave it running
            proc.kill()
            proc.wait(timeout=30)
