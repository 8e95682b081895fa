"""Simulate one batch window and write its files.

Order of work: (advance batches) re-send a few transactions of the previous batch; then
month by month: customer-initiated transactions in chunks (with fraud alerts and fraud
truth), the bank's postings, loan instalments, interactions and credit applications; at
the end the current-state extracts (customers, accounts, merchants, products, economic
indicators, churn truth) and, in the initial batch, the campaign contact lists.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from scripts.batch_integrity import dataset_id, file_digest
from scripts.generator import (
    alerts,
    calendar,
    campaigns,
    context,
    defects,
    economy,
    events,
    extracts,
    fmt,
    postings,
    rng,
    tables,
    transactions,
    writer,
)
from scripts.generator.calendar import DAY
from scripts.generator.campaigns import Campaign
from scripts.generator.customers import NEVER
from scripts.generator.loans import LoanBook, due_in_period
from scripts.generator.params import FRAUD_PATTERNS, Behaviour, RunParams
from scripts.generator.rows import TxnRows
from scripts.generator.world import World

log = logging.getLogger("financial_analytics.generate")
POOL_CAP = 5_000
PURCHASE = transactions.T["purchase"]


@dataclass
class BatchResult:
    meta: dict[str, object]
    defects: dict[str, dict[str, int]]
    truths: dict[str, object]
    changes: dict[str, object] = field(default_factory=dict)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(
        {c: object for c in frame.columns if pd.api.types.is_string_dtype(frame[c])}
    )


class BatchRun:
    """State of one batch while it is being generated."""

    def __init__(
        self,
        world: World,
        params: RunParams,
        behaviour: Behaviour,
        batch_no: int,
        first_day: int,
        last_day: int,
        folder: Path,
        econ: pd.DataFrame,
    ) -> None:
        self.world, self.params, self.behaviour = world, params, behaviour
        self.batch_no, self.first_day, self.last_day = batch_no, first_day, last_day
        self.folder, self.econ = folder, econ
        self.window_start_s = first_day * DAY
        self.as_of_s = (last_day + 1) * DAY - 1
        cmp = Campaign(**world.info["campaigns"][0])
        self.ctx = context.build(
            world.customers,
            world.accounts,
            world.merchants,
            self.window_start_s,
            self.as_of_s + 1,
            1 + behaviour.campaign.spend_uplift_pct / 100,
            cmp.start_day * DAY,
            (cmp.end_day + 1) * DAY,
            behaviour.churn.ramp_floor,
        )
        self.book = LoanBook.from_accounts(world.accounts)
        cust = world.customers
        size = len(self.ctx.created_s)
        ids = np.full(size, "", dtype=object)
        ids[cust["customer_no"].to_numpy()] = cust["customer_id"].to_numpy()
        self.customer_ids = pa.array(ids, type=pa.string())
        self.account_ids = pa.array(
            world.accounts["account_id"].to_numpy(dtype=object), type=pa.string()
        )
        self.merchant_ids = pa.array(
            world.merchants["merchant_id"].to_numpy(dtype=object), type=pa.string()
        )
        self.fee_z = np.zeros(size)
        self.fee_z[cust["customer_no"].to_numpy()] = cust["fee_z"].to_numpy()
        # object-dtype copies: pandas' Arrow-backed strings convert on every .to_numpy()
        self.cust_view = _plain(world.customers)
        self.acc_view = _plain(world.accounts)
        self.sinks = writer.open_batch(folder)
        self.defects: dict[str, Counter[str]] = {name: Counter() for name in defects.TABLE_DEFECTS}
        self.fraud_rows: Counter[str] = Counter()
        self.card_rows = 0
        self.customer_rows = 0
        self.pool_parts: list[pa.Table] = []
        self.g_defect = rng.stream(params.seed, batch_no, "defects")
        self.closed_at = np.full(len(world.accounts), NEVER, dtype=np.int64)

    # -- writing helpers ------------------------------------------------------------------
    def _emit(
        self, name: str, data: pa.Table, needs: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        kinds = defects.choose(
            self.g_defect, name, data.num_rows, self.params.defect_rate, needs=needs
        )
        self.sinks[name].write(defects.apply(self.g_defect, name, data, kinds, self.as_of_s))
        self.defects[name].update(defects.count(name, kinds))
        return kinds

    def _emit_transactions(
        self, rows: TxnRows, already_applied: bool
    ) -> tuple[pa.Table, np.ndarray]:
        """Write transaction rows with defects; returns the clean table and the row kinds.

        Rows are reordered clean | altered | duplicated before formatting, so the defects
        touch only a small tail slice of the Arrow table (row order in a file means nothing).
        """
        n = len(rows)
        eligible = (rows.pattern < 0) & (rows.closing == 0)
        kinds = defects.choose(
            self.g_defect,
            "transactions",
            n,
            self.params.defect_rate,
            eligible,
            {"orphan_merchant": rows.merch >= 0},
        )
        excluded = defects.excluded_from_balance("transactions", kinds)
        net = rows.amount - rows.fee
        ctx = self.ctx
        if already_applied:
            np.add.at(ctx.balance, rows.acc[excluded], -net[excluded])
        else:
            counted = (rows.status == 0) & ~excluded
            np.add.at(ctx.balance, rows.acc[counted], net[counted])
            np.maximum.at(ctx.last_txn_s, rows.acc[counted], rows.time_s[counted])
        numbers = self.world.next_id("transaction", n) + np.arange(n)
        dup = kinds == defects.index_of("transactions", "duplicate")
        altered = (kinds >= 0) & ~dup
        order = np.concatenate(
            [np.flatnonzero(~altered), np.flatnonzero(altered), np.flatnonzero(dup)]
        )
        n_clean = n - int(altered.sum())
        txn_ids = fmt.ids("TXN", numbers, 12)
        data = writer.transactions_table(
            rows.take(order),
            txn_ids.take(pa.array(order)),
            self.account_ids,
            self.customer_ids,
            self.merchant_ids,
        )
        tail = defects.apply(
            self.g_defect,
            "transactions",
            data.slice(n_clean, n - n_clean),
            kinds[order][n_clean:n],
            self.as_of_s,
        )
        self.sinks["transactions"].write(
            pa.concat_tables([data.slice(0, n_clean), tail, data.slice(n)])
        )
        self.defects["transactions"].update(defects.count("transactions", kinds))
        # the clean view in original row order, for alerts, truth and the resend pool
        inverse = np.empty(n, dtype=np.int64)
        inverse[order[:n]] = np.arange(n)
        clean = data.slice(0, n)
        if (rows.pattern >= 0).any():
            self.sinks["_truth_fraud"].write(tables.truth_fraud(txn_ids, rows.pattern))
            for p, c in zip(
                *np.unique(rows.pattern[rows.pattern >= 0], return_counts=True), strict=True
            ):
                self.fraud_rows[FRAUD_PATTERNS[p]] += int(c)
        self.card_rows += int((rows.ttype == PURCHASE).sum())
        self._clean_order = inverse
        self._txn_ids = txn_ids
        return clean, kinds

    # -- the window -----------------------------------------------------------------------
    def resend(self) -> dict[str, object]:
        """Re-send transactions of the previous batch (defect kind ``resent``)."""
        pool = self.world.resend_pool
        if pool is None or pool.num_rows == 0:
            return {"count": 0}
        g = rng.stream(self.params.seed, self.batch_no, "resend")
        acc = pool.column("_acc").to_numpy()
        cust = pool.column("_cust").to_numpy()
        open_ = (self.ctx.acc_end_s[acc] > self.as_of_s) & (self.ctx.churn_s[cust] > self.as_of_s)
        open_ &= self.world.accounts["closed_s"].to_numpy()[acc] >= NEVER
        cands = np.flatnonzero(open_)
        kinds = len(defects.TABLE_DEFECTS["transactions"])
        want = rng.stochastic_round(g, self.params.defect_rate * self.expected_rows / kinds)
        pick = (
            np.sort(g.choice(cands, min(want, len(cands)), replace=False)) if len(cands) else cands
        )
        if not len(pick):
            return {"count": 0}
        rows = pool.take(pa.array(pick))
        reverse = g.random(len(pick)) < 0.5
        net = rows.column("_net").to_numpy()
        np.add.at(self.ctx.balance, acc[pick][reverse], -net[reverse])
        created = self.window_start_s + g.integers(
            0, max(1, min(3 * DAY, self.as_of_s - self.window_start_s)), len(pick)
        )
        status = pc.if_else(pa.array(reverse), pa.scalar("reversed"), rows.column("status"))
        rows = rows.set_column(rows.column_names.index("status"), "status", status)
        rows = rows.set_column(
            rows.column_names.index("created_at"), "created_at", fmt.timestamps(created)
        )
        out = writer.table(
            "transactions",
            {c: rows.column(c) for c in writer.TABLES_BY_NAME["transactions"].column_names},
        )
        self.sinks["transactions"].write(out)
        self.defects["transactions"]["resent"] += len(pick)
        ids = out.column("transaction_id").to_pylist()
        return {
            "count": len(pick),
            "status_changed_to_reversed": int(reverse.sum()),
            "rule": "the row from the latest batch wins",
            "transactions": [
                {"transaction_id": i, "status": s}
                for i, s in zip(ids, out.column("status").to_pylist(), strict=True)
            ],
        }

    def _pool_sample(
        self,
        data: pa.Table,
        position: np.ndarray,
        rows: TxnRows,
        kinds: np.ndarray,
        g: np.random.Generator,
        share: float,
    ) -> None:
        ok = np.flatnonzero(
            (kinds < 0) & (rows.pattern < 0) & (rows.status == 0) & (rows.closing == 0)
        )
        k = min(len(ok), max(1, int(np.ceil(POOL_CAP * share))))
        if not k:
            return
        idx = np.sort(g.choice(ok, k, replace=False))
        part = data.take(pa.array(position[idx]))
        part = part.append_column("_acc", pa.array(rows.acc[idx]))
        part = part.append_column("_cust", pa.array(rows.cust[idx]))
        part = part.append_column("_net", pa.array((rows.amount - rows.fee)[idx]))
        self.pool_parts.append(part)

    def customer_transactions(
        self, days: np.ndarray, counts: np.ndarray, bar: tqdm, fraud_first: dict[int, int]
    ) -> None:
        total = int(counts.sum())
        size = self.params.chunk_size
        cum = np.concatenate([[0], np.cumsum(counts)])
        for lo in range(0, total, size):
            hi = min(total, lo + size)
            chunk_no = int(self.world.next_id("chunk", 1))
            g = rng.stream(self.params.seed, self.batch_no, "txn", chunk_no)
            row_days = days[np.searchsorted(cum, np.arange(lo, hi), side="right") - 1]
            rows = transactions.generate_chunk(self.ctx, g, row_days, self.behaviour.fraud)
            data, kinds = self._emit_transactions(rows, already_applied=False)
            self.customer_rows += len(rows)
            found = alerts.evaluate(
                self.ctx, g, rows, self.behaviour.fraud.alert_capture_probability, self.as_of_s
            )
            first_alert = self.world.next_id("alert", len(found.row))
            self._emit(
                "fraud_alerts",
                tables.fraud_alerts(
                    found,
                    first_alert,
                    self._txn_ids,
                    self.customer_ids.take(pa.array(rows.cust[found.row])),
                ),
            )
            victims = rows.pattern >= 0
            for c, t in zip(rows.cust[victims], rows.time_s[victims], strict=True):
                fraud_first.setdefault(int(c), int(t))
            self._pool_sample(
                data, self._clean_order, rows, kinds, g, (hi - lo) / max(self.expected_rows, 1)
            )
            bar.update(hi - lo)

    def bank_postings(self, p0: int, p1: int, g: np.random.Generator) -> np.ndarray:
        ctx, cust, acc = self.ctx, self.cust_view, self.acc_view
        parts = postings.income_and_bills(
            ctx, g, cust, p0, p1, self.behaviour.churn.income_moves_at_ramp_share
        )
        parts += postings.card_repayments(ctx, g, self.fee_z, acc, p0, p1)
        month = int(calendar.month_index(np.array([p0]))[0])
        u = self.econ.set_index("month")
        delta = float(u.loc[month, "unemployment_rate"] - u.loc[month, "unemployment_ref"])
        inst, loan_rows = due_in_period(
            self.book, ctx, g, self.fee_z, delta, p0, p1, self.last_day, self.first_day
        )
        parts.append(loan_rows)
        parts += postings.month_end_fees(ctx, acc, p0, p1)
        rows = TxnRows.concat(parts)
        rows = rows.take(np.argsort(rows.time_s, kind="stable"))
        self._emit_transactions(rows, already_applied=True)
        first = self.world.next_id("payment", len(inst.acc))
        self._emit(
            "loan_payments", tables.loan_payments(inst, first, self.account_ids, self.customer_ids)
        )
        closing, closed_rows, closed_t = postings.closures(ctx, p0, p1)
        self._emit_transactions(closing, already_applied=True)
        self.closed_at[closed_rows] = np.minimum(self.closed_at[closed_rows], closed_t)
        return rows.cust[rows.ttype == transactions.T["fee"]]

    def service_events(
        self,
        p0: int,
        p1: int,
        g: np.random.Generator,
        fee_customers: np.ndarray,
        fraud_first: dict[int, int],
    ) -> None:
        lo, hi = p0 * DAY, (p1 + 1) * DAY
        cust = self.cust_view
        inter = events.interactions(
            self.ctx,
            g,
            cust,
            lo,
            hi,
            fee_customers,
            fraud_first,
            self.behaviour.churn.pre_churn_complaint_multiplier,
        )
        order = np.argsort(inter.time_s, kind="stable")
        inter = events.Interactions(**{k: v[order] for k, v in inter.__dict__.items()})
        first = self.world.next_id("interaction", len(inter.cust))
        self._emit(
            "customer_interactions", tables.customer_interactions(inter, first, self.customer_ids)
        )
        apps = events.applications(self.ctx, g, cust, lo, hi, self.as_of_s)
        order = np.argsort(apps.time_s, kind="stable")
        apps = events.Applications(**{k: v[order] for k, v in apps.__dict__.items()})
        first = self.world.next_id("application", len(apps.cust))
        self._emit(
            "credit_applications", tables.credit_applications(apps, first, self.customer_ids)
        )

    @property
    def expected_rows(self) -> int:
        return int(self.day_counts.sum())

    def run(self, total_customer_rows: int | None) -> BatchResult:
        days = np.arange(self.first_day, self.last_day + 1)
        weights = calendar.seasonal_weights(days) * economy.day_multiplier(self.econ, days)
        info = self.world.info
        if total_customer_rows is not None:
            info["daily_intensity"] = total_customer_rows / float(weights.sum())
        total = round(float(info["daily_intensity"]) * float(weights.sum()))
        self.day_counts = calendar.allocate(total, weights)
        resent = self.resend()
        fraud_first: dict[int, int] = {}
        with tqdm(
            total=total, unit="txn", desc=f"batch {self.batch_no:04d}", disable=None, leave=False
        ) as bar:
            for p0, p1 in calendar.periods(self.first_day, self.last_day):
                sel = (days >= p0) & (days <= p1)
                fraud_first.clear()
                self.customer_transactions(days[sel], self.day_counts[sel], bar, fraud_first)
                g = rng.stream(self.params.seed, self.batch_no, "period", p0)
                fees = self.bank_postings(p0, p1, g)
                self.service_events(p0, p1, g, fees, fraud_first)
        return self.finish(resent)

    def finish(self, resent: dict[str, object]) -> BatchResult:
        world, ctx, as_of = self.world, self.ctx, self.as_of_s
        acc = world.accounts
        acc["balance_cents"] = ctx.balance
        acc["last_txn_s"] = ctx.last_txn_s
        acc["closed_s"] = np.minimum(acc["closed_s"].to_numpy(), self.closed_at)
        self.book.store(acc)
        closed = acc["closed_s"].to_numpy() <= as_of
        in_window = ctx.last_txn_s >= self.window_start_s
        updated = acc["updated_s"].to_numpy()
        updated = np.where(in_window, np.maximum(updated, ctx.last_txn_s), updated)
        updated = np.where(closed, np.maximum(updated, acc["closed_s"].to_numpy()), updated)
        dormant = (
            ~closed
            & (ctx.last_txn_s < as_of - extracts.DORMANT_AFTER_S)
            & (acc["opened_s"].to_numpy() < as_of - extracts.DORMANT_AFTER_S)
        )
        was_dormant = acc["status"].to_numpy() == "dormant"
        updated = np.where(
            dormant & ~was_dormant,
            np.maximum(updated, ctx.last_txn_s + extracts.DORMANT_AFTER_S),
            updated,
        )
        acc["status"] = np.where(closed, "closed", np.where(dormant, "dormant", "active"))
        acc["updated_s"] = np.minimum(updated, as_of)
        cust = world.customers
        churned = (cust["churn_s"].to_numpy() <= as_of) & (cust["status"].to_numpy() == "active")
        cust.loc[churned, "status"] = cust.loc[churned, "churn_kind"]
        cust.loc[churned, "updated_s"] = np.maximum(
            cust.loc[churned, "updated_s"], cust.loc[churned, "churn_s"]
        )
        # current-state extracts
        self.sinks["products"].write(extracts.products(as_of))
        self.sinks["economic_indicators"].write(extracts.economic_indicators(self.econ, as_of))
        self._emit("merchants", extracts.merchants(world.merchants, as_of))
        self._emit("customers", extracts.customers(cust, as_of))
        visible = extracts.visible_customers(cust, as_of)["customer_no"].to_numpy()
        self._emit("accounts", extracts.accounts(acc, visible, as_of))
        self.sinks["_truth_churn"].write(extracts.truth_churn(cust, as_of))
        campaign_truths = []
        for spec in world.info["campaigns"]:
            c = Campaign(**spec)
            if self.first_day <= c.end_day <= self.last_day:
                g = rng.stream(self.params.seed, "campaign", c.campaign_id)
                data, summary = campaigns.contact_list(g, cust, c, self.behaviour.campaign)
                self._emit("marketing_campaigns", data)
                campaign_truths.append(summary)
        self.sinks.close()
        g = rng.stream(self.params.seed, self.batch_no, "pool")
        if self.pool_parts:
            pool = pa.concat_tables(self.pool_parts)
            if pool.num_rows > POOL_CAP:
                pool = pool.take(
                    pa.array(np.sort(g.choice(pool.num_rows, POOL_CAP, replace=False)))
                )
            world.resend_pool = pool
        else:
            world.resend_pool = None
        window_churn = (cust["churn_s"] > self.window_start_s - 1) & (cust["churn_s"] <= as_of)
        at_risk = (cust["created_s"] <= as_of) & (cust["churn_s"] >= self.window_start_s)
        drivers = cust.loc[window_churn, "churn_driver"].value_counts().sort_index()
        truths = {
            "fraud": {
                "card_transactions": self.card_rows,
                "fraud_transactions": int(sum(self.fraud_rows.values())),
                "by_pattern": {p: self.fraud_rows.get(p, 0) for p in FRAUD_PATTERNS},
                "rate_of_card_transactions": round(
                    sum(self.fraud_rows.values()) / max(self.card_rows, 1), 5
                ),
            },
            "churn": {
                "customers_at_risk": int(at_risk.sum()),
                "churners": int(window_churn.sum()),
                "rate": round(float(window_churn.sum() / max(at_risk.sum(), 1)), 4),
                "by_driver": {k: int(v) for k, v in drivers.items()},
            },
            "campaigns": campaign_truths,
        }
        defects_found = {t: dict(sorted(c.items())) for t, c in self.defects.items() if c}
        meta = {
            "batch_id": self.folder.name,
            "kind": "initial" if self.batch_no == 1 else "advance",
            "window_start": calendar.iso_timestamp(self.window_start_s),
            "as_of": calendar.iso_timestamp(as_of),
            "tables": {name: sink.rows for name, sink in self.sinks.items()},
            "dataset_id": dataset_id(self.params),
            "files": {name: file_digest(self.folder / f"{name}.csv") for name in self.sinks},
        }
        (self.folder / "batch.json").write_text(json.dumps(meta, indent=2) + "\n")
        result = BatchResult(meta, defects_found, truths)
        result.changes["resent_transactions"] = resent
        result.changes["closed_accounts"] = sorted(
            acc.loc[
                (acc["closed_s"] > self.window_start_s - 1) & (acc["closed_s"] <= as_of),
                "account_id",
            ].tolist()
        )
        result.changes["customer_rows"] = self.customer_rows
        return result
