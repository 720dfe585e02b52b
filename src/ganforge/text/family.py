"""The text family's command glue: ``ganforge train|sample|eval`` for MLE, SeqGAN, LeakGAN, MaskGAN, RelGAN- and
TextGAN-style models.

    ganforge train seqgan --data coco [--data-dir FOLDER]      # or --data emnlp, --data oracle, --data my.txt
    ganforge sample RUN --n 20 --temperature 0.8 --top-k 50 --prompt "a man"
    ganforge sample MASKGAN_RUN --n 5 --fill "a man riding a ___ on the ___"
    ganforge eval RUN --metrics bleu,self_bleu,nll,curve[,ngrams][,fill --lm MLE_RUN]

For text models ``--steps`` is the number of adversarial generator steps (for ``mle`` the number of
MLE steps); the phases' other lengths are config keys (``train.pretrain_steps``,
``train.d_pretrain_steps``). The text family adds no flags of its own, so the image ones are refused
by ``ganforge train`` with a one-line error. Training runs on the engine (:mod:`ganforge.text.task`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from ganforge.config import merge
from ganforge.errors import GanforgeError
from ganforge.family import Family, register_family
from ganforge.text.config import TextRunConfig

METRICS = ("bleu", "self_bleu", "nll", "curve", "ngrams", "fill")
DEFAULT_METRICS = ("bleu", "self_bleu", "nll", "curve")
LONG_TEXT_MAX_LEN = 50   # --data emnlp: sentences of up to 48 tokens


@register_family
class TextFamily(Family):
    name = "text"
    description = "text GANs: MLE, SeqGAN, LeakGAN, MaskGAN (fill in blanks), RelGAN- and TextGAN-style"
    config_class = TextRunConfig
    train_flags: Dict[str, str] = {}
    sample_suffix = ".txt"

    def models(self) -> List[str]:
        from ganforge.text.models import TEXT_MODELS

        return TEXT_MODELS.names()

    def model_defaults(self, model: str) -> Dict[str, Any]:
        from ganforge.text.models import model_defaults

        return model_defaults(model)

    # ------------------------------------------------------------------ training
    def config_from_flags(self, args: argparse.Namespace) -> Dict[str, Any]:
        from ganforge.family import shared_train_keys

        out: Dict[str, Any] = {"model": {"name": args.model}, "data": {}, "train": shared_train_keys(args)}
        if args.data:
            if args.data in ("coco", "emnlp", "oracle"):
                out["data"]["name"] = args.data
                if args.data == "emnlp":
                    out["data"]["max_len"] = LONG_TEXT_MAX_LEN
            else:
                out["data"].update({"name": "file", "path": args.data})
        if args.data_dir:
            out["data"]["dir"] = args.data_dir
        if args.steps is not None:
            out["train"]["pretrain_steps" if args.model == "mle" else "steps"] = args.steps
        return out

    def resume_overrides(self, args: argparse.Namespace, saved: Dict[str, Any]) -> Dict[str, Any]:
        out = super().resume_overrides(args, saved)
        if args.steps is not None and saved.get("model", {}).get("name") == "mle":
            out["train"]["pretrain_steps"] = out["train"].pop("steps")
        if "precision" not in (saved.get("train") or {}):
            out["train"]["precision"] = "fp32"   # a run of ganforge 0.1.0, which trained text in fp32
        return out

    def trainer(self, cfg: TextRunConfig, run_dir: Path, quiet: bool = False):
        from ganforge.text.task import TextTrainer
        from ganforge.text.vocab import VOCAB_FILE, Vocab

        vocab = None
        if cfg.data.name != "oracle" and (Path(run_dir) / VOCAB_FILE).is_file():
            vocab = Vocab.load(Path(run_dir) / VOCAB_FILE)   # resuming: the run's own vocabulary
        return TextTrainer(cfg, run_dir, quiet=quiet, vocab=vocab)

    def describe(self, trainer) -> str:
        c, cfg = trainer.task.corpus, trainer.cfg
        for note in c.notes:
            print(f"note: {note}", file=sys.stderr)
        phases = {p.name: p.steps for p in trainer.task.phases}
        return (f"{cfg.model.name} on {c.name} ({len(c.train)} sentences, vocabulary {c.vocab_size}, length "
                f"{c.seq_len}) on {trainer.device}, {trainer.world} process(es): phases {phases}")

    def next_steps(self, run_dir: Path) -> List[str]:
        return [f"  sample more: ganforge sample {run_dir} --n 20 --temperature 0.8",
                f"  evaluate:    ganforge eval {run_dir} --metrics bleu,self_bleu,nll"]

    # ------------------------------------------------------------------ using a trained run
    def load(self, checkpoint: Path, tensors: Dict[str, Any], meta: Dict[str, Any], device: str = "cpu"):
        from ganforge.text.sampling import LoadedTextGenerator

        return LoadedTextGenerator.from_checkpoint(checkpoint, tensors, meta, device=device)

    def sample_command(self, args: argparse.Namespace) -> int:
        from ganforge.family import load

        fill = getattr(args, "fill", None)
        if fill is not None and args.prompt:
            raise GanforgeError("--fill and --prompt do not go together; put the start into the --fill text")
        g = load(args.run, device=args.device)
        if fill is not None:
            lines = g.fill(fill, args.n, temperature=args.temperature, top_k=args.top_k, seed=args.seed)
        else:
            lines = g.sample(args.n, temperature=args.temperature, top_k=args.top_k, prompt=args.prompt,
                             seed=args.seed)
        if args.out:
            from ganforge.provenance import origin_of

            origin = origin_of(g, args.seed, enabled=args.provenance, prompt=args.prompt, fill=fill,
                               temperature=args.temperature, top_k=args.top_k)
            out = g.save(lines, args.out, origin=origin)
            print(f"wrote {len(lines)} sentences of {g.source} (step {g.step}) to {out}")
        else:
            print("\n".join(lines))
        return 0

    def evaluate_command(self, args: argparse.Namespace) -> int:
        return evaluate_text(args)


def evaluate_text(args: argparse.Namespace) -> int:
    """BLEU-2..5 vs the test set, self-BLEU-2..5, NLL_gen (and NLL_oracle) and the temperature curve of one run."""
    from ganforge.config import from_dict
    from ganforge.text.config import TextRunConfig
    from ganforge.text.data import load_corpus
    from ganforge.text.metrics import (bleu_report, generate, markdown_table, nll_gen, plot_curves, quality_diversity)
    from ganforge.text.oracle import nll_oracle
    from ganforge.text.fill_scores import fill_report, ngram_report
    from ganforge.text.sampling import FILL_MODELS, LoadedTextGenerator
    from ganforge.engine.run_folder import find_checkpoint, run_folder_of

    wanted = [m.strip() for m in (args.metrics or ",".join(DEFAULT_METRICS)).split(",") if m.strip()]
    unknown = [m for m in wanted if m not in METRICS]
    if unknown:
        raise GanforgeError(f"unknown text metric {unknown[0]!r}; choose from {', '.join(METRICS)}")
    g = LoadedTextGenerator.load(args.run, device=getattr(args, "device", "cpu"))
    if "fill" in wanted and g.meta.get("model") not in FILL_MODELS:
        raise GanforgeError(f"metric fill scores the fill-ins of maskgan runs; this is a {g.meta.get('model')} run "
                            "(drop fill from --metrics)")
    lm = LoadedTextGenerator.load(args.lm) if "fill" in wanted and getattr(args, "lm", None) else None
    if "fill" in wanted and lm is None:
        print("note: fill_perplexity is left out: pass --lm MLE_RUN (an mle run on the same data) to score the "
              "fills' perplexity", file=sys.stderr)
    run = run_folder_of(find_checkpoint(args.run))
    run_dir, cfg_dict = run.path, run.config_dict()
    if args.data_dir:
        cfg_dict = merge(cfg_dict, {"data": {"dir": args.data_dir}})
    cfg = from_dict(TextRunConfig, cfg_dict)
    corpus = load_corpus(cfg.data, g.vocab)
    for note in corpus.notes:
        print(f"note: {note}", file=sys.stderr)
    refs = corpus.test_sentences if corpus.test_sentences is not None else (
        [corpus.decode(r).split() for r in corpus.test] if corpus.test is not None else None)
    n = args.n or 2000
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
    if "ngrams" in wanted:
        result.update(ngram_report(sentences, refs))
    if "fill" in wanted:
        if corpus.test is None:
            raise GanforgeError("metric fill masks and fills held-out sentences; this run's data has no test set "
                                "(set data.test_path)")
        result.update(fill_report(g, corpus.test, n, seed=args.seed, lm=lm))
    out = Path(args.out) if args.out else run_dir / "eval"
    out.mkdir(parents=True, exist_ok=True)
    print(markdown_table([{k: v for k, v in result.items() if isinstance(v, float) and k != "temperature"}],
                         [k for k, v in result.items() if isinstance(v, float) and k != "temperature"], digits=4))
    if "curve" in wanted:
        rows = quality_diversity(g.generator, g.decode, n, refs, corpus.oracle, seed=args.seed)
        result["curve"] = rows
        # quality against diversity where the run has references; else what it has over temperature
        x, y = (("self_bleu4", "bleu4") if refs is not None else
                ("temperature", "nll_oracle") if corpus.oracle is not None else ("temperature", "self_bleu4"))
        plot = plot_curves({cfg.model.name: rows}, out / "quality_diversity.png", x=x, y=y)
        cols = ["temperature"] + [k for k in ("bleu2", "bleu4", "self_bleu2", "self_bleu4", "nll_oracle") if k in rows[0]]
        table = markdown_table(rows, cols)
        (out / "quality_diversity.md").write_text(table + "\n")
        print(f"\nquality–diversity over temperature (plot: {plot}):\n{table}")
    (out / "metrics.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out / 'metrics.json'}")
    return 0


# what the text family adds to the metrics core: BLEU and self-BLEU, and scoring plain text files
from ganforge.text import fill_scores, scores  # noqa: E402,F401
