"""WaveGAN and SpecGAN on the rendered notes: classifier IS, Fréchet distance and pitch accuracy beside the real set's.

    python benchmarks/audio.py [--minutes 5] [--length 4096] [--threads 2] [--out benchmarks/results/audio]
                               [--media docs/media/audio] [--set KEY=VALUE ...]
    python benchmarks/audio.py --tiny          # every step with tiny models and data (< 1 min): checks the script

1. builds the notes set (`ganforge data build notes`: 5 instruments x 25 pitches, 1,000 train / 250 test clips)
   into OUT/notes unless it is there;
2. trains pitch-conditional ``wavegan`` and ``specgan`` (`ganforge train ... --max-minutes M`, WGAN-GP, the
   family's defaults, clips of ``--length`` samples) into OUT/runs;
3. scores the real test clips and 250 clips of each model (pitches in turn) with the notes classifier that
   ships with ganforge, against the training clips: inception score of the pitch, Fréchet distance of the
   classifier's features, pitch accuracy (the classifier hears the pitch asked for) and pitch entropy;
4. prints one table, writes OUT/results.json, and 8 clips of each (the real ones too) as WAV and
   spectrogram PNG into ``--media`` (pitches 48, 51, ... 69).

``--tiny`` uses 2 instruments x 3 pitches, a classifier trained on them, 2 training steps of width-4 models
on 1024-sample clips, temporary folders.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch


def row(name: str, values: dict, extra: str = "") -> str:
    v = values
    return (f"  {name:18s} {v['is']:7.2f} {v['fd']:10.3f} {v.get('pitch_accuracy', float('nan')):9.3f} "
            f"{v.get('pitch_entropy', float('nan')):8.2f}  {extra}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=5.0, help="training budget of each model (default 5)")
    p.add_argument("--steps", type=int, default=0, help="a step budget instead (0: minutes only)")
    p.add_argument("--length", type=int, default=4096, choices=(1024, 4096, 16384), help="clip length trained")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=250, help="clips scored per model (the test split holds 250)")
    p.add_argument("--out", default="benchmarks/results/audio")
    p.add_argument("--media", default="docs/media/audio", help="where the WAV and PNG samples go")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a config key for both trainings, e.g. --set train.d_steps=2 (repeatable)")
    p.add_argument("--tiny", action="store_true", help="tiny everything, temporary folders: checks the script")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    from ganforge.audio.data.builders import build
    from ganforge.audio.data.clips import load_clips
    from ganforge.audio.metrics.classifier import train_classifier
    from ganforge.audio.metrics.scores import Reference, evaluate_run, real_figures
    from ganforge.cli.main import main as ganforge
    from ganforge.engine.runtime import cpu_name
    from ganforge.family import load
    from ganforge.media.writers import save_samples

    out = Path(tempfile.mkdtemp(prefix="audio-bench-")) if args.tiny else Path(args.out)
    media = out / "media" if args.tiny else Path(args.media)
    data, weights = out / "notes", None
    subset = {"instruments": ("piano", "flute"), "pitches": (60, 64, 67), "n": 2} if args.tiny else {}
    if not (data / "dataset.json").is_file():
        build("notes", data, **subset)
    if args.tiny:
        weights = train_classifier(str(data), str(out / "classifier.safetensors"), epochs=60, quiet=True)["path"]
    length = 1024 if args.tiny else args.length
    budget = ["--steps", "2"] if args.tiny else (["--steps", str(args.steps)] if args.steps else
                                                 ["--max-minutes", str(args.minutes)])
    tiny = ["--set", "model.width=4", "--set", "model.n_fft=64", "--set", "model.hop=32", "--batch-size", "4"] \
        if args.tiny else []
    print(f"CPU: {cpu_name()}, {torch.get_num_threads()} threads; notes in {data}; clips of {length} samples; "
          f"budget {' '.join(budget)} each")
    ref = Reference(data, length, weights=weights)
    results = {"real test": real_figures(data, reference=ref).to_dict()}
    runs = {}
    for model in ("wavegan", "specgan"):
        t0 = time.monotonic()
        code = ganforge(["train", model, "--data", str(data), "--out", str(out / "runs"), "--name", model, "--quiet",
                         "--set", "model.conditional=true", "--set", f"model.length={length}",
                         "--set", f"train.threads={args.threads}", *budget, *tiny,
                         *[a for kv in args.overrides for a in ("--set", kv)]])
        if code:
            raise SystemExit(f"training {model} failed ({code})")
        runs[model] = out / "runs" / model
        score = evaluate_run(runs[model], n=20 if args.tiny else args.n, reference=ref)
        results[model] = {**score.to_dict(), "train_seconds": round(time.monotonic() - t0, 1),
                          "steps": load(runs[model]).step}
    test = load_clips(data, "test", length, 16000)
    pitches = [int(test.classes[i]) for i in range(0, len(test.classes), 3)][:8]
    picks = [int((test.labels == test.classes.index(str(pitch))).nonzero()[0]) for pitch in pitches]
    media.mkdir(parents=True, exist_ok=True)
    for name, clips in [("real", test.waves[picks])] + [(m, load(r).sample(len(pitches), labels=pitches, seed=0))
                                                        for m, r in runs.items()]:
        for suffix in (".wav", ".png"):
            save_samples(clips.numpy(), media / f"notes-{name}{suffix}", "audio", rate=16000)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    card = results["real test"]["card"]
    print(f"\nnotes (classifier {card['classifier']} sha256 {card['classifier_sha256'][:12]}; reference "
          f"{card['reference']}, {card['reference_count']} clips; {length}-sample clips)")
    print(f"  {'':18s} {'IS':>7s} {'Fréchet':>10s} {'pitch acc':>9s} {'entropy':>8s}")
    print(row("real test", results["real test"]["values"], f"{card['num_samples']} clips"))
    for model in runs:
        r = results[model]
        print(row(model, r["values"], f"{r['card']['num_samples']} clips, {r['steps']} steps in {r['train_seconds']} s"))
    print(f"\nsamples (pitches {', '.join(map(str, pitches))}): {media}/notes-{{real,wavegan,specgan}}.{{wav,png}}; "
          f"results: {out / 'results.json'}")


if __name__ == "__main__":
    main()
