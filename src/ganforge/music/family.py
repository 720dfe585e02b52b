"""The music family's command glue: ``ganforge train|sample|eval`` for musegan, melody-gan and music-mle.

    ganforge train musegan --data jsb --set model.variant=composer --steps 2000   # JSB chorales, SATB
    ganforge train melody-gan --data folk --steps 2000                           # music21 folk tunes
    ganforge train music-mle --data path/to/midi/folder --steps 2000             # any MIDI (or --data jsb)
    ganforge sample RUN --n 8 --out song.mid        # or song.wav, roll.png, a folder (.mid + .wav + .png each)
    ganforge eval RUN [--n 1000] [--temperature 0.8]   # EB, UPC, QN, tonal distance, ... beside train and test
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from ganforge.family import Family, register_family, shared_train_keys
from ganforge.music.config import DATA_SETS, MODELS, MusicConfig

DEFAULT_EVAL_SAMPLES = 1000


@register_family
class MusicFamily(Family):
    name = "music"
    description = "music GANs: MuseGAN (multi-track piano rolls), a C-RNN-GAN-style melody GAN, an MLE baseline"
    config_class = MusicConfig
    train_flags: Dict[str, str] = {}
    sample_suffix = ".mid"

    def models(self) -> List[str]:
        return list(MODELS)

    def model_defaults(self, model: str) -> Dict[str, Any]:
        if model == "melody-gan":
            return {"data": {"name": "folk"}, "loss": {"name": "nonsaturating"}, "train": {"lr_g": 2e-3}}
        return {}

    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        out: Dict[str, Any] = {"model": {"name": args.model}, "data": {}, "train": shared_train_keys(args)}
        if args.data:
            if args.data in DATA_SETS:
                out["data"]["name"] = args.data
            else:
                out["data"].update({"name": "midi", "path": args.data})
        if args.data_dir:
            out["data"]["dir"] = args.data_dir
        if args.steps is not None:
            out["train"]["steps"] = args.steps
        elif args.max_minutes:
            out["train"]["steps"] = 0
        return out

    def trainer(self, cfg: MusicConfig, run_dir: Path, quiet: bool = False):
        from ganforge.engine.loop import Trainer
        from ganforge.music.task import MusicTask

        return Trainer(MusicTask(cfg, quiet=quiet), run_dir, quiet=quiet)

    def describe(self, trainer) -> str:
        task, cfg = trainer.task, trainer.cfg
        for note in task.data.notes:
            print(f"note: {note}", file=sys.stderr)
        variant = f" ({cfg.model.variant})" if cfg.model.name == "musegan" else ""
        return (f"{cfg.model.name}{variant} on {task.data.name} ({len(task.data.train)} phrases of "
                f"{cfg.data.bars} bars, tracks {', '.join(task.data.track_names)}) on {trainer.device}")

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  listen:      ganforge sample {run_dir} --n 8 --out song.wav   (or song.mid, roll.png)",
                f"  evaluate:    ganforge eval {run_dir}"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors, meta, device: str = "cpu"):
        from ganforge.music.pipeline import MusicGenerator

        return MusicGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        g = load(args.run, device=args.device)
        from ganforge.provenance import origin_of

        voices = g.sample(args.n, seed=args.seed, temperature=args.temperature)
        origin = origin_of(g, args.seed, enabled=args.provenance, temperature=args.temperature)
        out = g.save(voices, args.out or "song.mid", origin=origin)
        engine = ""
        if Path(out).suffix.lower() == ".wav" or Path(out).is_dir():
            from ganforge.media.audio import fluidsynth_available

            engine = (" (rendered with fluidsynth and the General MIDI soundfont)" if fluidsynth_available() else
                      " (rendered with the built-in synthesiser: fluidsynth is not installed)")
        print(f"wrote {args.n} phrases of {g.source} (step {g.step}) to {out}{engine}")
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        from ganforge.music.evaluate import evaluate_run

        result = evaluate_run(args.run, n=args.n or DEFAULT_EVAL_SAMPLES, seed=args.seed,
                              temperature=args.temperature, data_dir=args.data_dir, device=args.device)
        print(result["table"])
        print("card:\n" + result["card_lines"])
        out = Path(args.out) if args.out else Path(result["run"]) / "eval" / "music.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({k: v for k, v in result.items() if k not in ("table", "card_lines")}, indent=2))
        print(f"wrote {out}")
        return 0


# what the music family adds to the metrics core: EB, UPC, QN, tonal distance, polyphony, ...
from ganforge.music import metrics  # noqa: E402,F401
