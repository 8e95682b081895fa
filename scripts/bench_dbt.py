"""Benchmark: dbt on N transactions — full build, incremental build, and the SQL ceiling.

    python -m scripts.bench_dbt [--transactions 1000000] [--customers N]

In one invocation, on a scratch database:
1. generate and load the initial batch;
2. `dbt build --full-refresh` (models, snapshots, tests), timed;
3. `dbt run --full-refresh`, timed: the models alone;
4. the ceiling: every model's compiled SELECT, in dependency order, executed by psql as
   `create temp table ... as <sql>` in one transaction — the same SQL without dbt;
5. a one-day advance: generate, load, then `dbt build` (incremental), timed: its data tests
   of incremental models check the rows the run wrote (macros/latest_write.sql);
6. `dbt test` after it, timed: every test on every row, what that scoping saves;
7. `dbt build` again with no new data: what an incremental run costs before any batch;
8. dbt's fixed cost: the same `dbt build` with no new data on a tiny warehouse (its own
   scratch database), where the data work is negligible and what is left is dbt's start-up
   and its per-node work (compiling, running and recording each of the ~470 nodes).
Each build's run_results.json is kept and summarised per layer (silver, snapshots,
dimensions, facts, features, analytics, data tests) in node-seconds: dbt runs nodes on
several threads, so the layers add up to more than the wall-clock time. For the +1-day
build it also reports when fact_transactions started (seconds after the build began:
what silver and the dimensions make it wait), and the DAG's longest chain of models from
a source to fact_transactions (target/manifest.json). `--summarise TARGET_DIR` prints
those figures for a target folder an earlier run kept (its manifest.json and
run_results_incremental_build.json), e.g. one of another checkout. The warehouse
ratio compares the models issue 3 makes incremental (silver, snapshots, dimensions,
facts) between the two builds. Results are printed and written to
.bench/bench_dbt_<N>.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from graphlib import TopologicalSorter
from pathlib import Path

from scripts import db, load
from scripts.cli import UserError, add_logging_args, run, setup_logging
from scripts.connection import ConnectionSettings
from scripts.pipeline import REPO_ROOT, dbt, dbt_executable, python_module

log = logging.getLogger("financial_analytics.bench")

BENCH_DATABASE = "financial_analytics_bench"
FLOOR_DATABASE = "financial_analytics_bench_floor"
FLOOR_CUSTOMERS = 200
FLOOR_TRANSACTIONS = 2_000


# the nodes a build runs in dependency order (tests run beside them)
BUILT_TYPES = ("model", "snapshot", "seed")
# layers of the per-build breakdown, by the node's folder under models/ (first match wins)
LAYERS = (
    ("silver", "models/silver/"),
    ("dimensions", "models/gold/dimensions/"),
    ("facts", "models/gold/facts/"),
    ("features", "models/gold/features/"),
    ("analytics", "models/gold/analytics/"),
)
WAREHOUSE_LAYERS = ("silver", "snapshots", "dimensions", "facts")
# unit tests need the models to exist first (dbt-core #10695); they are not data work
DATA_ONLY = ("--exclude-resource-type", "unit_test")
INCREMENTAL_BUILD = ("build", *DATA_ONLY)
# the model whose start the +1-day build is measured to, and the end of the longest chain
CHAIN_END = "fact_transactions"


@dataclass(frozen=True)
class Result:
    transactions: int
    dbt_failures: list[str]
    dbt_build_full_seconds: float
    dbt_run_full_seconds: float
    direct_sql_seconds: float
    dbt_build_incremental_seconds: float
    dbt_test_every_row_seconds: float
    dbt_build_no_new_data_seconds: float
    dbt_build_tiny_warehouse_seconds: float
    incremental_vs_full: float
    dbt_vs_direct_sql: float
    full_build_layers: dict[str, float]
    incremental_build_layers: dict[str, float]
    warehouse_incremental_vs_full: float
    slowest_incremental_nodes: list[str]
    chain_end_started_seconds: float
    longest_chain_models: int
    longest_chain: list[str]


def timed(action: Callable[..., object], *args: object, **kwargs: object) -> float:
    started = time.monotonic()
    action(*args, **kwargs)
    return time.monotonic() - started


def models_in_order(manifest_path: Path) -> list[dict]:
    """The project's models in dependency order, with their compiled SQL."""
    manifest = json.loads(manifest_path.read_text())
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == "financial_analytics"
        and node["config"].get("materialized") != "ephemeral"
    }
    graph = {
        uid: [d for d in node["depends_on"]["nodes"] if d in models] for uid, node in models.items()
    }
    return [models[uid] for uid in TopologicalSorter(graph).static_order()]


