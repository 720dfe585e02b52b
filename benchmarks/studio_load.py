"""Load on the studio, on loopback only: N clients polling the Runs page while a steered run (or M labs) trains.

    python benchmarks/studio_load.py                  # 20 Runs clients + one steered training run, 20 s phases
    python benchmarks/studio_load.py --seconds 5      # a quick check
    python benchmarks/studio_load.py --mode labs      # 20 clients while 4 Lab sessions train

--mode train (default): a DCGAN run trains in its own process (``ganforge train``, 1 thread) and is
steered through the studio every 2 s (``set train.lr_g``, alternating, via /api/runs/RUN/control);
phases: the run alone, the run with N Runs clients polling it, the run alone again. Prints the
studio's latency percentiles and the run's steps/s with and without the load (the issue's budget:
the load may cost the training less than 10 %).

--mode labs:

Starts ``ganforge studio`` in its own process on 127.0.0.1 (a free port), then
  phase 1: the Runs clients alone (a baseline),
  phase 2: the Runs clients while M labs train and are polled like the Lab page does,
and prints latency percentiles (p50/p95/p99, ms) per request kind and phase, plus the labs'
training speed. Each client polls like the page (a request, then --interval seconds); every loop
is bounded in time and stops by itself. Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def env() -> Dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def make_run(folder: Path) -> None:
    print("training a tiny run for the Runs clients (ganforge train mlp, 40 steps) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "ganforge.cli.main", "train", "mlp", "--steps", "40", "--batch-size", "16",
                    "--out", str(folder), "--name", "load-run", "--quiet", "--set", "train.sample_every=10",
                    "--set", "train.log_every=2", "--set", "model.width=8", "--set", "train.threads=1"],
                   check=True, env=env(), timeout=600)


async def timed(latencies: Dict[str, List[float]], kind: str, request) -> Optional[httpx.Response]:
    """Await ``request``, recording its latency under ``kind``; a failure or timeout is counted, not raised."""
    t = time.perf_counter()
    try:
        r = await request
        r.raise_for_status()
    except httpx.HTTPError:
        latencies["failed"].append(time.perf_counter() - t)
        return None
    latencies[kind].append(time.perf_counter() - t)
    return r


async def runs_client(client: httpx.AsyncClient, name: str, until: float, interval: float,
                      latencies: Dict[str, List[float]]) -> None:
    """Polls like the Runs page: the run list, then the chosen run's new lines; now and then a grid image."""
    since, n = 0, 0
    while time.monotonic() < until:
        await timed(latencies, "runs list", client.get("/api/runs"))
        r = await timed(latencies, "run detail", client.get(f"/api/runs/{name}", params={"since_stats": since}))
        detail = r.json() if r is not None else {"stats_lines": since, "sample_steps": []}
        since = detail["stats_lines"]
        if n % 5 == 0 and detail["sample_steps"]:
            await timed(latencies, "grid image",
                        client.get(f"/api/runs/{name}/samples/step_{detail['sample_steps'][-1]:07d}.png"))
        n += 1
        await asyncio.sleep(interval)


async def start_lab(client: httpx.AsyncClient, seed: int) -> str:
    """Like opening the Lab page and pressing Play."""
    lab = (await client.post("/api/lab", json={"seed": seed})).json()["id"]
    (await client.post(f"/api/lab/{lab}/control", json={"action": "play"})).raise_for_status()
    return lab


async def lab_client(client: httpx.AsyncClient, lab: str, until: float, latencies: Dict[str, List[float]],
                     speeds: List[float]) -> None:
    """Polls a playing lab's frames like the Lab page (80 ms after each answer); records its training speed."""
    frame = (await client.get(f"/api/lab/{lab}")).json()
    t0, steps0 = time.monotonic(), frame["g_steps"]
    while time.monotonic() < until:
        r = await timed(latencies, "lab frame", client.get(f"/api/lab/{lab}"))
        frame = r.json() if r is not None else frame
        await asyncio.sleep(0.08)
    speeds.append((frame["g_steps"] - steps0) / (time.monotonic() - t0))
    await client.delete(f"/api/lab/{lab}")


