"""NaN and infinity against the real studio: refused with 400 naming the key, the session unchanged, and every
frame strict JSON (a non-finite number is sent as null)."""
from __future__ import annotations

import json

import httpx
import pytest

NON_FINITE = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400", b"1" + b"0" * 400]


def strict(raw: bytes):
    """Parse as a browser does: NaN or Infinity in a frame is an error."""
    def refuse(name):
        raise ValueError(f"non-finite {name} in a frame")
    return json.loads(raw, parse_constant=refuse)


@pytest.fixture
def client(studio):
    with httpx.Client(base_url=studio.url, timeout=30, headers={"content-type": "application/json"}) as c:
        yield c


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_configs_are_400_and_the_session_goes_on(client, number):
    r = client.post("/api/lab", content=b'{"lr_g": ' + number + b"}")
    assert r.status_code == 400 and "'lr_g'" in r.json()["error"] and "finite" in r.json()["error"], r.text
    lab = client.post("/api/lab", content=b'{"seed": 3}')
    assert lab.status_code == 200
    lab_id, before = lab.json()["id"], lab.json()
    client.post(f"/api/lab/{lab_id}/control", json={"action": "step_g"})
    before = strict(client.get(f"/api/lab/{lab_id}").content)
    for body in (b'{"action": "config", "config": {"lr_g": ' + number + b"}}",
                 b'{"action": "config", "config": {"lr_d": 0.001, "points": [[0.5, ' + number + b"]]}}"):
        r = client.post(f"/api/lab/{lab_id}/control", content=body)
        assert r.status_code == 400 and "finite" in r.json()["error"] and "\n" not in r.json()["error"], r.text
    after = strict(client.get(f"/api/lab/{lab_id}").content)
    assert after["config"] == before["config"] and after["g_steps"] == before["g_steps"] == 1
    stepped = strict(client.post(f"/api/lab/{lab_id}/control", json={"action": "step_g"}).content)
    assert stepped["g_steps"] == 2 and stepped["error"] is None
    client.delete(f"/api/lab/{lab_id}")


def test_non_finite_create_requests_are_400(client, studio):
    before = len(studio.app.state.jobs)
    for key in ("truncation", "seed", "n"):
        r = client.post("/api/create", content=b'{"run": "tiny-cond", "%s": NaN}' % key.encode())
        assert r.status_code == 400 and repr(key) in r.json()["error"], r.text
    assert len(studio.app.state.jobs) == before


def test_a_non_finite_value_in_a_frame_is_sent_as_null(client, studio):
    lab_id = client.post("/api/lab", json={}).json()["id"]
    session = studio.app.state.labs.get(lab_id)
    with session.lock:
        session.history.append((1, float("inf"), float("nan")))
        session.last_d_loss = float("-inf")
        session.version += 1
    frame = strict(client.get(f"/api/lab/{lab_id}").content)
    assert frame["history"][-1] == [1, None, None] and frame["loss_d"] is None
    client.delete(f"/api/lab/{lab_id}")