def ceiling_script(models: list[dict]) -> str:
    lines = ["\\set ON_ERROR_STOP on", "begin;"]
    for index, node in enumerate(models):
        compiled = node.get("compiled_code")
        if not compiled:
            raise UserError(
                f"{node['name']} has no compiled SQL in the manifest: run `dbt compile` first"
            )
        lines.append(f"-- {node['name']}")
        lines.append(f"create temp table bench_{index} as\n{compiled.rstrip().rstrip(';')}\n;")
    lines.append("rollback;")
    return "\n".join(lines) + "\n"


def layer_of(node_path: str, resource_type: str) -> str:
    if resource_type != "model":
        return {"test": "data tests", "snapshot": "snapshots"}.get(resource_type, "other")
    for layer, folder in LAYERS:
        if node_path.startswith(folder):
            return layer
    return "other models"


def build_breakdown(run_results: Path, manifest: Path) -> tuple[dict[str, float], list[str]]:
    """Node-seconds per layer of one dbt build, and its five slowest nodes."""
    nodes = json.loads(manifest.read_text())["nodes"]
    layers: dict[str, float] = {}
    timings = []
    for result in json.loads(run_results.read_text())["results"]:
        node = nodes.get(result["unique_id"], {})
        layer = layer_of(node.get("original_file_path", ""), node.get("resource_type", ""))
        layers[layer] = layers.get(layer, 0.0) + result["execution_time"]
        timings.append((result["execution_time"], node.get("name", result["unique_id"])))
    slowest = [f"{name} {seconds:.1f} s" for seconds, name in sorted(timings, reverse=True)[:5]]
    return {layer: round(seconds, 1) for layer, seconds in sorted(layers.items())}, slowest


def longest_chain(manifest: Path, end: str = CHAIN_END) -> list[str]:
    """The longest path of the DAG from a source to the model `end`, counted in models
    (a snapshot or seed on the way is passed through, not counted): the models dbt must
    run one after another before `end` can start. Returns the path's node names."""
    nodes = json.loads(manifest.read_text())["nodes"]
    built = {uid: node for uid, node in nodes.items() if node["resource_type"] in BUILT_TYPES}
    best: dict[str, tuple[int, tuple[str, ...]]] = {}

    def visit(uid: str) -> tuple[int, tuple[str, ...]]:
        if uid not in best:
            node = built[uid]
            parents = [visit(p) for p in node.get("depends_on", {}).get("nodes", []) if p in built]
            depth, path = max(parents, default=(0, ()))
            own = 1 if node["resource_type"] == "model" else 0
            best[uid] = (depth + own, (*path, node["name"]))
        return best[uid]

    ends = [uid for uid, node in built.items() if node["name"] == end]
    if not ends:
        raise UserError(f"no model {end} in {manifest}")
    # deep chains recurse once per node; the project's are a few dozen long
    return list(visit(ends[0])[1])


def chain_models(manifest: Path, chain: list[str]) -> int:
    """How many of the chain's nodes are models."""
    kinds = {
        node["name"]: node["resource_type"]
        for node in json.loads(manifest.read_text())["nodes"].values()
        if node["resource_type"] in BUILT_TYPES
    }
    return sum(1 for name in chain if kinds.get(name) == "model")


def started_after_build_start(run_results: Path, name: str = CHAIN_END) -> float:
    """Seconds from the build's start (its end, generated_at, less its elapsed time) to
    the start of node `name`'s compile step."""
    results = json.loads(run_results.read_text())
    ended = datetime.fromisoformat(results["metadata"]["generated_at"].replace("Z", "+00:00"))
    began = ended - timedelta(seconds=results["elapsed_time"])
    for result in results["results"]:
        if result["unique_id"].split(".")[-1] == name and result["unique_id"].startswith("model."):
            started = min(
                datetime.fromisoformat(step["started_at"].replace("Z", "+00:00"))
                for step in result["timing"]
            )
            return round((started - began).total_seconds(), 1)
    raise UserError(f"{name} did not run in {run_results}")


