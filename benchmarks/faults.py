"""Fault benchmark: SIGKILL a training run at random moments (some mid-checkpoint-write), resume, compare; then a full disk.

    python benchmarks/faults.py [--kills 20] [--steps 300] [--seed 0] [--json out.json]

A tiny DCGAN on the embedded digits (``ganforge train`` subprocesses, a checkpoint every few
steps, every checkpoint kept) is killed with SIGKILL ``--kills`` times: half at a random moment,
half the instant a temporary checkpoint file (``.step_*.safetensors.tmp*``) appears, i.e. during a
write. After each kill every kept checkpoint must still load and none may be missing; each time
the run is resumed with ``--resume``. At the end its final weights (every tensor: weights, EMA,
optimizer moments, RNG) are compared bit for bit with an uninterrupted run of the same config.

Then the disk fills up: the run is copied onto a tmpfs with room for about one more checkpoint
(``mount -t tmpfs``; where that is refused, a file-size limit, RLIMIT_FSIZE, makes the checkpoint
write fail the same way) and resumed: it must stop with one ``error:`` line, a non-zero status,
no temporary file left, and its last good checkpoint must load.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from ganforge.engine.checkpoint import checkpoint_files, load_checkpoint  # noqa: E402
from ganforge.errors import CheckpointError  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}


def train_args(steps: int, every: int) -> list:
    return ["--steps", str(steps), "--quiet", "--set", "train.checkpoint_every=" + str(every), "--set",
            "train.keep_checkpoints=100000", "--set", "train.log_every=5", "--set", "train.sample_every=50"]


def start(args: list, limit=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ganforge.cli.main", *args], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit)


def kill_when(proc: subprocess.Popen, folder: Path, during_write: bool, delay: float) -> str:
    """SIGKILL ``proc`` after ``delay`` s, or (``during_write``) as soon as a temporary checkpoint file shows."""
    deadline = time.monotonic() + (30.0 if during_write else delay)
    while time.monotonic() < deadline and proc.poll() is None:
        if during_write and folder.is_dir() and any(".safetensors.tmp" in n for n in os.listdir(folder)):
            break
        time.sleep(0.0005 if during_write else 0.01)
    if proc.poll() is not None:
        return "finished"
    saw_tmp = folder.is_dir() and any(".safetensors.tmp" in n for n in os.listdir(folder))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return "mid-write" if saw_tmp else "random"


def all_load(folder: Path) -> list:
    """Names of the kept checkpoints that do not load whole."""
    bad = []
    for path in checkpoint_files(folder):
        try:
            load_checkpoint(path)
        except CheckpointError:
            bad.append(path.name)
    return bad


def same_weights(a: Path, b: Path) -> bool:
    ta, ma = load_checkpoint(a)
    tb, mb = load_checkpoint(b)
    return ma["step"] == mb["step"] and set(ta) == set(tb) and all(ta[k].equal(tb[k]) for k in ta)


def killed_runs(root: Path, base: list, n: int, steps: int, every: int, rng: random.Random) -> dict:
    run = root / "faulted"
    ckpts = run / "checkpoints"
    out = {"kills": 0, "mid_write": 0, "resumes": 0, "resumes_ok": 0, "lost": 0, "corrupt": 0, "errors": []}
    first = True
    while out["kills"] < n:
        args = [*base, "--name", "faulted"] if first else ["train", "--resume", str(run), *train_args(steps, every)]
        before = {p.name for p in checkpoint_files(ckpts)}
        proc = start(args)
        how = kill_when(proc, ckpts, during_write=out["kills"] % 2 == 1, delay=rng.uniform(1.0, 8.0))
        err = proc.stderr.read()
        if not first:
            out["resumes"] += 1
            out["resumes_ok"] += how != "finished" or proc.returncode == 0
        if "error:" in err or "Traceback" in err or (how == "finished" and proc.returncode != 0):
            out["errors"].append(err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}")
        if how == "finished":
            break   # the run reached its last step before this kill
        first = first and not (run / "run.json").exists()
        out["kills"] += 1
        out["mid_write"] += how == "mid-write"
        out["lost"] += len(before - {p.name for p in checkpoint_files(ckpts)})
        out["corrupt"] += len(all_load(ckpts))
    proc = start(["train", "--resume", str(run), *train_args(steps, every)])
    proc.wait()
    out["resumes"] += 1
    out["resumes_ok"] += proc.returncode == 0
    out["stale_temporaries"] = sum(".tmp" in n for n in os.listdir(ckpts))
    out["final"] = str(checkpoint_files(ckpts)[-1])
    return out


def disk_full(root: Path, run: Path, steps: int, every: int) -> dict:
    """Resume ``run`` (a copy) on a disk with room for about one more checkpoint; how did it stop?"""
    size = checkpoint_files(run / "checkpoints")[-1].stat().st_size
    mount = root / "small-disk"
    mount.mkdir()
    used = sum(p.stat().st_size for p in run.rglob("*") if p.is_file())
    room = used + int(1.5 * size) + (1 << 16)
    method, limit = "tmpfs", None
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={room}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        method = "RLIMIT_FSIZE"

        def limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2))
    try:
        copy = mount / "run"
        shutil.copytree(run, copy)
        proc = start(["train", "--resume", str(copy), *train_args(steps + 10 * every, every)], limit)
        err = proc.communicate()[1].strip()
        lines = [line for line in err.splitlines() if line.strip()]
        kept = checkpoint_files(copy / "checkpoints")
        last_loads = bool(kept) and not all_load(copy / "checkpoints")
        return {"method": method, "exit": proc.returncode, "lines": len(lines), "message": lines[-1] if lines else "",
                "one_line_error": len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err,
                "last_good": kept[-1].name if kept else None, "last_good_loads": last_loads,
                "temporaries_left": sum(".tmp" in n for n in os.listdir(copy / "checkpoints"))}
    finally:
        if method == "tmpfs":
            subprocess.run(["umount", str(mount)], capture_output=True)


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--every", type=int, default=5, help="checkpoint every N steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="write the figures to this file too")
    args = p.parse_args()
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = ["train", "dcgan", "--out", str(root), "--batch-size", "32", "--set", "model.width=16", "--set",
                "model.latent_dim=32", "--set", "data.limit=2048", *train_args(args.steps, args.every)]
        ref = subprocess.run([sys.executable, "-m", "ganforge.cli.main", *base, "--name", "reference"], env=ENV,
                             capture_output=True, text=True)
        if ref.returncode != 0:
            print(ref.stderr, file=sys.stderr)
            return 1
        faults = killed_runs(root, base, args.kills, args.steps, args.every, rng)
        reference = checkpoint_files(root / "reference" / "checkpoints")[-1]
        faults["identical"] = same_weights(reference, Path(faults["final"]))
        full = disk_full(root, root / "faulted", args.steps, args.every)
    figures = {"cpu": cpu_name(), **{k: v for k, v in faults.items() if k != "final"}, "disk_full": full,
               "wall_s": round(time.monotonic() - t0, 1), "steps": args.steps, "checkpoint_every": args.every}
    print(f"CPU: {figures['cpu']}")
    print(f"kills: {faults['kills']} ({faults['mid_write']} during a checkpoint write); resumes ok: "
          f"{faults['resumes_ok']}/{faults['resumes']}; checkpoints lost: {faults['lost']}, corrupt: "
          f"{faults['corrupt']}; stale temporary files: {faults['stale_temporaries']}; errors: {len(faults['errors'])}")
    print(f"final weights identical to an uninterrupted run: {faults['identical']} (step {args.steps})")
    print(f"disk full ({full['method']}): exit {full['exit']}, one-line error: {full['one_line_error']} "
          f"({full['message']}); last good checkpoint {full['last_good']} loads: {full['last_good_loads']}; "
          f"temporary files left: {full['temporaries_left']}")
    print(f"wall time: {figures['wall_s']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = (faults["identical"] and not faults["lost"] and not faults["corrupt"] and not faults["errors"]
          and faults["resumes_ok"] == faults["resumes"] and full["one_line_error"] and full["exit"] != 0
          and full["last_good_loads"] and not full["temporaries_left"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
