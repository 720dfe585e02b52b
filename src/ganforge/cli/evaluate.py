"""``ganforge eval SOURCE --ref REF --metrics fid,kid,is,pr``: scores printed with their protocol card.

SOURCE is dispatched by type: a run folder goes to its family's ``evaluate_command`` (a text run,
for instance), which may hand it back to the generic image evaluation (an image run, sampled on
the fly: ``--n`` images, ``--seed``); a .txt file of generated sentences is scored against a
.txt file of references (``--ref``) with the text metrics (bleu, self_bleu, corpus_bleu); a
folder of images or an .npz is read as is. Images of another size than the reference's are refused
unless ``--resize FILTER`` names a PIL filter (both sides are then resized, as clean-fid does).
``--extractor all`` scores images under every shipped extractor of the domain (a table, their cards,
and with ``--compare`` a line per metric where two extractors rank the sets differently:
:mod:`ganforge.metrics.opinions`); ``--views [DIR]`` writes per-sample views
(:mod:`ganforge.image.metrics.views`).
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
    p.add_argument("source", nargs="?", help="run folder, image folder, .npz of uint8 images or .txt of sentences")
    p.add_argument("--ref", help="mnist:test, fashion-mnist:train, embedded, an image folder, an .npz of images or "
                                 "saved statistics (default mnist:test); for a .txt source a .txt of references")
    p.add_argument("--metrics", help="comma list; images: fid, kid, is, pr, dc (default all); "
                                      "text runs: bleu, self_bleu, nll, curve, ngrams, fill (MaskGAN) (default bleu, self_bleu, nll, curve); "
                                      ".txt files: bleu, self_bleu, corpus_bleu (default bleu,self_bleu)")
    p.add_argument("--n", type=int, help="number of generated samples (default: images 10000, text 2000)")
    p.add_argument("--temperature", type=float, default=1.0, help="text runs: softmax temperature of the samples")
    p.add_argument("--seed", type=int, default=0, help="sampling and subset seed")
    p.add_argument("--extractor", default="auto",
                   help="auto (the domain classifier for 28x28 digits/clothes, else inception), all (every shipped "
                        "extractor of the reference's domain: mnist-classifier, mnist-resnet, mnist-autoencoder for "
                        "digits; a table and a line where they rank --compare'd sets differently), a comma list, "
                        "or one of mnist-classifier, mnist-resnet, mnist-autoencoder, fashion-mnist-classifier, "
                        "inception")
    p.add_argument("--weights", help="weights file of the extractor (default: the shipped or cached file; one "
                                     "extractor only)")
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
    p.add_argument("--views", nargs="?", const="", metavar="DIR",
                   help="write per-sample views to DIR (a run's default: RUN/eval/views, shown in the studio): the "
                        "share of confident samples, a nearest-training-neighbours grid and a worst-samples grid "
                        "per extractor (see docs/evaluation.md)")
    p.add_argument("--neighbours-in", metavar="SPLIT", help="training images of the nearest-neighbour view (default: "
                                                            "a run's training split, else the reference)")
    p.add_argument("--save-ref", metavar="FILE", help="also save the reference statistics (.npz) to this file")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.set_defaults(func=run)


def options_of(args: argparse.Namespace) -> dict:
    return {"kid_subsets": args.kid_subsets, "kid_subset_size": args.kid_subset_size, "is_splits": args.is_splits,
            "pr_k": args.pr_k, "dc_k": args.dc_k}


# flags of the evaluation of images (their defaults): refused on runs whose family evaluates itself
IMAGE_ONLY = {"ref": None, "extractor": "auto", "resize": None, "kid_subsets": 100, "kid_subset_size": 1000,
              "is_splits": 10, "pr_k": 3, "dc_k": 5, "floor": None, "compare": None, "views": None,
              "neighbours_in": None, "save_ref": None}


def refuse_flags(args: argparse.Namespace, defaults: dict, why: str) -> None:
    """A flag given (not at its default) that this evaluation would ignore: one line."""
    for dest, default in defaults.items():
        if getattr(args, dest, default) != default:
            flag = "--" + dest.replace("_", "-")
            raise GanforgeError(f"{flag} {why}; drop {flag}")


def run(args: argparse.Namespace) -> int:
    from ganforge.engine.run_folder import RunFolder
    from ganforge.family import family_of_run

    if args.source is None:
        if args.views and RunFolder(Path(args.views)).is_run():   # `eval --views RUN`: the run was read as DIR
            raise GanforgeError(f"--views took {args.views} as its folder and no source is left; put the source "
                                f"first: ganforge eval {args.views} --views")
        raise GanforgeError("eval needs a source: ganforge eval RUN|FOLDER|FILE.npz|FILE.txt [options]")
    source = Path(args.source)
    if RunFolder(source).is_run():
        args.run = args.source
        family = family_of_run(source)
        if family.name != "image":
            refuse_flags(args, IMAGE_ONLY, f"scores images (image runs, folders, .npz); this is a {family.name} run")
        code = family.evaluate_command(args)
        if code is not None:
            return code
    elif source.suffix.lower() == ".txt":
        from ganforge.text.scores import evaluate_files_command

        refuse_flags(args, {k: v for k, v in IMAGE_ONLY.items() if k != "ref"}, "scores images; a .txt is scored "
                     "with BLEU against --ref")
        return evaluate_files_command(args)
    refuse_flags(args, {"temperature": 1.0, "lm": None}, "goes with text runs; this evaluation scores images")
    args.metrics, args.n, args.ref = args.metrics or "fid,kid,is,pr,dc", args.n or 10000, args.ref or "mnist:test"
    return evaluate_images(args)


def evaluate_images(args: argparse.Namespace) -> int:
    import torch

    from ganforge.image.metrics.sources import is_run, load_images, sample_run
    from ganforge.metrics.evaluate import Evaluator
    from ganforge.metrics.registry import FEATURES, parse_metric_names

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.n < 1:
        raise GanforgeError(f"--n must be >= 1 (got {args.n})")
    names = parse_metric_names(args.metrics, (FEATURES,), "an evaluation of images")
    baseline = _read_scores(Path(args.compare)) if args.compare else None
    views_dir = _views_dir(args)
    resize = getattr(args, "resize", None)
    evaluators = [Evaluator(args.ref, ex, args.weights, args.data_dir, args.device, resize=resize)
                  for ex in _extractor_names(args)]
    if args.extractor == "all" and evaluators[0].extractor.name == "mnist-classifier":
        from ganforge.cli.features import MNIST_EXTRACTORS

        evaluators += [Evaluator(args.ref, ex, None, args.data_dir, args.device, resize=resize)
                       for ex in MNIST_EXTRACTORS[1:]]
    if is_run(Path(args.source)):
        images, name = sample_run(Path(args.source), args.n, args.seed, args.device)
    else:
        images, name = load_images(args.source, args.data_dir)
        images = images[:args.n]
    scores, scored = {}, []
    for evaluator in evaluators:
        score = evaluator.score(images, names, args.seed, name, options_of(args))
        scores[evaluator.extractor.name] = score
        scored.append((evaluator.extractor, *evaluator.last_features, evaluator.last_reference.features))
        print(score)
        if "extractor_test_accuracy" in score.extra:
            print(f"  extractor test accuracy: {score.extra['extractor_test_accuracy']:.4f}")
        if args.floor:
            score.extra["floor"] = _floor(args, evaluator, images, names).to_dict()
    primary = next(iter(scores.values()))
    if len(scores) > 1:
        _print_opinions(scores, evaluators)
    if args.out:
        payload = primary.to_dict()
        if len(scores) > 1:
            payload["extractors"] = {n: sc.to_dict() for n, sc in scores.items()}
        Path(args.out).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.out}")
    if args.save_ref:
        print(f"wrote reference statistics {evaluators[0].save_reference(args.save_ref)}")
    if baseline is not None:
        _print_comparison(args.compare, scores, baseline)
    if views_dir is not None:
        from ganforge.image.metrics.views import views_of_evaluation

        first = evaluators[0]
        if first.resize and tuple(images.shape[1:]) != first.ref_shape:   # shown as scored: at the reference's size
            images = first.extractor.resize_samples(images, first.ref_shape, first.resize)
        views_of_evaluation(views_dir, images, name, scored, _neighbours_in(args), args.data_dir)
    return 0


def _extractor_names(args: argparse.Namespace) -> list:
    names = ["auto"] if args.extractor == "all" else [n.strip() for n in args.extractor.split(",") if n.strip()]
    if (len(names) != 1 or args.extractor == "all") and args.weights:
        raise GanforgeError("--weights names one extractor's weights file; pass a single --extractor with it")
    return names or ["auto"]


def _floor(args: argparse.Namespace, evaluator, images, names):
    from ganforge.image.metrics.sources import load_images

    real, real_name = load_images(args.floor, args.data_dir, what="floor")
    real = real[:len(images)]
    if evaluator.resize:   # the real images take the samples' path: to their size, then as they are scored
        real = evaluator.extractor.resize_samples(real, tuple(images.shape[1:]), evaluator.resize)
    floor = evaluator.score(real, names, args.seed, f"floor: real {real_name}", options_of(args))
    print(floor)
    return floor


def _print_opinions(scores: dict, evaluators: list) -> None:
    from ganforge.image.metrics.views import print_card
    from ganforge.metrics.opinions import table

    print(f"\n{len(scores)} extractors (one row each):\n" + table({n: sc.values for n, sc in scores.items()}))
    print("\nextractor cards:")
    for evaluator in evaluators:
        card = getattr(evaluator.extractor, "card", None)
        if card is not None:
            print_card(card(), short=True)


def _print_comparison(path: str, scores: dict, baseline: dict) -> None:
    from ganforge.metrics.opinions import DIRECTIONS, agreement_line, disagreements

    shared = [n for n in scores if n in baseline]
    if not shared:
        raise GanforgeError(f"{path} was scored under {', '.join(baseline)}, this evaluation under "
                            f"{', '.join(scores)}; evaluate with one of the same extractors (e.g. --extractor all)")
    for n in shared:
        diff = scores[n].compare(baseline[n])
        under = f" under {n}" if len(scores) > 1 else ""
        print(f"difference to {path}{under}: " + "  ".join(f"{k} {v:+.4g}" for k, v in diff.items()))
    if len(shared) > 1:
        lines = disagreements({n: scores[n].values for n in shared}, {n: baseline[n].values for n in shared},
                              "this", "baseline")
        both = [m for m in DIRECTIONS if all(m in scores[n].values and m in baseline[n].values for n in shared)]
        print(agreement_line(lines, len(shared), "this", "baseline", both))


def _views_dir(args: argparse.Namespace):
    views = getattr(args, "views", None)
    if views is None:
        return None
    if views:
        return Path(views)
    from ganforge.engine.run_folder import RunFolder

    run = RunFolder(args.source)
    if not run.is_run():
        raise GanforgeError("--views needs a folder for views of files (--views DIR); only a run has a default "
                            "(RUN/eval/views)")
    return run.eval_dir / "views"


def _neighbours_in(args: argparse.Namespace) -> str:
    if getattr(args, "neighbours_in", None):
        return args.neighbours_in
    from ganforge.engine.run_folder import RunFolder

    run = RunFolder(args.source)
    if run.is_run():
        data = (run.config_dict().get("data") or {}).get("name")
        if data in ("mnist", "fashion-mnist"):
            return f"{data}:train"
    return args.ref


def _read_scores(path: Path) -> dict:
    """A score saved by ``ganforge eval --out``, by extractor (one, or every extractor of ``--extractor all``)."""
    from ganforge.metrics.evaluate import Score

    try:
        data = json.loads(path.read_text())
        every = data.get("extractors") or {data["card"]["extractor"]: data}
        return {name: Score.from_dict(d) for name, d in every.items()}
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        why = "no such file" if isinstance(exc, FileNotFoundError) else type(exc).__name__
        raise GanforgeError(f"{path} is not a score written by `ganforge eval --out` ({why}); pass the .json that "
                            "`ganforge eval SOURCE --out FILE` wrote") from None
