"""``ganforge data``: build the offline data sets (image-to-image pairs, audio clips), verify them, list them."""
from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="data sets built offline: build, verify, list")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    b = dsub.add_parser("build", help="build a data set (deterministic, checksummed): image pairs from MNIST and "
                        "bundled images, audio clips from a soundfont or a speech synthesiser")
    b.add_argument("name", help="edges2digits, skeleton2digits, mnist2sklearn, mnist2mnistm, notes or spoken-digits "
                   "(see `data list`)")
    b.add_argument("--out", required=True, help="folder to write (new or empty; --overwrite replaces a data set)")
    b.add_argument("--n", type=int, help="images per split (default 2000); audio: clips per class in train/ "
                   "(default 8; a quarter in test/)")
    b.add_argument("--size", type=int, default=32, help="image side in pixels (default 32)")
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
    from ganforge.translation.data.builders import build as build_set

    if args.name in AUDIO:
        from ganforge.audio.data.builders import build as build_audio

        info = build_audio(args.name, args.out, n=8 if args.n is None else args.n, seed=args.seed, overwrite=args.overwrite)
        counts = ", ".join(f"{folder} {count}" for folder, count in info["counts"].items())
        print(f"built {info['name']} ({info['synthetic']}; 16 kHz clips) in {args.out}: {counts}; checksums verified "
              "(SHA256SUMS)")
        return 0
    info = build_set(args.name, args.out, n=2000 if args.n is None else args.n, size=args.size, seed=args.seed, data_dir=args.data_dir,
                     overwrite=args.overwrite)
    counts = ", ".join(f"{folder} {count}" for folder, count in info["counts"].items())
    print(f"built {info['name']} ({info['kind']}, {args.size}x{args.size}) in {args.out}: {counts}; "
          "checksums verified (SHA256SUMS)")
    return 0


def verify(args: argparse.Namespace) -> int:
    from ganforge.datasets.built import verify as verify_set

    print(f"{args.folder}: {verify_set(args.folder)} files match SHA256SUMS")
    return 0


def list_builders(args: argparse.Namespace) -> int:
    from ganforge.audio.data.builders import BUILDERS as AUDIO
    from ganforge.translation.data.builders import BUILDERS

    for name in BUILDERS.names():
        builder = BUILDERS.get(name)
        print(f"{name:16s} {builder.kind:9s} {builder.description}")
    for name in AUDIO.names():
        print(f"{name:16s} {'audio':9s} {AUDIO.get(name).description}")
    return 0
