"""``ganforge eval SOURCE --ref REF --metrics fid,kid,is,pr``: scores printed with their protocol card.

SOURCE is dispatched by type: a run folder goes to its family's ``evaluate_command`` (a text run,
for instance), which may hand it back to the generic image evaluation (an image run, sampled on
the fly: ``--n`` images, ``--seed``); a .txt file of generated sentences is scored against a
.txt file of references (``--ref``) with the text metrics (bleu, self_bleu, corpus_bleu); a
folder of images or an .npz is read as is. Images of another size than the reference's are refused
unless ``--resize FILTER`` names a PIL filter (both sides are then resized, as clean-fid does).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ganforge.errors import GanforgeError
from ganforge.image.metrics.resize import FILTERS as RESIZE_FILTERS


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="evaluate a run, image folder, .npz or .txt: FID, KID, IS, PR, BLEU",
                       description="Evaluate generated images (or sentences) against a reference set; every score "
                                   "is printed with its protocol card (samples, reference hash, extractor hash, "
                                   "resize, seed; for text: tokenisation, BLEU orders, smoothing).")
    p.add_argument("source", help="run folder, image folder, .npz of uint8 images or .txt of sentences")
    p.add_argument("--ref", help="mnist:test, fashion-mnist:train, embedded, an image folder, an .npz of images or "
                                 "saved statistics (default mnist:test); for a .txt source a .txt of references")
    p.add_argument("--metrics", help="comma list; images: fid, kid, is, pr, dc (default all); "
                                      "text runs: bleu, self_bleu, nll, curve, ngrams, fill (MaskGAN) (default bleu, self_bleu, nll, curve); "
                                      ".txt files: bleu, self_bleu, corpus_bleu (default bleu,self_bleu)")
    p.add_argument("--n", type=int, help="number of generated samples (default: images 10000, text 2000)")
    p.add_argument("--temperature", type=float, default=1.0, help="text runs: softmax temperature of the samples")
    p.add_argument("--seed", type=int, default=0, help="sampling and subset seed")
    p.add_argument("--extractor", default="auto", help="auto, mnist-classifier, fashion-mnist-classifier, inception")
    p.add_argument("--weights", help="weights file of the extractor (default: the cache)")
    p.add_argument("--resize", metavar="FILTER",
                   help="resize images of another size than the reference's to its size with this PIL filter on "
                        f"uint8 images ({', '.join(RESIZE_FILTERS)}); the reference images take the same round "
                        "trip (reference size -> the samples' size -> reference size), as clean-fid does, and the "
                        "protocol card records it. Channel counts must still match (default: no resizing; "
                        "another size is an error)")
    p.add_argument("--data-dir", help="folder holding the reference data files (default: $GANFORGE_DATA)")
    p.add_argument("--lm", help="text runs: an MLE run whose perplexity scores MaskGAN fills (metric fill)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--kid-subset-size", type=int, default=1000)
    p.add_argument("--is-splits", type=int, default=10)
    p.add_argument("--pr-k", type=int, default=3, help="k of the precision/recall manifolds")
    p.add_argument("--dc-k", type=int, default=5, help="k of density/coverage")
    p.add_argument("--floor", metavar="SPLIT", help="also score real images (e.g. mnist:train) under the same "
                                                    "protocol: the best score a generator can reach")
    p.add_argument("--out", help="write the score and its card to this .json")
    p.add_argument("--compare", metavar="SCORE_JSON", help="print the difference to a saved score (refused when "
                                                           "its protocol differs)")
    p.add_argument("--save-ref", metavar="FILE", help="also save the reference statistics (.npz) to this file")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.set_defaults(func=run)


def options_of(args: argparse.Namespace) -> dict:
    return {"kid_subsets": args.kid_subsets, "kid_subset_size": args.kid_subset_size, "is_splits": args.is_splits,
            "pr_k": args.pr_k, "dc_k": args.dc_k}


def run(args: argparse.Namespace) -> int:
    from ganforge.engine.run_folder import RunFolder
    from ganforge.family import family_of_run

    source = Path(args.source)
    if RunFolder(source).is_run():
        args.run = args.source
        code = family_of_run(source).evaluate_command(args)
        if code is not None:
            return code
    elif source.suffix.lower() == ".txt":
        from ganforge.text.scores import evaluate_files_command

        return evaluate_files_command(args)
    args.metrics, args.n, args.ref = args.metrics or "fid,kid,is,pr,dc", args.n or 10000, args.ref or "mnist:test"
    return evaluate_images(args)


def evaluate_images(args: argparse.Namespace) -> int:
    import torch

    from ganforge.metrics.evaluate import Evaluator
    from ganforge.metrics.registry import FEATURES, parse_metric_names
    from ganforge.image.metrics.sources import is_run, load_images, sample_run

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.n < 1:
        raise GanforgeError(f"--n must be >= 1 (got {args.n})")
    names = parse_metric_names(args.metrics, (FEATURES,), "an evaluation of images")
    baseline = _read_score(Path(args.compare)) if args.compare else None
    evaluator = Evaluator(args.ref, args.extractor, args.weights, args.data_dir, args.device,
                          resize=getattr(args, "resize", None))
    if is_run(Path(args.source)):
        images, name = sample_run(Path(args.source), args.n, args.seed, args.device)
    else:
        images, name = load_images(args.source, args.data_dir)
        images = images[:args.n]
    score = evaluator.score(images, names, args.seed, name, options_of(args))
    print(score)
    if "extractor_test_accuracy" in score.extra:
        print(f"  extractor test accuracy: {score.extra['extractor_test_accuracy']:.4f}")
    if args.floor:
        real, real_name = load_images(args.floor, args.data_dir, what="floor")
        real = real[:len(images)]
        if evaluator.resize:   # the real images take the samples' path: to their size, then as they are scored
            real = evaluator.extractor.resize_samples(real, tuple(images.shape[1:]), evaluator.resize)
        floor = evaluator.score(real, names, args.seed, f"floor: real {real_name}", options_of(args))
        print(floor)
        score.extra["floor"] = floor.to_dict()
    if args.out:
        Path(args.out).write_text(json.dumps(score.to_dict(), indent=2))
        print(f"wrote {args.out}")
    if args.save_ref:
        print(f"wrote reference statistics {evaluator.save_reference(args.save_ref)}")
    if baseline is not None:
        diff = score.compare(baseline)
        print(f"difference to {args.compare}: " + "  ".join(f"{k} {v:+.4g}" for k, v in diff.items()))
    return 0


def _read_score(path: Path):
    from ganforge.metrics.evaluate import Score

    try:
        return Score.from_dict(json.loads(path.read_text()))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise GanforgeError(f"{path} is not a score written by `ganforge eval --out` ({type(exc).__name__})") from None
