"""Generate the bank's source-system extracts as batches of bronze CSV files.

    python -m scripts.generate [--customers 1000] [--transactions 50000]
        [--start-date 2022-01-01] [--end-date 2023-12-31] [--seed 42] [--defect-rate 0.02]
        [--out-dir data] [--chunk-size 250000] [--reset]
    python -m scripts.generate --advance-days N [--out-dir data]

The first form writes the initial batch b0001 (history from the start to the end date);
the second moves the source systems N days past the last batch's as_of and writes the
next batch, with parameters taken from <out-dir>/manifest.json. Same commands + same seed
=> byte-identical files. Layout, realism, planted truths and defects: scripts/generator/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.generator import calendar, economy, manifest, pools
from scripts.generator.batch import BatchRun
from scripts.generator.params import Behaviour, RunParams
from scripts.generator.world import World, advance, initial

log = logging.getLogger("financial_analytics.generate")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line (exit 2 via scripts.cli.run)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    defaults = RunParams()
    parser = _Parser(prog="python -m scripts.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--customers",
        type=int,
        default=defaults.customers,
        help="customers at the end date (default: %(default)s)",
    )
    parser.add_argument(
        "--transactions",
        type=int,
        default=defaults.transactions,
        help="customer-initiated transactions in the initial window (default: %(default)s)",
    )
    parser.add_argument(
        "--start-date",
        default=defaults.start_date,
        help="first day of the initial window (default: %(default)s)",
    )
    parser.add_argument(
        "--end-date",
        default=defaults.end_date,
        help="last day of the initial window (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)"
    )
    parser.add_argument(
        "--defect-rate",
        type=float,
        default=defaults.defect_rate,
        help="share of rows with a defect, 0-0.5 (default: %(default)s)",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=Path("data"), help="output folder (default: %(default)s)"
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=defaults.chunk_size,
        help="transactions generated and written at a time (default: %(default)s)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="overwrite an existing data set in --out-dir"
    )
    parser.add_argument(
        "--advance-days",
        type=int,
        metavar="N",
        help="write the next batch, N days after the last as_of",
    )
    add_logging_args(parser)
    return parser


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from exc


def run_params(args: argparse.Namespace) -> RunParams:
    start = _date(args.start_date, "--start-date")
    end = _date(args.end_date, "--end-date")
    if end < start:
        raise UserError(f"--end-date {end} is before --start-date {start}")
    if args.customers < 1:
        raise UserError(f"--customers must be at least 1 (got {args.customers})")
    if args.transactions < 0:
        raise UserError(f"--transactions must not be negative (got {args.transactions})")
    if args.chunk_size < 1:
        raise UserError(f"--chunk-size must be at least 1 (got {args.chunk_size})")
    if args.seed < 0:
        raise UserError(f"--seed must not be negative (got {args.seed})")
    if not 0 <= args.defect_rate <= 0.5:
        raise UserError(f"--defect-rate must be between 0 and 0.5 (got {args.defect_rate})")
    return RunParams(
        customers=args.customers,
        transactions=args.transactions,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        seed=args.seed,
        defect_rate=args.defect_rate,
        chunk_size=args.chunk_size,
    )


def _derived(world: World) -> dict[str, object]:
    return {k: v for k, v in world.info.items() if k != "next_ids"}


def generate_initial(out_dir: Path, params: RunParams, reset: bool) -> dict:
    if manifest.path(out_dir).exists() and not reset:
        raise UserError(
            f"{manifest.path(out_dir)} exists: pass --reset to overwrite, or --advance-days N to continue"
        )
    for stale in (out_dir / "batches", out_dir / "state"):
        if stale.exists():
            shutil.rmtree(stale)
    manifest.path(out_dir).unlink(missing_ok=True)
    behaviour = Behaviour()
    name_pools = pools.build(params.seed)
    world = initial(params, behaviour, name_pools)
    econ = economy.indicators(params.seed, params.start, behaviour.economy)
    first, last = calendar.epoch_day(params.start), calendar.epoch_day(params.end)
    folder = out_dir / "batches" / "b0001"
    result = BatchRun(world, params, behaviour, 1, first, last, folder, econ).run(
        params.transactions
    )
    world.info["last_day"] = last
    world.save(out_dir / "state")
    doc = manifest.new(params, behaviour, _derived(world))
    manifest.add_batch(doc, result, _derived(world))
    manifest.write(out_dir, doc)
    return result.meta


def generate_advance(out_dir: Path, days: int) -> dict:
    if days < 1:
        raise UserError(f"--advance-days must be at least 1 (got {days})")
    if not manifest.path(out_dir).exists():
        raise UserError(f"{manifest.path(out_dir)} not found: run an initial generation first")
    doc = manifest.read(out_dir)
    params = RunParams(**doc["parameters"]["run"])
    behaviour = Behaviour()
    world = World.load(out_dir / "state")
    batch_no = len(doc["batches"]) + 1
    first = int(world.info["last_day"]) + 1
    last = first + days - 1
    name_pools = pools.build(params.seed)
    changes = advance(world, params, behaviour, name_pools, batch_no, first, last)
    econ = economy.indicators(params.seed, params.start, behaviour.economy)
    folder = out_dir / "batches" / f"b{batch_no:04d}"
    if folder.exists():
        shutil.rmtree(folder)
    result = BatchRun(world, params, behaviour, batch_no, first, last, folder, econ).run(None)
    result.changes = {**changes, **result.changes}
    world.info["last_day"] = last
    world.save(out_dir / "state")
    manifest.add_batch(doc, result, _derived(world))
    manifest.write(out_dir, doc)
    return result.meta


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level)
    started = time.perf_counter()
    if args.advance_days is not None:
        meta = generate_advance(args.out_dir, args.advance_days)
    else:
        meta = generate_initial(args.out_dir, run_params(args), args.reset)
    seconds = time.perf_counter() - started
    rows = meta["tables"]["transactions"]
    log.info(
        "batch %s (%s, as of %s): %d transaction rows in %.1f s (%.0f rows/s) -> %s",
        meta["batch_id"],
        meta["kind"],
        meta["as_of"],
        rows,
        seconds,
        rows / max(seconds, 1e-9),
        args.out_dir,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
