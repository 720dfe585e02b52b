"""Music benchmark: the MuseGAN-style table on the JSB chorales and the melody GAN on music21 folk tunes, on CPU.

    PYTHONPATH=src GANFORGE_DATA=../shared/data python benchmarks/music.py            # ~10 min on 2 cores
    PYTHONPATH=src GANFORGE_DATA=../shared/data python benchmarks/music.py --steps 3000 --melody-steps 1500
    ... --tiny                                                                       # < 1 min, checks the script

JSB (acceptance 1): the three MuseGAN variants (jamming, composer, hybrid) and the MLE baseline, each
trained ``--steps`` steps; the MLE baseline sampled at temperatures 0.8, 1.0 and 1.2; EB, UPC and QN per
voice, tonal distance per voice pair, and the C-RNN-GAN statistics, beside the same of the training
and test phrases ("closer to the data is better"). Folk (acceptance 2): the melody GAN (and the MLE
baseline at 1.0) on music21's Essen folk songs with their statistics beside the data's. Every model's
samples go to ``--media`` (default docs/media/music/) as MIDI and WAV; the tables and wall times to
``--out`` (JSON + markdown).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ganforge.config import from_dict
from ganforge.engine.loop import Trainer
from ganforge.music.config import MusicConfig
from ganforge.music.evaluate import data_statistics
from ganforge.music.metrics import ALL, Voices, music_statistics, table
from ganforge.music.pipeline import generate, voices_to_midi
from ganforge.music.task import MusicTask
from ganforge.media.writers import save_samples

TEMPERATURES = (0.8, 1.0, 1.2)
VARIANTS = ("jamming", "composer", "hybrid")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1200, help="training steps of each MuseGAN variant and the JSB MLE")
    p.add_argument("--melody-steps", type=int, default=600, help="training steps of the melody GAN and the folk MLE")
    p.add_argument("--folk-tunes", type=int, default=600, help="Essen folk tunes read (parsed once, then cached)")
    p.add_argument("--n", type=int, default=1000, help="phrases generated per model and temperature")
    p.add_argument("--data-dir", help="folder holding jsb-chorales/ (default: $GANFORGE_DATA)")
    p.add_argument("--runs", default=None, help="where the run folders go (default: a temporary folder)")
    p.add_argument("--media", default="docs/media/music", help="where the MIDI and WAV samples go")
    p.add_argument("--out", default="benchmarks/results/music.json")
    p.add_argument("--tiny", action="store_true", help="tiny models, few steps and samples: checks the script")
    return p.parse_args(argv)


def run_config(args, model: str, data: dict, steps: int, **model_keys) -> MusicConfig:
    tiny = args.tiny
    loss = {"name": "nonsaturating"} if model == "melody-gan" else {"name": "wgan-gp"}
    cfg = {"model": {"name": model, **({"width": 8, "latent_dim": 4} if tiny else {}), **model_keys},
           "loss": loss, "data": {**data, **({"dir": args.data_dir} if args.data_dir else {})},
           "train": {"steps": steps, "batch_size": 8 if tiny else 32, "log_every": max(1, steps // 10),
                     "sample_every": steps, "checkpoint_every": steps, "lr_g": 2e-3 if model == "melody-gan" else 1e-3}}
    return from_dict(MusicConfig, cfg)


def train(args, name: str, cfg: MusicConfig, runs: Path, data=None):
    t0 = time.time()
    trainer = Trainer(MusicTask(cfg, quiet=args.tiny, data=data), runs / name, quiet=args.tiny)
    checkpoints = runs / name / "checkpoints"
    earlier = checkpoints.is_dir() and any(checkpoints.iterdir())
    trainer.fit(resume=earlier)  # a finished run of an earlier invocation is reused, an unfinished one continued
    seconds = time.time() - t0
    note = " (continued from an earlier invocation: not a speed figure)" if earlier else ""
    print(f"{name}: {cfg.train.steps} steps in {seconds:.0f} s{note}", file=sys.stderr, flush=True)
    return trainer.task, (None if earlier else seconds)


def score(task: MusicTask, n: int, temperature: float) -> dict:
    voices = task.sample_voices(n, seed=0, temperature=temperature)
    d = task.cfg.data
    return music_statistics(Voices(voices.numpy(), d.steps_per_bar, d.low, task.data.track_names), ALL)


def write_media(task: MusicTask, name: str, media: Path, temperature: float = 1.0) -> None:
    voices = task.sample_voices(4, seed=1, temperature=temperature)
    songs = [voices_to_midi(v, task.cfg.data, task.data.track_names, task.data.programs) for v in voices]
    for suffix in (".mid", ".wav", ".png"):
        save_samples(songs, media / f"{name}{suffix}", kind="music")


def section(args, runs: Path, media: Path, title: str, data: dict, jobs, steps: int) -> dict:
    """Train ``jobs`` [(label, model, model keys, temperatures)] on one data set; the table beside the data."""
    columns, times, data_set = {}, {}, None
    for label, model, keys, temps in jobs:
        task, seconds = train(args, label, run_config(args, model, data, steps, **keys), runs, data_set)
        data_set = task.data
        times[label] = None if seconds is None else round(seconds, 1)
        for temp in temps:
            columns[label if len(temps) == 1 else f"{label} T={temp:g}"] = score(task, args.n, temp)
        write_media(task, label, media)
    reference = data_statistics(data_set, task.cfg.data)
    columns[f"{data_set.name} train"], columns[f"{data_set.name} test"] = reference["train"], reference["test"]
    text = table(columns)
    print(f"\n## {title}\n\n{text}\n", flush=True)
    return {"title": title, "columns": columns, "train_seconds": times, "table": text,
            "phrases": {"train": len(data_set.train), "test": len(data_set.test)}}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.tiny:
        args.steps, args.melody_steps, args.n, args.folk_tunes = 2, 2, 16, 12
    tmp = tempfile.TemporaryDirectory(prefix="ganforge-music-")
    runs = Path(args.runs) if args.runs else Path(tmp.name)
    media = Path(tmp.name) / "media" if args.tiny else Path(args.media)
    out = Path(tmp.name) / "music.json" if args.tiny else Path(args.out)
    jsb = {"name": "jsb", **({"limit": 4} if args.tiny else {})}
    jsb_jobs = [(f"musegan-{v}", "musegan", {"variant": v}, (1.0,)) for v in VARIANTS]
    jsb_jobs.append(("music-mle", "music-mle", {}, TEMPERATURES))
    folk = {"name": "folk", "limit": args.folk_tunes}
    folk_jobs = [("melody-gan", "melody-gan", {}, (1.0,)), ("music-mle-folk", "music-mle", {}, (1.0,))]
    t0 = time.time()
    result = {"jsb": section(args, runs, media, "JSB chorales (SATB): MuseGAN variants and the MLE baseline", jsb,
                             jsb_jobs, args.steps),
              "folk": section(args, runs, media, f"Essen folk songs ({args.folk_tunes} tunes): the melody GAN", folk,
                              folk_jobs, args.melody_steps),
              "steps": args.steps, "melody_steps": args.melody_steps, "samples": args.n,
              "statistics": list(ALL)}
    result["total_seconds"] = round(time.time() - t0, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    out.with_suffix(".md").write_text("\n\n".join(f"## {result[k]['title']}\n\n{result[k]['table']}"
                                                 for k in ("jsb", "folk")) + "\n")
    print(f"total {result['total_seconds']:.0f} s; wrote {out}, samples in {media}")
    if args.tiny:
        assert len(list(media.glob("*.wav"))) == 6 and len(list(media.glob("*.mid"))) == 6, "samples missing"
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
