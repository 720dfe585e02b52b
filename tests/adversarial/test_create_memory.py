"""1,000 Create requests against the real studio: finished results are capped (count and bytes, oldest first),
so the studio process's memory stays flat."""
from __future__ import annotations

import time

import httpx
import pytest
from attack_helpers import rss_bytes

REQUESTS, WARM_UP = 1000, 100


def create_once(client: httpx.Client, seed: int) -> None:
    r = client.post("/api/create", json={"run": "tiny-cond", "action": "sample", "n": 1, "seed": seed})
    assert r.status_code == 202, r.text
    job = r.json()
    while job["state"] in ("queued", "running"):
        time.sleep(0.002)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert job["state"] == "done", job


@pytest.mark.slow   # 1,100 signed Create results: ~15 s; CI keeps the 10-minute budget (run with -m slow)
def test_memory_stays_flat_over_1000_create_requests(studio):
    """The server runs in this process (LiveServer), so its memory is this process's RSS."""
    jobs = studio.app.state.jobs
    with httpx.Client(base_url=studio.url, timeout=60) as client:
        for seed in range(WARM_UP):
            create_once(client, seed)
        before, started = rss_bytes(), time.monotonic()
        for seed in range(WARM_UP, WARM_UP + REQUESTS):
            create_once(client, seed)
        elapsed, after = time.monotonic() - started, rss_bytes()
    print(f"{REQUESTS} Create requests in {elapsed:.1f} s; RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB; "
          f"{len(jobs)} results kept, {jobs.held_bytes()} bytes")
    assert len(jobs) <= jobs.keep_count and jobs.held_bytes() <= jobs.keep_bytes
    assert after <= before * 1.10, (before, after)


def test_results_are_dropped_oldest_first_at_the_byte_cap(studio):
    jobs = studio.app.state.jobs
    keep_bytes = jobs.keep_bytes
    with httpx.Client(base_url=studio.url, timeout=60) as client:
        create_once(client, 1)
        size = jobs.held_bytes() // len(jobs)
        jobs.keep_bytes = 3 * size + size // 2  # room for three results of this size
        try:
            ids = []
            for seed in range(5):
                r = client.post("/api/create", json={"run": "tiny-cond", "n": 1, "seed": 5000 + seed})
                ids.append(r.json()["id"])
                while client.get(f"/api/jobs/{ids[-1]}").json()["state"] in ("queued", "running"):
                    time.sleep(0.002)
            codes = [client.get(f"/api/jobs/{i}/result").status_code for i in ids]
        finally:
            jobs.keep_bytes = keep_bytes
    assert codes[0] == 404 and codes[-2:] == [200, 200], codes
