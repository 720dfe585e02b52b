"""Text GAN benchmark: the SeqGAN oracle experiment and the COCO captions table, on CPU.

    PYTHONPATH=src python benchmarks/text.py oracle   # NLL_oracle of MLE and every GAN
    PYTHONPATH=src python benchmarks/text.py coco     # BLEU-2..5, self-BLEU-2..5, NLL_gen + temperature curve
    PYTHONPATH=src python benchmarks/text.py coco-report  # re-print the last COCO tables, redraw the curve
    PYTHONPATH=src python benchmarks/text.py emnlp    # long text: the COCO tables + the gap to MLE by length
    PYTHONPATH=src python benchmarks/text.py bleu     # fast BLEU vs NLTK: equality and speed ratio
    ... --tiny                                        # every step with tiny models, to check the script runs

The GANs with the MLE generator (SeqGAN, RelGAN-, TextGAN-style) start from the MLE run's
generator, so "GAN vs MLE" is "the adversarial phase vs stopping after pre-training"; LeakGAN and
MaskGAN have their own generators (manager-worker, seq2seq) and run their own MLE pre-training of
the same length. MaskGAN is also scored on filling in held-out sentences (BLEU of the filled
spans, their perplexity under the MLE run). Every figure is printed with the wall time; results
also go to ``--out`` (JSON, the markdown tables and the PNG curves).
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

GANS = ("seqgan", "relgan", "textgan", "leakgan", "maskgan")
OWN_GENERATOR = ("leakgan", "maskgan")   # not an LSTMGenerator: pre-trained by their own MLE phase
ARGS = argparse.Namespace(lr_d=None)
LENGTH_BUCKETS = ((0, 20), (21, 25), (26, 30), (31, 35), (36, 100))


def config(name: str, data: dict, model: dict, train: dict) -> TextRunConfig:
    base = model_defaults(name)
    merged = {"model": {**base.get("model", {}), **model, "name": name}, "data": data,
              "train": {**base.get("train", {}), **train}}
    return from_dict(TextRunConfig, merged)


def adversarial_steps(args) -> dict:
    return {"seqgan": args.seqgan_steps, "relgan": args.relaxed_steps, "textgan": args.relaxed_steps,
            "leakgan": args.leakgan_steps, "maskgan": args.maskgan_steps}


def train(name, corpus, runs: Path, data, model, train_cfg, init=None) -> TextTrainer:
    t0 = time.time()
    if name in OWN_GENERATOR:
        init = None
        train_cfg = {**train_cfg, "pretrain_steps": ARGS.pretrain_steps}
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
    data = {"name": "oracle", **({"oracle_samples": args.limit} if args.limit else {})}
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
    steps = adversarial_steps(args)
    for name in args.models:
        gan = train(name, corpus, runs, data, model, {**common, "d_pretrain_steps": args.d_pretrain_steps,
                                                     "steps": steps[name]}, init=runs / "mle")
        score(name, gan.task.G)
    wall = time.time() - t0
    print(f"\noracle experiment, wall time {wall / 60:.1f} min on {torch.get_num_threads()} threads")
    rows = [{"model": k, **v} for k, v in results.items()]
    print(markdown_table(rows, ["model", "nll_oracle", "nll_gen"]))
    return {"results": results, "wall_s": wall, "args": vars(args)}


def coco_experiment(args, part: str = "coco") -> dict:
    data = {"name": part, "dir": args.data_dir, "max_len": 50 if part == "emnlp" else 32, "limit": args.limit}
    model = {"emb_dim": args.hidden, "hidden_dim": args.hidden, "rollouts": args.rollouts}
    common = {"batch_size": 64, "threads": args.threads, "log_every": 25, "sample_every": 250,
              "checkpoint_every": 100000, "seed": 0}
    t0 = time.time()
    corpus = load_corpus(from_dict(TextRunConfig, {"data": data}).data)
    for note in corpus.notes:
        print("note:", note)
    runs = Path(args.out) / f"{part}-runs"
    steps = adversarial_steps(args)
    refs = corpus.test_sentences
    table, curves, by_length, fills = [], {}, {}, {}
    for name in ["mle", *args.models]:  # each model is scored as soon as it is trained: partial results survive
        if name == "mle":
            tr = train("mle", corpus, runs, data, model, {**common, "pretrain_steps": args.pretrain_steps})
        else:
            tr = train(name, corpus, runs, data, model, {**common, "d_pretrain_steps": args.d_pretrain_steps,
                                                         "steps": steps[name]}, init=runs / "mle")
        t1 = time.time()
        # a model's scores are kept beside its run, for its step and this invocation's sampling settings: a rerun
        # (after an interruption, or to add a model) does not score finished models again
        key = {"step": tr.step, "samples": args.samples, "temperatures": list(args.temperatures)}
        saved = runs / name / "benchmark-scores.json"
        cached = json.loads(saved.read_text()) if saved.is_file() else {}
        if cached.get("key") == key:
            curves[name], row, by_length[name] = cached["curve"], cached["row"], cached["by_length"]
            if "fills" in cached:
                fills[name] = cached["fills"]
            print(f"[{name}] scores of step {tr.step} reused from {saved}", flush=True)
        else:
            curves[name] = quality_diversity(tr.task.G, corpus.decode, args.samples, refs,
                                             temperatures=args.temperatures)
            at_one = next(r for r in curves[name] if r["temperature"] == 1.0)
            row = {**{k: v for k, v in at_one.items() if k != "temperature"}, "nll_gen": nll_gen(tr.task.G, corpus.test)}
            by_length[name] = length_report(tr.task.G, corpus, refs, args.samples)
            if name == "maskgan":
                fills[name] = maskgan_fills(runs, corpus, args.samples)
                print(f"[maskgan] fills of held-out sentences: {fills[name]}", flush=True)
            saved.write_text(json.dumps({"key": key, "curve": curves[name], "row": row, "by_length": by_length[name],
                                         **({"fills": fills[name]} if name in fills else {})}, default=str))
        table.append({"model": f"{name} (step {tr.step})", **row})
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
    plot = plot_curves(curves, out / f"{part}_quality_diversity.png", x="self_bleu4", y="bleu4",
                       title=f"{part.upper()}: BLEU-4 vs self-BLEU-4 over temperature")
    print(f"\n{part.upper()} experiment, wall time {wall / 60:.1f} min on {torch.get_num_threads()} threads; "
          f"{args.samples} samples per model and temperature; curve: {plot}")
    print(markdown_table(table, cols))
    result = {"table": table, "curves": curves, "by_length": by_length, "fills": fills, "wall_s": wall,
              "args": vars(args)}
    print_curve_comparison(result)
    print_length_gaps(by_length)
    return result


def length_report(G, corpus, refs, samples: int) -> dict:
    """Per sentence-length bucket: the share and BLEU-4 of generated sentences (T = 1) and NLL_gen of the test set."""
    from ganforge.text.bleu import ReferenceTable, bleu
    from ganforge.text.models.nets import token_mask

    sentences = [corpus.decode(r).split() for r in generate(G, samples, seed=11)]
    table = ReferenceTable(refs, 4)
    lengths = token_mask(corpus.test, corpus.eos).sum(1) - 1
    out = {}
    for lo, hi in LENGTH_BUCKETS:
        key = f"{lo}-{hi}" if hi < 100 else f"{lo}+"
        mine = [s for s in sentences if lo <= len(s) <= hi]
        inside = ((lengths >= lo) & (lengths <= hi)).nonzero()[:, 0]
        out[key] = {"share": len(mine) / max(len(sentences), 1),
                    "bleu4": bleu(mine, [], (4,), table)[4] if mine else None,
                    "nll_gen": nll_gen(G, corpus.test[inside]) if len(inside) else None}
    return out


def print_length_gaps(by_length: dict) -> None:
    """Each model minus MLE per length bucket: BLEU-4 of its sentences and NLL_gen of the test sentences."""
    if "mle" not in by_length:
        return
    rows = []
    for name, buckets in by_length.items():
        for key, v in buckets.items():
            base = by_length["mle"][key]
            gap = {m: (None if v[m] is None or base[m] is None else v[m] - base[m]) for m in ("bleu4", "nll_gen")}
            rows.append({"model": name, "length": key, "share": v["share"], "bleu4": v["bleu4"] if v["bleu4"] is not
                         None else "-", "bleu4_gap": "-" if gap["bleu4"] is None else gap["bleu4"], "nll_gen": "-" if
                         v["nll_gen"] is None else v["nll_gen"], "nll_gen_gap": "-" if gap["nll_gen"] is None else
                         gap["nll_gen"]})
    print("\nBy sentence length (tokens): share and BLEU-4 of generated sentences at T = 1, NLL_gen of the test "
          "sentences of that length; gaps are the model minus MLE (BLEU-4: higher is better, NLL: lower)")
    print(markdown_table(rows, ["model", "length", "share", "bleu4", "bleu4_gap", "nll_gen", "nll_gen_gap"]))


def maskgan_fills(runs: Path, corpus, samples: int) -> dict:
    """MaskGAN filling held-out sentences: BLEU of the filled spans, their perplexity under the MLE run."""
    from ganforge.text.fill_scores import fill_report
    from ganforge.text.sampling import LoadedTextGenerator

    g, lm = LoadedTextGenerator.load(runs / "maskgan"), LoadedTextGenerator.load(runs / "mle")
    return fill_report(g, corpus.test, samples, seed=0, lm=lm)


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
    p.add_argument("part", choices=("oracle", "coco", "coco-report", "emnlp", "bleu"),
                   help="coco-report: re-print the tables and the curve of the last coco run (no training)")
    p.add_argument("--out", default="benchmarks/results/text")
    p.add_argument("--data-dir", help="folder with image_coco.txt (default: $GANFORGE_DATA/text)")
    p.add_argument("--models", nargs="+", default=list(GANS), choices=GANS)
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: on a shared 2-core machine a second thread was 4-40x slower per op, measured)")
    p.add_argument("--pretrain-steps", type=int, default=1500)
    p.add_argument("--d-pretrain-steps", type=int, default=200)
    p.add_argument("--seqgan-steps", type=int, default=50)
    p.add_argument("--relaxed-steps", type=int, default=300, help="adversarial steps of RelGAN / TextGAN")
    p.add_argument("--leakgan-steps", type=int, default=50)
    p.add_argument("--maskgan-steps", type=int, default=300)
    p.add_argument("--limit", type=int, default=0, help="use only the first N training sentences (0 = all)")
    p.add_argument("--tiny", action="store_true", help="tiny models, steps and samples: checks that the script "
                   "runs (seconds to minutes), measures nothing")
    p.add_argument("--rollouts", type=int, default=8)
    p.add_argument("--hidden", type=int, default=32, help="COCO generator embedding and LSTM size")
    p.add_argument("--lr-d", type=float, help="discriminator learning rate of every GAN (default: each model's own)")
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--temperatures", type=float, nargs="+", default=[0.7, 0.8, 0.9, 1.0, 1.2])
    p.add_argument("--nltk-hyps", type=int, default=20)
    args = p.parse_args()
    if args.tiny:
        for key, value in {"pretrain_steps": 3, "d_pretrain_steps": 1, "seqgan_steps": 1, "relaxed_steps": 2,
                           "leakgan_steps": 1, "maskgan_steps": 2, "rollouts": 1, "hidden": 8, "samples": 30,
                           "limit": args.limit or 200, "temperatures": [0.8, 1.0, 1.2]}.items():
            setattr(args, key, value)
        import tempfile

        args.out = tempfile.mkdtemp(prefix="ganforge-text-tiny-")   # nothing of a check run lands in the repository
        print(f"--tiny: results in {args.out}")
    global ARGS
    ARGS = args
    torch.set_num_threads(args.threads)
    if args.part == "coco-report":
        coco_report(args)
        return
    result = {"oracle": oracle_experiment, "coco": coco_experiment, "bleu": bleu_experiment,
              "emnlp": lambda a: coco_experiment(a, "emnlp")}[args.part](args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.part}.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