def summarise(target: Path) -> str:
    """The chain and timing figures of a target folder a benchmark kept."""
    manifest, incremental = target / "manifest.json", target / "run_results_incremental_build.json"
    chain = longest_chain(manifest)
    layers, _ = build_breakdown(incremental, manifest)
    return "\n".join(
        [
            f"longest chain to {CHAIN_END}: {chain_models(manifest, chain)} models: "
            + " -> ".join(chain),
            f"+1-day build: {CHAIN_END} started {started_after_build_start(incremental)} s "
            f"after the build began; silver {layers.get('silver', 0.0)} node-seconds",
        ]
    )


def keep_run_results(target: Path, label: str) -> Path:
    kept = target / f"run_results_{label}.json"
    kept.write_bytes((target / "run_results.json").read_bytes())
    return kept


def scratch_warehouse(
    database: str, data_dir: Path, customers: int, transactions: int
) -> ConnectionSettings:
    """An empty scratch database that dbt and the loader use from now on, with a freshly
    generated initial batch loaded into its bronze."""
    settings = replace(ConnectionSettings.from_env(), dbname=database)
    db.ensure_database(settings)
    db.ensure_reader_role(settings)
    os.environ["PGDATABASE"] = database
    db.reset(settings)
    log.info("generating and loading %s transactions into %s", f"{transactions:,}", database)
    python_module(
        "scripts.generate",
        "--reset",
        "--out-dir",
        str(data_dir),
        "--customers",
        str(customers),
        "--transactions",
        str(transactions),
        "--log-level",
        "WARNING",
    )
    load.load_all(data_dir)
    return settings


def run_benchmark(transactions: int, customers: int, work_dir: Path) -> Result:
    os.environ["DBT_TARGET_PATH"] = str(work_dir / "target")
    data_dir = work_dir / "dbt_data"
    settings = scratch_warehouse(BENCH_DATABASE, data_dir, customers, transactions)

    failures: list[str] = []
    target = work_dir / "target"
    build_full = timed(timed_dbt, failures, "build", "--full-refresh", *DATA_ONLY)
    full_results = keep_run_results(target, "full_build")
    run_full = timed(dbt, "run", "--full-refresh", "--quiet")

    models = models_in_order(target / "manifest.json")
    script = work_dir / "dbt_ceiling.psql"
    script.write_text(ceiling_script(models))
    log.info("running the compiled SQL of %d models directly with psql", len(models))
    direct = timed(python_psql, settings, script)

    log.info("advancing one day and building incrementally")
    python_module(
        "scripts.generate",
        "--out-dir",
        str(data_dir),
        "--advance-days",
        "1",
        "--log-level",
        "WARNING",
    )
    load.load_all(data_dir)
    build_incremental = timed(timed_dbt, failures, *INCREMENTAL_BUILD)
    incremental_results = keep_run_results(target, "incremental_build")
    log.info("testing every row")
    test_every_row = timed(timed_dbt, failures, "test", *DATA_ONLY)
    keep_run_results(target, "test_every_row")
    log.info("building again with no new data")
    build_no_new_data = timed(timed_dbt, failures, *INCREMENTAL_BUILD)
    keep_run_results(target, "no_new_data_build")

    log.info("measuring dbt's fixed cost on a tiny warehouse")
    scratch_warehouse(FLOOR_DATABASE, work_dir / "floor_data", FLOOR_CUSTOMERS, FLOOR_TRANSACTIONS)
    dbt("build", "--full-refresh", *DATA_ONLY, "--quiet")
    build_tiny = timed(timed_dbt, failures, *INCREMENTAL_BUILD)
    keep_run_results(target, "tiny_warehouse_build")

    full_layers, _ = build_breakdown(full_results, target / "manifest.json")
    incremental_layers, slowest = build_breakdown(incremental_results, target / "manifest.json")
    warehouse_full = sum(full_layers.get(layer, 0.0) for layer in WAREHOUSE_LAYERS)
    warehouse_incremental = sum(incremental_layers.get(layer, 0.0) for layer in WAREHOUSE_LAYERS)
    chain = longest_chain(target / "manifest.json")
    return Result(
        transactions=transactions,
        dbt_failures=failures,
        dbt_build_full_seconds=round(build_full, 1),
        dbt_run_full_seconds=round(run_full, 1),
        direct_sql_seconds=round(direct, 1),
        dbt_build_incremental_seconds=round(build_incremental, 1),
        dbt_test_every_row_seconds=round(test_every_row, 1),
        dbt_build_no_new_data_seconds=round(build_no_new_data, 1),
        dbt_build_tiny_warehouse_seconds=round(build_tiny, 1),
        incremental_vs_full=round(build_incremental / build_full, 3),
        dbt_vs_direct_sql=round(run_full / direct, 3),
        full_build_layers=full_layers,
        incremental_build_layers=incremental_layers,
        warehouse_incremental_vs_full=round(warehouse_incremental / warehouse_full, 3),
        slowest_incremental_nodes=slowest,
        chain_end_started_seconds=started_after_build_start(incremental_results),
        longest_chain_models=chain_models(target / "manifest.json", chain),
        longest_chain=chain,
    )


