"""``ganforge sample`` and ``ganforge interpolate``: samples of a trained run, written by its family."""
from __future__ import annotations

import argparse

from ganforge.errors import GanforgeError
from ganforge.family import family_of_run


def add_provenance_flag(p) -> None:
    """``--no-provenance``: write the files without C2PA manifest, watermark or sidecar (``args.provenance``)."""
    p.add_argument("--no-provenance", dest="provenance", action="store_false",
                   help="write no provenance (C2PA manifest, invisible watermark or signed sidecar record)")


def report_provenance(args: argparse.Namespace) -> None:
    """Print what provenance the command's files got (or that it was turned off)."""
    from ganforge.provenance import OFF_NOTE, describe, take_notes

    notes = take_notes()
    if not args.provenance:
        print(OFF_NOTE)
    elif notes:
        print(describe(notes, True))


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="sample from a trained run")
    p.add_argument("run", help="run folder or checkpoint file")
    p.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", type=int, help="class to sample (conditional models)")
    p.add_argument("--labels", help="video runs: the digits of each clip, e.g. 3,7 (conditional two-digit models)")
    p.add_argument("--truncation", type=float, help="truncation trick, e.g. 0.7: psi in W for stylegan2 (1 = none, "
                                                    "0 = the average image), else the |z| threshold")
    p.add_argument("--mix", nargs=2, metavar=("SEEDS_A", "SEEDS_B"),
                   help="image runs with a mapping network (stylegan2): a style-mixing grid, rows the coarse styles "
                        "of seeds A, columns the fine styles of seeds B, e.g. --mix 0-4 10-15")
    p.add_argument("--crossover", type=int, help="with --mix: the first style layer taken from B (default: half)")
    p.add_argument("--truncation-sweep", action="store_true",
                   help="image runs: a grid of the same samples (min(--n, 8) rows) at truncation 1.0 .. 0.2")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (text models)")
    p.add_argument("--top-k", type=int, default=0, help="sample from the k most likely tokens (text models)")
    p.add_argument("--prompt", help="prefix to continue (text models); what to draw (text2image runs), e.g. "
                                    "\"a thin seven left of a bold two\"")
    p.add_argument("--stage", type=int, help="text2image runs: 1 = stage I's low-resolution images, 2 = stage II's "
                                             "(default: the run's last stage)")
    p.add_argument("--fill", help='text with blanks to fill in, one word per ___ (MaskGAN runs), e.g. '
                                  '"a man riding a ___ on the ___"')
    p.add_argument("--out", help="grid.png, a folder, or samples.npz (images); a .txt file (text); clips.gif, "
                                 ".mp4 or strip .png (video)")
    p.add_argument("--device", default="cpu")
    add_provenance_flag(p)
    p.set_defaults(func=sample)

    p = sub.add_parser("interpolate", help="walk between two latents (spherical interpolation)")
    p.add_argument("run", help="run folder or checkpoint file")
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", type=int)
    p.add_argument("--labels", help="video runs: the digits of the clips, e.g. 3,7")
    p.add_argument("--space", help="video runs: the latent walked: content (the same motion, another digit) or "
                                   "motion (mocogan), latent (tgan)")
    p.add_argument("--truncation", type=float)
    p.add_argument("--out", default="walk.gif", help="walk.gif (animation) or strip.png; video runs also walk.mp4")
    p.add_argument("--device", default="cpu")
    add_provenance_flag(p)
    p.set_defaults(func=interpolate)


def sample(args: argparse.Namespace) -> int:
    family = family_of_run(args.run)
    if getattr(args, "fill", None) is not None and family.name != "text":
        raise GanforgeError(f"--fill fills in the blanks of a sentence with a maskgan run; this is a {family.name} "
                            "run, sample it without --fill")
    refuse_video_flags(family.name, args)
    if getattr(args, "stage", None) is not None and family.name != "text2image":
        raise GanforgeError(f"--stage is an option of text2image runs; this is a {family.name} run, drop --stage")
    mix, crossover = getattr(args, "mix", None), getattr(args, "crossover", None)
    if (mix or getattr(args, "truncation_sweep", False) or crossover is not None) and family.name != "image":
        raise GanforgeError(f"--mix, --crossover and --truncation-sweep explore image runs; this is a {family.name} "
                            "run, sample it without them")
    refuse_text_flags(family.name, args)
    if crossover is not None and not mix:
        raise GanforgeError("--crossover goes with --mix SEEDS_A SEEDS_B (a style-mixing grid); add --mix or drop it")
    code = family.sample_command(args)
    report_provenance(args)
    return code


def interpolate(args: argparse.Namespace) -> int:
    family = family_of_run(args.run)
    refuse_video_flags(family.name, args)
    code = family.interpolate_command(args)
    report_provenance(args)
    return code


def refuse_text_flags(family: str, args: argparse.Namespace) -> None:
    """--prompt, --temperature and --top-k on a run of a family that would ignore them: one line."""
    flags = (("prompt", getattr(args, "prompt", None) is not None, ("text", "text2image", "video")),
             ("temperature", getattr(args, "temperature", 1.0) != 1.0, ("text", "music")),
             ("top-k", getattr(args, "top_k", 0) != 0, ("text",)))
    for flag, given, families in flags:
        if given and family not in families:
            article = "an" if family[0] in "aeiou" else "a"
            raise GanforgeError(f"--{flag} steers {' and '.join(families[:2])} runs; this is {article} {family} "
                                f"run, drop --{flag}")


def refuse_video_flags(family: str, args: argparse.Namespace) -> None:
    for flag in ("labels", "space"):
        if getattr(args, flag, None) is not None and family != "video":
            raise GanforgeError(f"--{flag} is an option of video runs; this is a {family} run, drop --{flag}"
                                + (" (one class: --label N)" if flag == "labels" else ""))
