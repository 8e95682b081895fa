"""The simulated bank between batches, and how it is kept: persisted state, not re-simulation.

State lives in ``<out-dir>/state/``: customers, accounts and merchants as Parquet (attributes,
balances, loan schedules and the latent traits: activity, spend scale, churn time ...),
``world.json`` with id counters and calibrated constants, and ``resend_pool.parquet`` with a
sample of the last batch's clean transactions that a later batch may re-send. The economy is
recomputed from the seed (it is a pure function of seed and start date). Because every
random draw comes from a stream keyed by (seed, batch, purpose, chunk), replaying the same
commands from an empty out dir gives byte-identical files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scripts.generator import accounts as accounts_mod
from scripts.generator import calendar, campaigns, churn, merchants, rng
from scripts.generator import customers as customers_mod
from scripts.generator.calendar import DAY
from scripts.generator.customers import HISTORY_START, NEVER
from scripts.generator.params import Behaviour, RunParams
from scripts.generator.pools import Pools

# new customers a year, as a share of --customers (at most half of them in any window)
SIGNUP_SHARE = 0.15
MAX_SIGNUP_SHARE = 0.5
# CRM attribute changes (address, income, segment, risk rating, channel) per customer-year
UPDATES_PER_CUSTOMER_YEAR = 1.0


@dataclass
class World:
    customers: pd.DataFrame
    accounts: pd.DataFrame
    merchants: pd.DataFrame
    info: dict[str, object] = field(default_factory=dict)
    resend_pool: pa.Table | None = None

    def next_id(self, name: str, count: int) -> int:
        """Reserve ``count`` ids of a sequence; returns the first."""
        counters = self.info.setdefault("next_ids", {})
        first = int(counters.get(name, 1))
        counters[name] = first + int(count)
        return first

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("customers", "accounts", "merchants"):
            frame = getattr(self, name)
            pq.write_table(
                pa.Table.from_pandas(frame, preserve_index=False), folder / f"{name}.parquet"
            )
        if self.resend_pool is not None:
            pq.write_table(self.resend_pool, folder / "resend_pool.parquet")
        (folder / "world.json").write_text(json.dumps(self.info, indent=2, sort_keys=True))

    @classmethod
    def load(cls, folder: Path) -> World:
        frames = {
            name: pq.read_table(folder / f"{name}.parquet").to_pandas()
            for name in ("customers", "accounts", "merchants")
        }
        pool_path = folder / "resend_pool.parquet"
        pool = pq.read_table(pool_path) if pool_path.exists() else None
        info = json.loads((folder / "world.json").read_text())
        return cls(frames["customers"], frames["accounts"], frames["merchants"], info, pool)


def _with_customer_ids(accounts: pd.DataFrame) -> pd.DataFrame:
    accounts["customer_id"] = [f"CUS{k:07d}" for k in accounts["customer_no"]]
    return accounts


def initial(params: RunParams, behaviour: Behaviour, pools: Pools) -> World:
    start_day = calendar.epoch_day(params.start)
    end_day = calendar.epoch_day(params.end)
    start_s, end_s = start_day * DAY, (end_day + 1) * DAY
    every = behaviour.fraud.high_risk_merchant_every_days
    mer = merchants.initial(
        rng.stream(params.seed, "merchants"), pools, params.customers, start_day, end_day, every
    )
    g = rng.stream(params.seed, "customers")
    window_years = params.window_days / 365.25
    n_new = round(params.customers * min(SIGNUP_SHARE * window_years, MAX_SIGNUP_SHARE))
    pre = customers_mod.create(
        g, params.customers - n_new, 1, HISTORY_START * DAY, start_s, pools, behaviour, False
    )
    new = customers_mod.create(
        g, n_new, params.customers - n_new + 1, start_s, end_s, pools, behaviour, True
    )
    past = (pre["created_s"] + g.random(len(pre)) * (start_s - pre["created_s"])).astype(np.int64)
    pre["updated_s"] = np.where(g.random(len(pre)) < 0.6, past, pre["created_s"])
    cust = pd.concat([pre, new], ignore_index=True)
    base = churn.calibrate_base(cust, behaviour.churn, start_s, end_s)
    cust = churn.assign(rng.stream(params.seed, "churn"), cust, behaviour.churn, base, start_s)
    g_acc = rng.stream(params.seed, "accounts")
    acc_pre = accounts_mod.create(g_acc, cust.iloc[: len(pre)], 1, start_s, False)
    acc_new = accounts_mod.create(g_acc, cust.iloc[len(pre) :], len(acc_pre) + 1, start_s, True)
    acc = _with_customer_ids(pd.concat([acc_pre, acc_new], ignore_index=True))
    plan = campaigns.plan(start_day, params.window_days, behaviour.campaign)
    cust["cmp001_group"] = campaigns.randomise(rng.stream(params.seed, "cmp001"), cust, plan[0])
    world = World(cust, acc, mer)
    world.info = {
        "start_day": start_day,
        "end_day": end_day,
        "base_hazard_per_second": base,
        "signups_per_day": n_new / params.window_days,
        "campaigns": [c.__dict__ for c in plan],
        "next_ids": {"customer": params.customers + 1, "account": len(acc) + 1},
    }
    return world


def advance(
    world: World,
    params: RunParams,
    behaviour: Behaviour,
    pools: Pools,
    batch_no: int,
    first_day: int,
    last_day: int,
) -> dict[str, object]:
    """Move the source systems to a new window: sign-ups, attribute updates, deletions."""
    g = rng.stream(params.seed, "advance", batch_no)
    lo, hi = first_day * DAY, (last_day + 1) * DAY
    days = last_day - first_day + 1
    info = world.info
    world.merchants = merchants.onboard(
        g,
        pools,
        world.merchants,
        int(info["start_day"]),
        behaviour.fraud.high_risk_merchant_every_days,
        first_day,
        last_day,
    )
    cust = world.customers
    # updates in place of existing, active customers
    active = (cust["created_s"] < lo) & (cust["churn_s"] > lo) & (cust["deleted_s"] > lo)
    p_update = 1 - np.exp(-days / 365 * UPDATES_PER_CUSTOMER_YEAR)
    upd = np.flatnonzero(active.to_numpy() & (g.random(len(cust)) < p_update))
    kind = g.choice(5, len(upd), p=[0.35, 0.3, 0.1, 0.15, 0.1])
    when = lo + (g.random(len(upd)) * (hi - lo)).astype(np.int64)
    when = np.minimum(when, cust["churn_s"].to_numpy()[upd] - 1)
    rows = cust.index[upd]
    addr = rows[kind == 0]
    cust.loc[addr, "address"] = pools.streets[g.integers(0, len(pools.streets), len(addr))]
    inc = rows[kind == 1]
    cust.loc[inc, "income_cents"] = (
        np.round(cust.loc[inc, "income_cents"].to_numpy() * g.uniform(0.9, 1.2, len(inc)) / 10_000)
        * 10_000
    ).astype(np.int64)
    seg = rows[kind == 2]
    step = {
        "mass": "affluent",
        "affluent": "premier",
        "premier": "affluent",
        "student": "mass",
        "small_business": "mass",
    }
    cust.loc[seg, "segment"] = [step[s] for s in cust.loc[seg, "segment"]]
    risk = rows[kind == 3]
    cust.loc[risk, "risk_rating"] = np.array(["low", "medium", "high"], dtype=object)[
        g.integers(0, 3, len(risk))
    ]
    chan = rows[kind == 4]
    cust.loc[chan, "preferred_channel"] = np.array(
        ["mobile", "online", "branch", "phone"], dtype=object
    )[g.integers(0, 4, len(chan))]
    cust.loc[rows, "updated_s"] = np.maximum(cust.loc[rows, "updated_s"].to_numpy(), when)
    # deletions: customers closed for a while disappear from the CRM
    closed_long = (
        (cust["churn_kind"] == "closed")
        & (cust["churn_s"] < lo - behaviour.churn.delete_after_days * DAY)
        & (cust["deleted_s"] == NEVER)
    ).to_numpy()
    gone = np.flatnonzero(closed_long & (g.random(len(cust)) < behaviour.churn.delete_probability))
    cust.loc[cust.index[gone], "deleted_s"] = lo + (g.random(len(gone)) * (hi - lo)).astype(
        np.int64
    )
    # sign-ups
    n_new = int(g.poisson(float(info["signups_per_day"]) * days))
    first_no = world.next_id("customer", n_new)
    new = customers_mod.create(g, n_new, first_no, lo, hi, pools, behaviour, True)
    new = churn.assign(g, new, behaviour.churn, float(info["base_hazard_per_second"]), lo)
    acc_new = accounts_mod.create(g, new, 0, lo, True)
    first_acc = world.next_id("account", len(acc_new))
    acc_new["account_no"] = np.arange(first_acc, first_acc + len(acc_new))
    acc_new["account_id"] = [f"ACC{k:07d}" for k in acc_new["account_no"]]
    acc_new = _with_customer_ids(acc_new)
    world.customers = pd.concat([cust, new], ignore_index=True)
    # credit limit increases on open cards
    acc = world.accounts
    cards = (acc["account_type"] == "credit_card").to_numpy() & (
        acc["closed_s"] >= NEVER
    ).to_numpy()
    raise_ = np.flatnonzero(cards & (g.random(len(acc)) < 1 - np.exp(-days / 30 * 0.03)))
    idx = acc.index[raise_]
    acc.loc[idx, "limit_cents"] = (
        np.round(acc.loc[idx, "limit_cents"].to_numpy() * 1.25 / 10_000) * 10_000
    ).astype(np.int64)
    acc.loc[idx, "updated_s"] = lo + (g.random(len(idx)) * (hi - lo)).astype(np.int64)
    world.accounts = pd.concat([acc, acc_new], ignore_index=True)
    return {
        "new_customers": n_new,
        "updated_customers": len(upd),
        "deleted_customers": sorted(cust["customer_id"].to_numpy()[gone].tolist()),
        "credit_limit_changes": len(idx),
    }