def timed_dbt(failures: list[str], *args: str) -> None:
    """A timed `dbt build`: data-test failures are recorded, not fatal, since the
    benchmark measures time; a build that errors (exit 2) still stops it."""
    command = [dbt_executable(), *args, "--quiet"]
    result = subprocess.run(command, cwd=REPO_ROOT, env=dict(os.environ))
    if result.returncode == 1:
        failures.append(f"dbt {' '.join(args)}: some tests failed (see the output above)")
    elif result.returncode != 0:
        raise UserError(f"`dbt {' '.join(args)}` failed (exit {result.returncode})")


def python_psql(settings: ConnectionSettings, script: Path) -> None:
    result = subprocess.run(
        [db.psql_path(), settings.uri(), "-q", "-f", str(script)], cwd=REPO_ROOT
    )
    if result.returncode != 0:
        raise UserError(f"psql -f {script} failed (exit {result.returncode})")


def render(result: Result) -> str:
    layers = sorted(set(result.full_build_layers) | set(result.incremental_build_layers))
    breakdown = [
        f"  {layer:<14} {result.full_build_layers.get(layer, 0.0):8.1f} "
        f"{result.incremental_build_layers.get(layer, 0.0):8.1f}"
        for layer in layers
    ]
    return "\n".join(
        [
            f"dbt on {result.transactions:,} transactions",
            f"  dbt build --full-refresh      {result.dbt_build_full_seconds:8.1f} s",
            f"  dbt run --full-refresh        {result.dbt_run_full_seconds:8.1f} s",
            f"  same SQL directly with psql   {result.direct_sql_seconds:8.1f} s",
            f"  dbt build after +1 day        {result.dbt_build_incremental_seconds:8.1f} s"
            " (data tests on the rows it wrote)",
            f"  dbt test, every row           {result.dbt_test_every_row_seconds:8.1f} s",
            f"  dbt build, no new data        {result.dbt_build_no_new_data_seconds:8.1f} s",
            f"  the same, tiny warehouse      {result.dbt_build_tiny_warehouse_seconds:8.1f} s"
            f" ({FLOOR_TRANSACTIONS:,} transactions: dbt's fixed cost)",
            f"incremental / full build: {result.incremental_vs_full:.1%} (target <= 10%)",
            f"dbt run / direct SQL: {result.dbt_vs_direct_sql:.2f}x (target <= 1.3x)",
            "node-seconds per layer   full  +1 day",
            *breakdown,
            "warehouse models (silver, snapshots, dimensions, facts), incremental / full: "
            f"{result.warehouse_incremental_vs_full:.1%}",
            "slowest nodes of the incremental build: "
            + ", ".join(result.slowest_incremental_nodes),
            f"{CHAIN_END} started {result.chain_end_started_seconds} s into the +1-day build",
            f"longest chain to {CHAIN_END}: {result.longest_chain_models} models: "
            + " -> ".join(result.longest_chain),
            *result.dbt_failures,
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_dbt", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--transactions", type=int, default=1_000_000, help="default: %(default)s")
    parser.add_argument("--customers", type=int, help="default: transactions / 50")
    parser.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / ".bench", help="default: %(default)s"
    )
    parser.add_argument(
        "--summarise",
        type=Path,
        metavar="TARGET_DIR",
        help="only print the chain and +1-day figures of a target folder a run kept",
    )
    add_logging_args(parser)
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    if args.summarise:
        print(summarise(args.summarise))
        return 0
    if args.transactions <= 0:
        raise UserError("--transactions must be positive")
    customers = args.customers or max(1000, args.transactions // 50)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    result = run_benchmark(args.transactions, customers, args.work_dir.resolve())
    print(render(result))
    out = args.work_dir / f"bench_dbt_{args.transactions}.json"
    out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    log.info("figures written to %s", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(main))
