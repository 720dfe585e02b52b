"""The text family's command glue: ``ganforge train|sample|eval`` for MLE, SeqGAN, RelGAN- and TextGAN-style models.

    ganforge train seqgan --data coco [--data-dir FOLDER]      # or --data oracle, or --data my.txt
    ganforge sample RUN --n 20 --temperature 0.8 --top-k 50 --prompt "a man"
    ganforge eval RUN --metrics bleu,self_bleu,nll,curve

For text models ``--steps`` is the number of adversarial generator steps (for ``mle`` the number of
MLE steps); the phases' other lengths are config keys (``train.pretrain_steps``,
``train.d_pretrain_steps``). Image-only flags are refused with a one-line error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

from ganforge.config import load_config, merge, read_yaml
from ganforge.errors import GanforgeError
from ganforge.family import Family, register_family

IMAGE_ONLY = (("loss", "--loss"), ("conditional", "--conditional"), ("image_size", "--image-size"),
              ("channels", "--channels"), ("download", "--download"), ("mirror", "--mirror"),
              ("precision", "--precision"))


def list_models():
    from ganforge.text.models import TEXT_MODELS

    return TEXT_MODELS.names()


def flags_to_config(args: argparse.Namespace) -> Dict[str, Any]:
    used = [flag for attr, flag in IMAGE_ONLY if getattr(args, attr, None) not in (None, False)]
    if used:
        raise GanforgeError(f"{used[0]} is an image option; text models take --data, --data-dir, --steps, "
                            "--batch-size, --seed, --device, --max-minutes and --set train.*/model.*/data.* keys")
    out: Dict[str, Any] = {"model": {"name": args.model}, "data": {}, "train": {}}
    if args.data:
        if args.data in ("coco", "oracle"):
            out["data"]["name"] = args.data
        else:
            out["data"].update({"name": "file", "path": args.data})
    if args.data_dir:
        out["data"]["dir"] = args.data_dir
    if args.steps is not None:
        out["train"]["pretrain_steps" if args.model == "mle" else "steps"] = args.steps
    for key, value in (("batch_size", args.batch_size), ("seed", args.seed), ("device", args.device),
                       ("max_minutes", args.max_minutes)):
        if value is not None:
            out["train"][key] = value
    return out


def build_config(args: argparse.Namespace):
    from ganforge.text.config import TextRunConfig
    from ganforge.text.models import model_defaults

    if args.resume:
        data = read_yaml(Path(args.resume) / "config.yaml")
        extend = {"train": {k: v for k, v in (("max_minutes", args.max_minutes),) if v is not None}}
        if args.steps is not None:
            extend["train"]["pretrain_steps" if data.get("model", {}).get("name") == "mle" else "steps"] = args.steps
        return load_config(TextRunConfig, base=merge(data, extend), overrides=args.overrides)
    flags = flags_to_config(args)
    base = merge(model_defaults(args.model), read_yaml(args.config) if args.config else {})
    return load_config(TextRunConfig, base=merge(base, flags), overrides=args.overrides)


def train_text(args: argparse.Namespace) -> int:
    from ganforge.text.trainer import TextTrainer
    from ganforge.text.vocab import VOCAB_FILE, Vocab
    from ganforge.engine.run_folder import new_run_dir

    cfg = build_config(args)
    vocab = None
    if args.resume:
        run_dir = Path(args.resume)
        if cfg.data.name != "oracle":
            vocab = Vocab.load(run_dir / VOCAB_FILE)
    elif args.name:
        run_dir = Path(args.out) / args.name
        if (run_dir / "run.json").exists():
            raise GanforgeError(f"run {run_dir} already exists; resume it with --resume {run_dir} or pick another --name")
    else:
        run_dir = None
    trainer = TextTrainer(cfg, run_dir or Path("."), quiet=args.quiet, vocab=vocab)
    if run_dir is None:
        run_dir = trainer.run_dir = new_run_dir(args.out, cfg.model.name)
        trainer.ckpt_dir = run_dir / "checkpoints"
    c = trainer.corpus
    if not args.quiet:
        for note in c.notes:
            print(f"note: {note}", file=sys.stderr)
        what = "resuming" if args.resume else "training"
        print(f"{what} {cfg.model.name} on {c.name} ({len(c.train)} sentences, vocabulary {c.vocab_size}, length "
              f"{c.seq_len}) on {trainer.device}: phases {trainer.lengths}; run folder: {run_dir}", file=sys.stderr)
    path = trainer.fit(resume=bool(args.resume))
    if not args.quiet:
        print(f"done: step {trainer.step}\n  samples:     {run_dir / 'samples.txt'}\n  checkpoint:  {path}\n"
              f"  TensorBoard: tensorboard --logdir {run_dir / 'tb'}\n"
              f"  sample more: ganforge sample {run_dir} --n 20 --temperature 0.8\n"
              f"  evaluate:    ganforge eval {run_dir} --metrics bleu,self_bleu,nll")
    return 0


def sample_text(args: argparse.Namespace) -> int:
    from ganforge.text.sampling import LoadedTextGenerator

    g = LoadedTextGenerator.load(args.run, device=args.device)
    lines = g.sample(args.n, temperature=args.temperature, top_k=args.top_k, prompt=args.prompt, seed=args.seed)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() != ".txt":
            raise GanforgeError(f"cannot write text samples to {out}: use a .txt file")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} sentences of {g.source} (step {g.step}) to {out}")
    else:
        print("\n".join(lines))
    return 0


METRICS = ("bleu", "self_bleu", "nll", "curve")


def evaluate_text(args: argparse.Namespace) -> int:
    """BLEU-2..5 vs the test set, self-BLEU-2..5, NLL_gen (and NLL_oracle) and the temperature curve of one run."""
    from ganforge.config import from_dict
    from ganforge.text.config import TextRunConfig
    from ganforge.text.data import load_corpus
    from ganforge.text.metrics import (bleu_report, generate, markdown_table, nll_gen, plot_curves, quality_diversity)
    from ganforge.text.oracle import nll_oracle
    from ganforge.text.sampling import LoadedTextGenerator, run_dir_of
    from ganforge.engine.run_folder import find_checkpoint

    wanted = [m.strip() for m in (args.metrics or ",".join(METRICS)).split(",") if m.strip()]
    unknown = [m for m in wanted if m not in METRICS]
    if unknown:
        raise GanforgeError(f"unknown text metric {unknown[0]!r}; choose from {', '.join(METRICS)}")
    g = LoadedTextGenerator.load(args.run, device=getattr(args, "device", "cpu"))
    run_dir = run_dir_of(find_checkpoint(args.run))
    cfg_dict = read_yaml(run_dir / "config.yaml")
    if args.data_dir:
        cfg_dict = merge(cfg_dict, {"data": {"dir": args.data_dir}})
    cfg = from_dict(TextRunConfig, cfg_dict)
    corpus = load_corpus(cfg.data, g.vocab)
    for note in corpus.notes:
        print(f"note: {note}", file=sys.stderr)
    refs = corpus.test_sentences if corpus.test_sentences is not None else (
        [corpus.decode(r).split() for r in corpus.test] if corpus.test is not None else None)
    n = args.n
    result: Dict[str, Any] = {"run": str(run_dir), "step": g.step, "samples": n, "temperature": args.temperature}
    tokens = generate(g.generator, n, seed=args.seed, temperature=args.temperature)
    sentences = [g.decode(r).split() for r in tokens]
    report = bleu_report(sentences, refs if "bleu" in wanted else None)
    result.update({k: v for k, v in report.items() if ("self_bleu" in wanted or not k.startswith("self"))})
    if "nll" in wanted:
        if corpus.test is not None:
            result["nll_gen"] = nll_gen(g.generator, corpus.test)
        if corpus.oracle is not None:
            result["nll_oracle"] = nll_oracle(corpus.oracle, tokens)
    out = Path(args.out) if args.out else run_dir / "eval"
    out.mkdir(parents=True, exist_ok=True)
    print(markdown_table([{k: v for k, v in result.items() if isinstance(v, float) and k != "temperature"}],
                         [k for k, v in result.items() if isinstance(v, float) and k != "temperature"], digits=4))
    if "curve" in wanted:
        rows = quality_diversity(g.generator, g.decode, n, refs, corpus.oracle, seed=args.seed)
        result["curve"] = rows
        x, y = ("self_bleu4", "bleu4") if refs is not None else ("temperature", "nll_oracle")
        plot = plot_curves({cfg.model.name: rows}, out / "quality_diversity.png", x=x, y=y)
        cols = ["temperature"] + [k for k in ("bleu2", "bleu4", "self_bleu2", "self_bleu4", "nll_oracle") if k in rows[0]]
        table = markdown_table(rows, cols)
        (out / "quality_diversity.md").write_text(table + "\n")
        print(f"\nquality–diversity over temperature (plot: {plot}):\n{table}")
    (out / "metrics.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out / 'metrics.json'}")
    return 0


register_family(Family("text", list_models, train_text, sample=sample_text, evaluate=evaluate_text))