async def phase(url: str, run: str, clients: int, labs: int, seconds: float, interval: float):
    latencies: Dict[str, List[float]] = {k: [] for k in ("runs list", "run detail", "grid image", "lab frame",
                                                          "failed")}
    speeds: List[float] = []
    limits = httpx.Limits(max_connections=clients + labs + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        ids = [await start_lab(client, seed) for seed in range(labs)]  # before the clock starts
        until = time.monotonic() + seconds
        tasks = [runs_client(client, run, until, interval, latencies) for _ in range(clients)]
        tasks += [lab_client(client, lab, until, latencies, speeds) for lab in ids]
        await asyncio.gather(*tasks)
    return latencies, speeds


def report(title: str, latencies: Dict[str, List[float]], seconds: float) -> None:
    print(f"\n{title}")
    print(f"  {'request':<12} {'count':>6} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in latencies.items():
        if not values:
            continue
        ms = np.array(values) * 1000
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        print(f"  {kind:<12} {len(ms):>6} {len(ms) / seconds:>7.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {ms.max():>8.1f}")


# ---------------------------------------------------------------------- --mode train
def start_studio(runs: Path):
    port = free_port()
    url = f"http://{HOST}:{port}"
    server = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "studio", "--runs", str(runs),
                               "--port", str(port), "--quiet"], env=env())
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(url + "/api/options", timeout=2).raise_for_status()
            return server, url
        except httpx.HTTPError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                sys.exit("the studio did not start")
            time.sleep(0.3)


def steps_per_second(run_dir: Path, t0: float, t1: float) -> float:
    """The run's speed between wall times t0 and t1, from its stats rows (step and time of each log)."""
    from ganforge.engine.run_folder import RunFolder

    rows = [r for r in RunFolder(run_dir).stats_rows()[0] if t0 <= r.get("time", 0) <= t1]
    if len(rows) < 2:
        return float("nan")
    return (rows[-1]["step"] - rows[0]["step"]) / max(rows[-1]["time"] - rows[0]["time"], 1e-9)


async def steerer(client: httpx.AsyncClient, name: str, until: float, latencies: Dict[str, List[float]]) -> None:
    """Changes the run's lr_g every 2 s through the studio, like a user on the Train page."""
    n = 0
    while time.monotonic() < until:
        lr = 2e-4 if n % 2 else 1e-4
        await timed(latencies, "steer", client.post(f"/api/runs/{name}/control",
                                                    json={"action": "set", "values": {"train.lr_g": lr}}))
        n += 1
        await asyncio.sleep(2.0)


async def train_phase(url: str, name: str, clients: int, seconds: float, interval: float):
    latencies: Dict[str, List[float]] = {k: [] for k in ("runs list", "run detail", "grid image", "steer", "failed")}
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=clients + 4)) as c:
        until = time.monotonic() + seconds
        tasks = [runs_client(c, name, until, interval, latencies) for _ in range(clients)]
        await asyncio.gather(steerer(c, name, until, latencies), *tasks)
    return latencies


