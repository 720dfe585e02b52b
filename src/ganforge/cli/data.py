"""``ganforge data``: build the offline data sets (image-to-image pairs, Moving MNIST, audio clips), verify, list them."""
from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="data sets built offline: build, verify, list")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    b = dsub.add_parser("build", help="build a data set (deterministic, checksummed): image pairs and clips from "
                        "MNIST and bundled images, audio clips from a soundfont or a speech synthesiser")
    b.add_argument("name", help="edges2digits, skeleton2digits, mnist2sklearn, mnist2mnistm, moving-mnist, notes, "
                                "spoken-digits or captioned-digits (see `data list`)")
    b.add_argument("--out", required=True, help="folder to write (new or empty; --overwrite replaces a data set)")
    b.add_argument("--n", type=int, help="images (moving-mnist: clips) per split (default 2000); audio: clips per "
                                         "class in train/ (default 8; a quarter in test/); captioned-digits: train "
                                         "items (default 20000; test: a tenth)")
    b.add_argument("--size", type=int, help="image side in pixels (default 32; moving-mnist: 64 or 32, default 64)")
    b.add_argument("--frames", type=int, help="moving-mnist: frames per clip, 16 or 32 (default 16)")
    b.add_argument("--digits", type=int, help="moving-mnist: digits per clip, 1 or 2 (default 1)")
    b.add_argument("--seed", type=int, default=0, help="seed of the digit choice and photo crops (default 0)")
    b.add_argument("--data-dir", help="folder holding mnist/*.gz (default: $GANFORGE_DATA)")
    b.add_argument("--overwrite", action="store_true", help="replace a data set already in --out")
    b.set_defaults(func=build)
    v = dsub.add_parser("verify", help="check a built data set against its SHA256SUMS")
    v.add_argument("folder")
    v.set_defaults(func=verify)
    ls = dsub.add_parser("list", help="list the data sets `data build` makes")
    ls.set_defaults(func=list_builders)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def build(args: argparse.Namespace) -> int:
    from ganforge.audio.data.builders import BUILDERS as AUDIO
    from ganforge.errors import GanforgeError
    from ganforge.text2image.data import builder as captions
    from ganforge.translation.data.builders import build as build_set
    from ganforge.video.data import moving_mnist

    given = [f"--{k}" for k in ("frames", "digits") if getattr(args, k) is not None]
    if given and args.name != moving_mnist.NAME:
        takes = "--n and --seed" if args.name in AUDIO or args.name == captions.NAME else "--n, --size and --seed"
        raise GanforgeError(f"{given[0]} is an option of moving-mnist; {args.name} takes {takes}")
    if args.name in AUDIO:
        from ganforge.audio.data.builders import build as build_audio

        if args.size is not None:
            raise GanforgeError(f"--size is an option of image and video sets; {args.name} takes --n and --seed")
        info = build_audio(args.name, args.out, n=8 if args.n is None else args.n, seed=args.seed,
                           overwrite=args.overwrite)
        counts = ", ".join(f"{folder} {count}" for folder, count in info["counts"].items())
        print(f"built {info['name']} ({info['synthetic']}; 16 kHz clips) in {args.out}: {counts}; checksums verified "
              "(SHA256SUMS)")
        return 0
    if args.name == captions.NAME:
        if args.size is not None:
            raise GanforgeError(f"--size is not an option of {captions.NAME} (64x64 canvases); it takes --n and --seed")
        info = captions.build(args.out, n=20000 if args.n is None else args.n, seed=args.seed, data_dir=args.data_dir,
                              overwrite=args.overwrite)
        print(f"built {info['name']} (64x64 canvases, captions from measured attributes) in {args.out}: train "
              f"{info['counts']['train']}, test {info['counts']['test']}; checksums verified (SHA256SUMS)")
        return 0
    n = 2000 if args.n is None else args.n
    if args.name == moving_mnist.NAME:
        video = {k: getattr(args, k) for k in ("frames", "digits", "size") if getattr(args, k) is not None}
        info = moving_mnist.build(args.out, n=n, seed=args.seed, data_dir=args.data_dir, overwrite=args.overwrite,
                                  **video)
    else:
        info = build_set(args.name, args.out, n=n, size=args.size or 32, seed=args.seed, data_dir=args.data_dir,
                         overwrite=args.overwrite)
    counts = ", ".join(f"{folder} {count}" for folder, count in info["counts"].items())
    size = info["options"]["size"]
    print(f"built {info['name']} ({info['kind']}, {size}x{size}) in {args.out}: {counts}; "
          "checksums verified (SHA256SUMS)")
    return 0


def verify(args: argparse.Namespace) -> int:
    from ganforge.datasets.built import verify as verify_set

    print(f"{args.folder}: {verify_set(args.folder)} files match SHA256SUMS")
    return 0


def list_builders(args: argparse.Namespace) -> int:
    from ganforge.audio.data.builders import BUILDERS as AUDIO
    from ganforge.translation.data.builders import BUILDERS
    from ganforge.video.data import moving_mnist

    for name in BUILDERS.names():
        builder = BUILDERS.get(name)
        print(f"{name:16s} {builder.kind:9s} {builder.description}")
    print(f"{moving_mnist.NAME:16s} {'video':9s} {moving_mnist.DESCRIPTION}")
    from ganforge.text2image.data import builder as captions

    print(f"{captions.NAME:16s} {'text2image':9s} {captions.DESCRIPTION}")
    for name in AUDIO.names():
        print(f"{name:16s} {'audio':9s} {AUDIO.get(name).description}")
    return 0
