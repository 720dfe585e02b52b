"""``ganforge rate``: human (HYPE-infinity) studies of real vs generated items, in a SQLite or PostgreSQL database.

    ganforge rate create RUN [RUN ...] --name NAME [--n 20] [--truncation none --truncation 0.7] [--attention 2]
    ganforge rate list
    ganforge rate results NAME
    ganforge rate export NAME --out ratings.csv

People rate in the studio (``ganforge studio``, the Rate page, ``/rate?study=NAME``); every command takes
``--studies DIR`` (item files, and ``ratings.sqlite`` unless ``--db`` says otherwise) and ``--db URL``
(a SQLite path, ``sqlite:///PATH`` or ``postgresql://USER@HOST/DB``).
"""
from __future__ import annotations

import argparse
import json
import sys

DEFAULT_STUDIES = "studies"


def add_db_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--studies", default=DEFAULT_STUDIES,
                   help=f"folder of the studies' item files (default: {DEFAULT_STUDIES}); holds ratings.sqlite "
                        "unless --db names another database")
    p.add_argument("--db", help="rating database: a SQLite file, sqlite:///PATH (?mode=ro: read-only) or "
                                "postgresql://USER@HOST/DB (needs psycopg: pip install 'ganforge[postgres]')")


def add_parser(sub) -> None:
    p = sub.add_parser("rate", help="human evaluation: HYPE studies of real vs generated items",
                       description="Human evaluation (HYPE-infinity, Zhou et al. 2019): make a study of real and "
                                   "generated items from runs, let people rate them on the studio's Rate page, "
                                   "read the fooled rate with its bootstrap interval, export every rating.")
    rate_sub = p.add_subparsers(dest="rate_command", metavar="ACTION")
    c = rate_sub.add_parser("create", help="sample the items of a new study from one or more runs")
    c.add_argument("runs", nargs="+", metavar="RUN", help="run folders (or checkpoints) to rate")
    c.add_argument("--name", required=True, help="the study's name (letters, digits, '.', '_', '-')")
    c.add_argument("--n", type=int, default=20, help="generated items per run and setting; as many real ones "
                                                     "(default 20)")
    c.add_argument("--truncation", action="append", metavar="T",
                   help="image runs: a truncation to compare (repeat; 'none' = untruncated; default none)")
    c.add_argument("--temperature", action="append", metavar="T",
                   help="runs whose family samples at a temperature: one to compare (repeat)")
    c.add_argument("--attention", type=int, default=0, help="attention checks: obviously generated items "
                                                            "(default 0)")
    c.add_argument("--real", help="real items from this source instead of the run's data (a folder, an .npz or "
                                  "a split like mnist:test)")
    c.add_argument("--seed", type=int, default=0)
    add_db_flags(c)
    c.set_defaults(func=create)

    ls = rate_sub.add_parser("list", help="the studies of a database")
    add_db_flags(ls)
    ls.set_defaults(func=list_studies)

    r = rate_sub.add_parser("results", help="HYPE-infinity of a study with 95 %% bootstrap intervals")
    r.add_argument("name", help="the study")
    r.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    r.add_argument("--include-inattentive", action="store_true",
                   help="count raters who called an attention check real (left out by default)")
    r.add_argument("--json", action="store_true", help="print the results as JSON")
    add_db_flags(r)
    r.set_defaults(func=show_results)

    e = rate_sub.add_parser("export", help="every rating of a study as CSV")
    e.add_argument("name", help="the study")
    e.add_argument("--out", default="-", help="CSV file to write (default: standard output)")
    add_db_flags(e)
    e.set_defaults(func=export)
    p.set_defaults(func=lambda args: p.print_help() or 1)


def open_ratings(args: argparse.Namespace):
    from ganforge.rating.db import open_database
    from ganforge.rating.study import Ratings

    return Ratings(open_database(args.db, args.studies), args.studies)


def create(args: argparse.Namespace) -> int:
    from ganforge.errors import GanforgeError
    from ganforge.rating.items import item_source_of_run

    if args.truncation and args.temperature:
        raise GanforgeError("give --truncation or --temperature, not both: a study compares one setting")
    given = args.truncation or args.temperature
    setting = item_source_of_run(args.runs[0]).setting
    if given and (("truncation" if args.truncation else "temperature") != setting):
        flag = "--truncation" if args.truncation else "--temperature"
        raise GanforgeError(f"{args.runs[0]} samples at a {setting}, not a {flag[2:]}: use --{setting} instead of "
                            f"{flag}")
    ratings = open_ratings(args)
    study = ratings.create_study(args.name, args.runs, n=args.n, settings=given or [None], attention=args.attention,
                                 seed=args.seed, real=args.real)
    items = study["items"]
    print(f"study {study['name']}: {items['generated']} generated, {items['real']} real, {items['attention']} "
          f"attention-check items in {study['folder']} (database {ratings.db.describe()})")
    print(f"  rate it:     ganforge studio --studies {args.studies}" + (" --db URL" if args.db else "")
          + f"  then open /rate?study={study['name']}")
    print(f"  results:     ganforge rate results {study['name']}")
    return 0


def list_studies(args: argparse.Namespace) -> int:
    studies = open_ratings(args).studies()
    if not studies:
        print("no studies yet: make one with `ganforge rate create RUN --name NAME`")
    for s in studies:
        items = s["items"]
        print(f"{s['name']:<24} {items['generated']} generated + {items['real']} real + {items['attention']} checks, "
              f"{s['raters']} rater(s) ({s['scripted_raters']} scripted), {s['ratings']} ratings")
    return 0


def show_results(args: argparse.Namespace) -> int:
    from ganforge.errors import GanforgeError
    from ganforge.rating.results import format_results, results

    if args.resamples < 1:
        raise GanforgeError(f"--resamples must be >= 1 (got {args.resamples}); 2000 is usual")
    res = results(open_ratings(args), args.name, resamples=args.resamples,
                  include_inattentive=args.include_inattentive)
    print(json.dumps(res, indent=2) if args.json else "\n".join(format_results(res)))
    return 0


def export(args: argparse.Namespace) -> int:
    from ganforge.rating.results import export_csv

    ratings = open_ratings(args)
    if args.out == "-":
        sys.stdout.write(export_csv(ratings, args.name))
    else:
        text = export_csv(ratings, args.name, args.out)
        print(f"wrote {max(0, text.count(chr(10)) - 1)} ratings of study {args.name} to {args.out}")
    return 0
