"""Text GAN benchmark: the SeqGAN oracle experiment and the COCO captions table, on CPU.

    PYTHONPATH=src python benchmarks/text.py oracle   # NLL_oracle of MLE, SeqGAN, RelGAN-style, TextGAN-style
    PYTHONPATH=src python benchmarks/text.py coco     # BLEU-2..5, self-BLEU-2..5, NLL_gen + temperature curve
    PYTHONPATH=src python benchmarks/text.py coco-report  # re-print the last COCO tables, redraw the curve
    PYTHONPATH=src python benchmarks/text.py bleu     # fast BLEU vs NLTK: equality and speed ratio

Each GAN starts from the same MLE pre-trained generator (the MLE run itself), so "GAN vs MLE" is
"the adversarial phase vs stopping after pre-training". Every figure is printed with the wall
time; results also go to ``--out`` (JSON, the markdown tables and the PNG curves).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ganforge.config import from_dict
from ganforge.text.config import TextRunConfig
from ganforge.text.data import load_corpus
from ganforge.text.metrics import (bleu_report, generate, markdown_table, nll_gen, plot_curves, quality_at_matched_diversity,
                                   quality_diversity)
from ganforge.text.models import model_defaults
from ganforge.text.oracle import nll_oracle
from ganforge.text.task import TextTrainer

GANS = ("seqgan", "relgan", "textgan")
ARGS = argparse.Namespace(lr_d=None)


def config(name: str, data: dict, model: dict, train: dict) -> TextRunConfig:
    base = model_defaults(name)
    merged = {"model": {**base.get("model", {}), **model, "name": name}, "data": data,
              "train": {**base.get("train", {}), **train}}
    return from_dict(TextRunConfig, merged)


def train(name, corpus, runs: Path, data, model, train_cfg, init=None) -> TextTrainer:
    t0 = time.time()
    extra = {"init_generator": str(init), "pretrain_steps": 0} if init else {}
    if init and ARGS.lr_d:
        extra["lr_d"] = ARGS.lr_d
    cfg = config(name, data, model, {**train_cfg, **extra})
    trainer = TextTrainer(cfg, runs / name, quiet=False, corpus=corpus)
    done = (runs / name / "checkpoints").is_dir() and any((runs / name / "checkpoints").iterdir())
    trainer.fit(resume=done)  # a finished run of an earlier invocation is reused, an unfinished one continued
    trainer.task.G.eval()
    print(f"[{name}] trained in {time.time() - t0:.0f} s", flush=True)
    return trainer


def oracle_experiment(args) -> dict:
    data = {"name": "oracle"}
    model = {"emb_dim": 32, "hidden_dim": 32, "rollouts": args.rollouts}  # SeqGAN's generator size
    common = {"batch_size": 64, "threads": args.threads, "log_every": 25, "sample_every": 500,
              "checkpoint_every": 100000, "eval_samples": 2000, "seed": 0}
    t0 = time.time()
    corpus = load_corpus(from_dict(TextRunConfig, {"data": data}).data)
    oracle = corpus.oracle
    print(f"oracle data: {len(corpus.train)} sequences in {time.time() - t0:.0f} s; NLL_oracle of the oracle's own "
          f"samples (its entropy) {nll_oracle(oracle, corpus.test):.3f}", flush=True)
    runs = Path(args.out) / "oracle-runs"
    mle = train("mle", corpus, runs, data, model, {**common, "pretrain_steps": args.pretrain_steps})
    results = {}

    def score(name, G):
        samples = generate(G, args.samples, seed=7)
        results[name] = {"nll_oracle": nll_oracle(oracle, samples), "nll_gen": nll_gen(G, corpus.test)}
        print(f"[{name}] NLL_oracle {results[name]['nll_oracle']:.3f}  NLL_gen {results[name]['nll_gen']:.3f}",
              flush=True)

    score("mle", mle.task.G)
    for temp in (0.9, 0.8):
        samples = generate(mle.task.G, args.samples, seed=7, temperature=temp)
        results[f"mle T={temp}"] = {"nll_oracle": nll_oracle(oracle, samples),
                                    "nll_gen": float("nan")}
        print(f"[mle T={temp}] NLL_oracle {results[f'mle T={temp}']['nll_oracle']:.3f}", flush=True)
    steps = {"seqgan": args.seqgan_steps, "relgan": args.relaxed_steps, "textgan": args.relaxed_steps}
    for name in args.models:
        gan = train(name, corpus, runs, data, model, {**common, "d_pretrain_steps": args.d_pretrain_steps,
                                                     "steps": steps[name]}, init=runs / "mle")
        score(name, gan.task.G)
    wall = time.time() - t0
    print(f"\noracle experiment, wall time {wall / 60:.1f} min on {torch.get_num_threads()} threads")
    rows = [{"model": k, **v} for k, v in results.items()]
    print(markdown_table(rows, ["model", "nll_oracle", "nll_gen"]))
    return {"results": results, "wall_s": wall, "args": vars(args)}


def coco_experiment(args) -> dict:
    data = {"name": "coco", "dir": args.data_dir, "max_len": 32}
    model = {"emb_dim": args.hidden, "hidden_dim": args.hidden, "rollouts": args.rollouts}
    common = {"batch_size": 64, "threads": args.threads, "log_every": 25, "sample_every": 250,
              "checkpoint_every": 100000, "seed": 0}
    t0 = time.time()
    corpus = load_corpus(from_dict(TextRunConfig, {"data": data}).data)
    for note in corpus.notes:
        print("note:", note)
    runs = Path(args.out) / "coco-runs"
    steps = {"seqgan": args.seqgan_steps, "relgan": args.relaxed_steps, "textgan": args.relaxed_steps}
    refs = corpus.test_sentences
    table, curves = [], {}
    for name in ["mle", *args.models]:  # each model is scored as soon as it is trained: partial results survive
        if name == "mle":
            tr = train("mle", corpus, runs, data, model, {**common, "pretrain_steps": args.pretrain_steps})
        else:
            tr = train(name, corpus, runs, data, model, {**common, "d_pretrain_steps": args.d_pretrain_steps,
                                                         "steps": steps[name]}, init=runs / "mle")
        t1 = time.time()
        curves[name] = quality_diversity(tr.task.G, corpus.decode, args.samples, refs, temperatures=args.temperatures)
        at_one = next(r for r in curves[name] if r["temperature"] == 1.0)
        table.append({"model": f"{name} (step {tr.step})", **{k: v for k, v in at_one.items() if k != "temperature"},
                      "nll_gen": nll_gen(tr.task.G, corpus.test)})
        print(f"[{name}] evaluated in {time.time() - t1:.0f} s: " +
              " ".join(f"{k}={v:.3f}" for k, v in table[-1].items() if k != "model"), flush=True)
        for r in curves[name]:
            print(f"[{name}] T={r['temperature']}: " + " ".join(f"{k}={v:.3f}" for k, v in r.items()
                                                              if k != "temperature"), flush=True)
    real = bleu_report(refs[:args.samples], None)
    table.append({"model": "test set (real)", **real})
    cols = ["model", "bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5",
            "nll_gen"]
    wall = time.time() - t0
    out = Path(args.out)
    plot = plot_curves(curves, out / "coco_quality_diversity.png", x="self_bleu4", y="bleu4",
                       title="COCO: BLEU-4 vs self-BLEU-4 over temperature")
    print(f"\nCOCO experiment, wall time {wall / 60:.1f} min on {torch.get_num_threads()} threads; "
          f"{args.samples} samples per model and temperature; curve: {plot}")
    print(markdown_table(table, cols))
    result = {"table": table, "curves": curves, "wall_s": wall, "args": vars(args)}
    print_curve_comparison(result)
    return result


def print_curve_comparison(result: dict) -> None:
    """The curve points, then each GAN against the MLE curve at equal diversity (self-BLEU-4)."""
    curves = result["curves"]
    curve_rows = [{"model": m, **r} for m, rows in curves.items() for r in rows]
    print("\n" + markdown_table(curve_rows, ["model", "temperature", "bleu2", "bleu4", "self_bleu2", "self_bleu4"]))
    if "mle" not in curves:
        return
    rows = []
    for name, points in curves.items():
        if name == "mle":
            continue
        for r in quality_at_matched_diversity(curves["mle"], points):
            rows.append({"model": name, **{k: ("outside MLE's range" if v is None else v) for k, v in r.items()}})
    print("\nBLEU-4 of each GAN against MLE's BLEU-4 at the same self-BLEU-4 (MLE curve interpolated over "
          "temperature; gain > 0: the GAN wins at equal diversity)")
    print(markdown_table(rows, ["model", "temperature", "self_bleu4", "bleu4", "baseline_bleu4", "gain"]))


def coco_report(args) -> dict:
    """Re-print the COCO tables and redraw the curve from the last ``coco.json`` (no training, no sampling)."""
    out = Path(args.out)
    result = json.loads((out / "coco.json").read_text())
    cols = ["model", "bleu2", "bleu3", "bleu4", "bleu5", "self_bleu2", "self_bleu3", "self_bleu4", "self_bleu5",
            "nll_gen"]
    print(markdown_table(result["table"], cols))
    plot = plot_curves(result["curves"], out / "coco_quality_diversity.png", x="self_bleu4", y="bleu4",
                       title="COCO: BLEU-4 vs self-BLEU-4 over temperature")
    print(f"curve: {plot}")
    print_curve_comparison(result)
    return result


def bleu_experiment(args) -> dict:
    """Wall and CPU (process) time: on a shared machine the CPU time is the honest figure."""
    import random

    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    from ganforge.text.bleu import bleu, self_bleu
    from ganforge.text.data import COCO_TEST, COCO_TRAIN, coco_dir, read_sentences

    def timed(fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        return out, time.perf_counter() - w, time.process_time() - c

    folder = coco_dir(from_dict(TextRunConfig, {"data": {"dir": args.data_dir}}).data)
    hyps, refs = read_sentences(folder / COCO_TRAIN), read_sentences(folder / COCO_TEST)
    (ours, ours_self), fast_wall, fast_cpu = timed(lambda: (bleu(hyps, refs), self_bleu(hyps)))
    sub = random.Random(0).sample(hyps, args.nltk_hyps)
    sm = SmoothingFunction().method1
    nltk_bleu, slow_wall, slow_cpu = timed(lambda: {
        n: sum(sentence_bleu(refs, h, tuple(1 / n for _ in range(n)), smoothing_function=sm) for h in sub) / len(sub)
        for n in (2, 3, 4, 5)})
    sub_ours, sub_wall, sub_cpu = timed(lambda: bleu(sub, refs))
    equal = all(sub_ours[n] == nltk_bleu[n] for n in nltk_bleu)
    per_hyp = slow_cpu / len(sub)
    print(f"fast BLEU-2..5 + self-BLEU-2..5, {len(hyps)} hypotheses vs {len(refs)} references: "
          f"{fast_cpu:.1f} s CPU ({fast_wall:.1f} s wall)")
    print(f"NLTK sentence_bleu BLEU-2..5 on {len(sub)} hypotheses: {slow_cpu:.1f} s CPU ({slow_wall:.1f} s wall), "
          f"{per_hyp:.2f} s CPU per hypothesis: all {len(hyps)} would take ~{per_hyp * len(hyps) / 3600:.1f} h; "
          f"ratio NLTK / ours for 10,000 hypotheses ~{per_hyp * len(hyps) / fast_cpu:.0f}x (ours includes self-BLEU); "
          f"ours on the same {len(sub)}: {sub_cpu:.2f} s CPU incl. the reference table; equal to NLTK: {equal}")
    print("BLEU", {n: round(v, 4) for n, v in ours.items()}, "self-BLEU", {n: round(v, 4) for n, v in ours_self.items()})
    return {"fast_cpu_s": fast_cpu, "fast_wall_s": fast_wall, "nltk_cpu_s": slow_cpu, "nltk_hyps": len(sub),
            "equal": equal}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=("oracle", "coco", "coco-report", "bleu"),
                   help="coco-report: re-print the tables and the curve of the last coco run (no training)")
    p.add_argument("--out", default="benchmarks/results/text")
    p.add_argument("--data-dir", help="folder with image_coco.txt (default: $GANFORGE_DATA/text)")
    p.add_argument("--models", nargs="+", default=list(GANS), choices=GANS)
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: on a shared 2-core machine a second thread was 4-40x slower per op, measured)")
    p.add_argument("--pretrain-steps", type=int, default=1500)
    p.add_argument("--d-pretrain-steps", type=int, default=200)
    p.add_argument("--seqgan-steps", type=int, default=50)
    p.add_argument("--relaxed-steps", type=int, default=300, help="adversarial steps of RelGAN / TextGAN")
    p.add_argument("--rollouts", type=int, default=8)
    p.add_argument("--hidden", type=int, default=32, help="COCO generator embedding and LSTM size")
    p.add_argument("--lr-d", type=float, help="discriminator learning rate of every GAN (default: each model's own)")
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--temperatures", type=float, nargs="+", default=[0.7, 0.8, 0.9, 1.0, 1.2])
    p.add_argument("--nltk-hyps", type=int, default=20)
    args = p.parse_args()
    global ARGS
    ARGS = args
    torch.set_num_threads(args.threads)
    if args.part == "coco-report":
        coco_report(args)
        return
    result = {"oracle": oracle_experiment, "coco": coco_experiment, "bleu": bleu_experiment}[args.part](args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.part}.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