def train_mode(args) -> int:
    from ganforge.engine.run_folder import RunFolder

    tmp = tempfile.TemporaryDirectory()
    runs = Path(tmp.name)
    name = "steered"
    trainer = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "train", "dcgan", "--steps", "0",
                                "--max-minutes", "60", "--out", str(runs), "--name", name, "--quiet",
                                "--batch-size", "32", "--set", "train.threads=1", "--set", "train.log_every=5",
                                "--set", "train.sample_every=50", "--set", "train.checkpoint_every=1000000",
                                "--set", "model.width=16"], env=env())
    server = None
    try:
        run = RunFolder(runs / name)
        deadline = time.monotonic() + 300
        while not run.status().get("training"):
            if trainer.poll() is not None or time.monotonic() > deadline:
                sys.exit("the training run did not start")
            time.sleep(0.3)
        server, url = start_studio(runs)
        time.sleep(3.0)   # past the first steps' one-time costs
        speeds, results = {}, {}
        for label, clients in (("alone", 0), ("loaded", args.clients), ("alone again", 0)):
            t0 = time.time()
            results[label] = asyncio.run(train_phase(url, name, clients, args.seconds, args.interval))
            speeds[label] = steps_per_second(run.path, t0, time.time())
        httpx.post(url + f"/api/runs/{name}/control", json={"action": "stop"}, timeout=60)
        trainer.wait(timeout=120)
    finally:
        for proc in (trainer, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        tmp.cleanup()
    print(f"studio with one steered training run on {HOST} ({os.cpu_count()} CPU cores): {args.clients} Runs "
          f"clients polling every {args.interval} s, lr_g changed every 2 s through the studio")
    for label, latencies in results.items():
        report(f"phase: run {label} ({args.seconds:.0f} s)", latencies, args.seconds)
    base = np.nanmean([speeds["alone"], speeds["alone again"]])
    loss = 100 * (1 - speeds["loaded"] / base) if base > 0 else float("nan")
    print(f"\n  training steps/s: alone {speeds['alone']:.2f}, loaded {speeds['loaded']:.2f}, alone again "
          f"{speeds['alone again']:.2f}; the load costs {loss:.1f} % (budget: < 10 %)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("train", "labs"), default="train",
                    help="train: one steered training run (default); labs: Lab sessions")
    ap.add_argument("--runs", help="runs folder (default: a temporary one with a tiny run trained for the test)")
    ap.add_argument("--clients", type=int, default=20, help="Runs-page clients (default 20)")
    ap.add_argument("--labs", type=int, default=4, help="Lab sessions training at once (default 4)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of the loaded phase (default 20)")
    ap.add_argument("--baseline-seconds", type=float, default=10.0, help="length of the Runs-only phase")
    ap.add_argument("--interval", type=float, default=0.5, help="pause between a Runs client's polls (s)")
    args = ap.parse_args()
    if not 1 <= args.clients <= 200 or not 0 <= args.labs <= 32 or not 1 <= args.seconds <= 600:
        ap.error("keep it bounded: 1-200 clients, 0-32 labs, 1-600 seconds")

    if args.mode == "train":
        return train_mode(args)
    tmp = tempfile.TemporaryDirectory()
    runs = Path(args.runs) if args.runs else Path(tmp.name)
    if not args.runs:
        make_run(runs)
    names = sorted(p.name for p in runs.iterdir() if (p / "run.json").is_file())
    if not names:
        sys.exit(f"no run in {runs}")
    port = free_port()
    url = f"http://{HOST}:{port}"
    server = subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", "studio", "--runs", str(runs),
                               "--port", str(port), "--quiet"], env=env())
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(url + "/api/options", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("the studio did not start")
                time.sleep(0.3)
        t0, cpu0, load0 = time.monotonic(), cpu_seconds(server.pid), os.getloadavg()[0]
        base, _ = asyncio.run(phase(url, names[0], args.clients, 0, args.baseline_seconds, args.interval))
        cpu1 = cpu_seconds(server.pid)
        loaded, speeds = asyncio.run(phase(url, names[0], args.clients, args.labs, args.seconds, args.interval))
        wall, cpu2, load1 = time.monotonic() - t0, cpu_seconds(server.pid), os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
        tmp.cleanup()
    print(f"studio under load on {HOST} ({os.cpu_count()} CPU cores): {args.clients} Runs clients polling every "
          f"{args.interval} s; run {names[0]!r}")
    print(f"machine load average (1 min) at start / end: {load0:.1f} / {load1:.1f}")
    report(f"phase 1: Runs clients only ({args.baseline_seconds:.0f} s)", base, args.baseline_seconds)
    n1 = sum(len(v) for v in base.values())
    print(f"  server CPU: {cpu1 - cpu0:.2f} s for {n1} requests = {1000 * (cpu1 - cpu0) / max(n1, 1):.1f} ms each")
    report(f"phase 2: Runs clients + {args.labs} labs training ({args.seconds:.0f} s)", loaded, args.seconds)
    print(f"  server CPU: {cpu2 - cpu1:.2f} s in {args.seconds:.0f} s (training included)")
    if speeds:
        print(f"\n  labs trained {np.mean(speeds):.1f} G steps/s each on average "
              f"({', '.join(f'{s:.1f}' for s in speeds)})")
    print(f"  wall time of both phases: {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
