"""Customer-initiated transactions of one chunk, with planted fraud and its look-alikes.

Who acts when: a chunk receives a list of days (seasonality and the economy already set how
many rows each day gets). Customers are drawn by activity weight and accepted with
probability proportional to their current multiplier (thinning): zero before sign-up and
after churn, a linear ramp down to ``ramp_floor`` over the 60-90 days before churn, and the
CMP001 treatment uplift during the campaign. Hour of day follows params.HOUR_OF_DAY (or the
night-owl profile).

What they do: type mix ``TYPE_MIX``; purchases pick a category (reference weights) and a
merchant by popularity; amount = category median x customer spend scale x
LogNormal(0, category sigma); card-not-present at online merchants; FX fee 3% abroad; ATM
fee 2.50 out of network; declines 2% (+3% below score 600) with reasons independent of
fraud; 0.3% merchant reversals.

Planted fraud (~1.5% of purchases; shares of rows 30/30/20/20%), in incidents on one account:
- night_cnp_burst: 3-7 online rows 00:00-05:00, 20-300 s apart, amount 1-3x usual for the
  merchant, 70% from a foreign IP and 85% from a device never seen for the customer;
- velocity_spike: 8-14 purchases within 30 minutes, half online, 60% new device;
- new_high_risk_merchant: 1-2 rows at a planted high-risk merchant onboarded < 30 days
  before, 2-6x the usual amount, 60% new device, 40% foreign IP;
- amount_outlier: one purchase of 5-15x the customer's norm (NORM_AMOUNT x spend scale),
  half online, 25% new device.
Look-alikes (params.FraudParams): night owls, legitimate big purchases (0.4% of purchases,
5-20x the norm, big-ticket categories), legitimate bursts (2-5 purchases within an hour),
3% foreign IPs and 2% new devices on legitimate digital rows, ordinary traffic at the new
high-risk merchants. Nothing else about a row (status, description, timing of
``created_at``) depends on the fraud label.
"""

from __future__ import annotations

import numpy as np

from scripts.generator.calendar import DAY
from scripts.generator.context import Context
from scripts.generator.params import (
    CHANNELS,
    DEBIT_TYPES,
    HOUR_OF_DAY,
    NIGHT_OWL_HOUR_OF_DAY,
    TRANSACTION_TYPES,
    FraudParams,
)
from scripts.generator.reference import (
    CATEGORIES,
    CATEGORY_NAMES,
    FOREIGN_PLACES,
    OUTLIER_CATEGORIES,
)
from scripts.generator.rng import stochastic_round
from scripts.generator.rows import DESC, TxnRows

T = {name: i for i, name in enumerate(TRANSACTION_TYPES)}
C = {name: i for i, name in enumerate(CHANNELS)}
TYPE_MIX = (
    ("purchase", 0.72),
    ("withdrawal", 0.07),
    ("transfer_out", 0.07),
    ("transfer_in", 0.05),
    ("deposit", 0.04),
    ("refund", 0.02),
    ("payment", 0.03),
)
PURCHASE_SHARE = 0.72
NORM_AMOUNT = 35.0  # dollars: the typical purchase of a customer with spend scale 1
NEW_DEVICE_BASE = 5_000_000_000
DEVICES_PER_CUSTOMER = 4
NIGHT, VELOCITY, NEW_MERCHANT, OUTLIER, LEGIT_BURST = range(5)
DEBIT = np.array([t in DEBIT_TYPES for t in TRANSACTION_TYPES])
_TYPE_CODES = np.array([T[t] for t, _ in TYPE_MIX])
_TYPE_CUM = np.cumsum([p for _, p in TYPE_MIX])
_HOUR_CUM = np.cumsum(HOUR_OF_DAY) / sum(HOUR_OF_DAY)
_OWL_CUM = np.cumsum(NIGHT_OWL_HOUR_OF_DAY) / sum(NIGHT_OWL_HOUR_OF_DAY)
CAT_MEDIAN = np.array([c.median_amount for c in CATEGORIES])
CAT_SIGMA = np.array([c.sigma for c in CATEGORIES])
CAT_BIG = np.array([c.big_ticket for c in CATEGORIES])
BIG_SHARE = float(sum(c.weight for c in CATEGORIES if c.big_ticket))
OUTLIER_CATS = np.array([CATEGORY_NAMES.index(c) for c in OUTLIER_CATEGORIES])
DECLINE_CUM = np.cumsum([0.45, 0.15, 0.15, 0.08, 0.07, 0.10])


def _pick(g: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, g.random(n) * cum[-1], side="right"), len(cum) - 1)


def _seconds_of_day(g: np.random.Generator, night_owl: np.ndarray) -> np.ndarray:
    n = len(night_owl)
    u = g.random(n)
    hour = np.where(
        night_owl,
        np.searchsorted(_OWL_CUM, u, side="right"),
        np.searchsorted(_HOUR_CUM, u, side="right"),
    )
    return np.minimum(hour, 23) * 3600 + g.integers(0, 3600, n)


def sample_customers(
    ctx: Context, g: np.random.Generator, days: np.ndarray, fixed_sod: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thinning: (customer, time, kept mask) for each day; rows nobody can take are dropped."""
    n = len(days)
    cust = np.zeros(n, dtype=np.int64)
    when = np.zeros(n, dtype=np.int64)
    todo = np.arange(n)
    if len(ctx.candidates) == 0:
        return cust[:0], when[:0], np.zeros(n, dtype=bool)
    for _ in range(200):
        if not todo.size:
            break
        c = ctx.candidates[ctx.customer_sampler.draw(g, todo.size)]
        sod = fixed_sod[todo] if fixed_sod is not None else _seconds_of_day(g, ctx.night_owl[c])
        t = days[todo] * DAY + sod
        ok = g.random(todo.size) * ctx.uplift < ctx.customer_multiplier(c, t)
        cust[todo[ok]] = c[ok]
        when[todo[ok]] = t[ok]
        todo = todo[~ok]
    keep = np.ones(n, dtype=bool)
    keep[todo] = False
    return cust[keep], when[keep], keep


def resolve_account(
    ctx: Context, cust: np.ndarray, t: np.ndarray, prefer: np.ndarray
) -> np.ndarray:
    """Preferred account (0 checking, 1 savings, 2 card) if open at t, else checking, savings, card."""
    slots = (ctx.checking[cust], ctx.savings[cust], ctx.card[cust])
    acc = np.select([prefer == 0, prefer == 1, prefer == 2], slots, -1)
    for fallback in slots:
        bad = ~ctx.account_valid(acc, t)
        acc = np.where(bad, fallback, acc)
    return np.where(ctx.account_valid(acc, t), acc, -1)


def merchant_of_category(
    ctx: Context, g: np.random.Generator, cat: np.ndarray, day: np.ndarray
) -> np.ndarray:
    u = ctx.m_cat_lo[cat] + g.random(len(cat)) * (ctx.m_cat_hi[cat] - ctx.m_cat_lo[cat])
    m = ctx.m_by_category[ctx.m_sampler.locate(u)]
    ok = (ctx.m_category[m] == cat) & (ctx.m_onboarded[m] <= day)
    return np.where(ok, m, ctx.m_anchor[cat])


def online_merchant(ctx: Context, g: np.random.Generator, day: np.ndarray) -> np.ndarray:
    m = ctx.m_online_rows[ctx.m_online_sampler.draw(g, len(day))]
    return np.where(ctx.m_onboarded[m] <= day, m, ctx.m_online_anchor)


def _purchase_amount(
    ctx: Context, g: np.random.Generator, merch: np.ndarray, cust: np.ndarray
) -> np.ndarray:
    cat = ctx.m_category[merch]
    return (
        CAT_MEDIAN[cat] * ctx.spend_scale[cust] * np.exp(g.normal(0, 1, len(cat)) * CAT_SIGMA[cat])
    )


def _status(
    ctx: Context, g: np.random.Generator, cust: np.ndarray, ttype: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(cust)
    card_like = (ttype == T["purchase"]) | (ttype == T["withdrawal"]) | (ttype == T["refund"])
    p_decline = np.where(card_like, 0.02 + 0.03 * (ctx.credit_score[cust] < 600), 0.01)
    u = g.random(n)
    declined = u < p_decline
    reversed_ = ~declined & (ttype == T["purchase"]) & (u > 0.997)
    status = np.where(declined, 1, np.where(reversed_, 2, 0))
    reason = np.where(card_like, _pick(g, DECLINE_CUM, n), 0)
    return status, np.where(declined, reason, -1)


def _digital(
    ctx: Context,
    g: np.random.Generator,
    cust: np.ndarray,
    channel: np.ndarray,
    new_device: np.ndarray,
    foreign: np.ndarray,
    new_id: np.ndarray,
    country: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    digital = (channel == C["online"]) | (channel == C["mobile"])
    known = cust * DEVICES_PER_CUSTOMER + g.integers(0, 1 << 30, len(cust)) % ctx.n_devices[cust]
    device = np.where(digital, np.where(new_device, new_id, known), -1)
    ip = np.where(digital, np.where(foreign, country, 0), -1)
    return device, ip


def _channel_for_merchant(
    ctx: Context, g: np.random.Generator, merch: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    online = ctx.m_online[merch]
    channel = np.where(
        online, np.where(g.random(len(merch)) < 0.55, C["online"], C["mobile"]), C["pos"]
    )
    return channel, ~online


def _singles(ctx: Context, g: np.random.Generator, days: np.ndarray, fraud: FraudParams) -> TxnRows:
    cust, t, _ = sample_customers(ctx, g, days)
    n = len(cust)
    ttype = _TYPE_CODES[_pick(g, _TYPE_CUM, n)]
    card_ok = ctx.account_valid(ctx.card[cust], t)
    ttype = np.where((ttype == T["payment"]) & ~card_ok, T["transfer_in"], ttype)
    day = t // DAY
    cat = _pick(g, ctx.cat_cum, n)
    merch = merchant_of_category(ctx, g, cat, day)
    p_channel, p_present = _channel_for_merchant(ctx, g, merch)
    p_amount = _purchase_amount(ctx, g, merch, cust)
    scale = ctx.spend_scale[cust]
    big = CAT_BIG[ctx.m_category[merch]] & (
        g.random(n) < fraud.legit_big_purchase_share / BIG_SHARE
    )
    big_amount = NORM_AMOUNT * scale * g.uniform(*fraud.legit_big_purchase_multiple, n)
    p_amount = np.where(big, np.maximum(p_amount, big_amount), p_amount)
    u = g.random(n)
    transfer_channel = np.where(u < 0.55, C["mobile"], np.where(u < 0.9, C["online"], C["branch"]))
    atm = u < 0.9
    deposit_channel = np.where(u < 0.5, C["branch"], np.where(u < 0.8, C["atm"], C["mobile"]))
    pay_channel = np.where(u < 0.5, C["online"], np.where(u < 0.9, C["mobile"], C["branch"]))
    lognorm = np.exp(g.normal(0, 0.9, n))
    is_purchase = ttype == T["purchase"]
    is_refund = ttype == T["refund"]
    merchant_row = is_purchase | is_refund
    channel = np.select(
        [merchant_row, ttype == T["withdrawal"], ttype == T["deposit"], ttype == T["payment"]],
        [p_channel, np.where(atm, C["atm"], C["branch"]), deposit_channel, pay_channel],
        transfer_channel,
    )
    card_present = np.select([merchant_row, ttype == T["withdrawal"]], [p_present, atm], False)
    dollars = np.select(
        [
            is_purchase,
            is_refund,
            ttype == T["withdrawal"],
            ttype == T["deposit"],
            ttype == T["transfer_in"],
            ttype == T["transfer_out"],
        ],
        [
            p_amount,
            0.8 * p_amount,
            20.0 * g.integers(1, 16, n) * np.sqrt(scale),
            300.0 * lognorm * np.sqrt(scale),
            200.0 * lognorm,
            150.0 * lognorm * scale,
        ],
        200.0 * lognorm * scale,
    )
    prefer = np.select(
        [
            merchant_row,
            (ttype == T["transfer_in"]) | (ttype == T["transfer_out"]),
            ttype == T["payment"],
        ],
        [np.where(g.random(n) < 0.65, 2, 0), np.where(g.random(n) < 0.3, 1, 0), 2],
        0,
    )
    acc = resolve_account(ctx, cust, t, prefer)
    desc = np.select(
        [
            merchant_row & is_purchase & card_present,
            is_purchase,
            ttype == T["withdrawal"],
            (ttype == T["deposit"]) & (channel == C["mobile"]),
            ttype == T["deposit"],
            ttype == T["transfer_in"],
            ttype == T["transfer_out"],
            ttype == T["payment"],
        ],
        [
            DESC["POS PURCHASE"],
            DESC["ONLINE PURCHASE"],
            np.where(atm, DESC["ATM WITHDRAWAL"], DESC["BRANCH WITHDRAWAL"]),
            DESC["MOBILE CHECK DEPOSIT"],
            DESC["CASH DEPOSIT"],
            DESC["TRANSFER IN"],
            DESC["TRANSFER OUT"],
            DESC["CARD PAYMENT"],
        ],
        DESC["MERCHANT REFUND"],
    )
    new_device = g.random(n) < fraud.legit_new_device_share
    foreign = g.random(n) < fraud.legit_foreign_ip_share
    new_id = NEW_DEVICE_BASE + g.integers(0, 4_000_000_000, n)
    country = g.integers(1, len(FOREIGN_PLACES) + 1, n)
    device, ip = _digital(ctx, g, cust, channel, new_device, foreign, new_id, country)
    return _finish(
        ctx,
        g,
        t,
        cust,
        acc,
        np.where(merchant_row, merch, -1),
        dollars,
        ttype,
        channel,
        card_present,
        device,
        ip,
        desc,
        np.full(n, -1),
    )


def _finish(
    ctx: Context,
    g: np.random.Generator,
    t: np.ndarray,
    cust: np.ndarray,
    acc: np.ndarray,
    merch: np.ndarray,
    dollars: np.ndarray,
    ttype: np.ndarray,
    channel: np.ndarray,
    card_present: np.ndarray,
    device: np.ndarray,
    ip: np.ndarray,
    desc: np.ndarray,
    pattern: np.ndarray,
) -> TxnRows:
    """Common tail: cents, sign, fees, status and processor time; drops rows without an account."""
    n = len(t)
    cents = np.maximum(np.round(dollars * 100), 1).astype(np.int64)
    amount = np.where(DEBIT[ttype], -cents, cents)
    safe_m = np.maximum(merch, 0)
    fx = (merch >= 0) & ctx.m_foreign[safe_m] & (ttype == T["purchase"])
    atm_fee = (channel == C["atm"]) & (g.random(n) < 0.2)
    fee = np.where(fx, np.round(cents * 0.03), np.where(atm_fee, 250, 0)).astype(np.int64)
    status, decline = _status(ctx, g, cust, ttype)
    keep = acc >= 0
    rows = TxnRows(
        time_s=t,
        cust=cust,
        acc=acc,
        merch=merch,
        amount=amount,
        ttype=ttype,
        channel=channel,
        card_present=card_present.astype(np.int64),
        status=status,
        decline=decline,
        fee=fee,
        device=device,
        ip=ip,
        desc=desc,
        pattern=pattern,
        created_s=t + g.integers(0, 90, n),
        closing=np.zeros(n, dtype=np.int64),
    )
    return rows.take(np.flatnonzero(keep)) if not keep.all() else rows


def _plan(g: np.random.Generator, n: int, fraud: FraudParams) -> tuple[np.ndarray, np.ndarray]:
    """Incident kinds and sizes for a chunk of n rows."""
    fraud_rows = n * PURCHASE_SHARE * fraud.rate_of_card_transactions
    specs = (
        (NIGHT, fraud_rows * fraud.pattern_row_share["night_cnp_burst"], fraud.night_burst_size),
        (VELOCITY, fraud_rows * fraud.pattern_row_share["velocity_spike"], fraud.velocity_size),
        (
            NEW_MERCHANT,
            fraud_rows * fraud.pattern_row_share["new_high_risk_merchant"],
            fraud.new_merchant_size,
        ),
        (OUTLIER, fraud_rows * fraud.pattern_row_share["amount_outlier"], (1, 1)),
        (LEGIT_BURST, n * PURCHASE_SHARE * fraud.legit_burst_share, fraud.legit_burst_size),
    )
    kinds, sizes = [], []
    for kind, rows, (lo, hi) in specs:
        count = stochastic_round(g, rows / ((lo + hi) / 2))
        kinds.append(np.full(count, kind))
        sizes.append(g.integers(lo, hi + 1, count))
    kind = np.concatenate(kinds)
    size = np.concatenate(sizes)
    if size.sum() > n // 3:  # tiny chunks: keep most rows ordinary
        keep = np.cumsum(size) <= n // 3
        kind, size = kind[keep], size[keep]
    return kind, size


def _incidents(
    ctx: Context,
    g: np.random.Generator,
    days: np.ndarray,
    kind: np.ndarray,
    size: np.ndarray,
    fraud: FraudParams,
) -> TxnRows:
    m = len(kind)
    if m == 0:
        return TxnRows.empty()
    first_row = np.cumsum(size) - size
    day = days[first_row]
    hour = np.minimum(np.searchsorted(_HOUR_CUM, g.random(m), side="right"), 22)
    sod = np.select(
        [kind == NIGHT, kind == LEGIT_BURST],
        [g.integers(0, 5 * 3600 - 1800, m), g.integers(10 * 3600, 20 * 3600, m)],
        hour * 3600 + g.integers(0, 3600, m),
    )
    cust, t0, keep = sample_customers(ctx, g, day, fixed_sod=sod)
    kind, size, day = kind[keep], size[keep], day[keep]
    m = len(kind)
    if m == 0:
        return TxnRows.empty()
    # the new high-risk merchant this incident targets (planted merchants onboarded < 30 days)
    lo = np.searchsorted(ctx.hr_days, day - 29, side="left")
    hi = np.searchsorted(ctx.hr_days, day, side="right")
    target = (
        ctx.hr_rows[
            np.minimum(
                lo + (g.random(m) * (hi - lo)).astype(np.int64), max(len(ctx.hr_rows) - 1, 0)
            )
        ]
        if len(ctx.hr_rows)
        else np.zeros(m, dtype=np.int64)
    )
    kind = np.where((kind == NEW_MERCHANT) & (hi <= lo), OUTLIER, kind)
    size = np.where(kind == OUTLIER, 1, size)
    inc = np.repeat(np.arange(m), size)
    n = len(inc)
    rk = kind[inc]
    pos = np.arange(n) - np.repeat(np.cumsum(size) - size, size)
    gaps = np.where(pos == 0, 0, g.integers(20, 300, n))
    cum_gaps = np.cumsum(gaps)
    night_offset = cum_gaps - np.repeat(cum_gaps[np.cumsum(size) - size], size)
    offset = np.select(
        [rk == NIGHT, rk == NEW_MERCHANT, rk == VELOCITY],
        [night_offset, np.where(pos == 0, 0, g.integers(60, 900, n)), g.integers(0, 1800, n)],
        g.integers(0, 3600, n),
    )
    offset = np.where(rk == OUTLIER, 0, offset)
    t = t0[inc] + offset
    rc = cust[inc]
    rday = t // DAY
    cat = _pick(g, ctx.cat_cum, n)
    outlier_cat = OUTLIER_CATS[g.integers(0, len(OUTLIER_CATS), n)]
    online_row = g.random(n) < np.where(rk == OUTLIER, 0.5, 0.5)
    merch = np.select(
        [
            rk == NIGHT,
            (rk == VELOCITY) & online_row,
            rk == NEW_MERCHANT,
            (rk == OUTLIER) & online_row,
            rk == OUTLIER,
        ],
        [
            online_merchant(ctx, g, rday),
            online_merchant(ctx, g, rday),
            target[inc],
            online_merchant(ctx, g, rday),
            merchant_of_category(ctx, g, outlier_cat, rday),
        ],
        merchant_of_category(ctx, g, cat, rday),
    )
    channel, present = _channel_for_merchant(ctx, g, merch)
    base = _purchase_amount(ctx, g, merch, rc)
    dollars = np.select(
        [rk == NIGHT, rk == VELOCITY, rk == NEW_MERCHANT, rk == OUTLIER],
        [
            base * g.uniform(1.0, 3.0, n),
            base * g.uniform(1.0, 3.0, n),
            base * g.uniform(2.0, 6.0, n),
            NORM_AMOUNT * ctx.spend_scale[rc] * g.uniform(*fraud.amount_outlier_multiple, n),
        ],
        base,
    )
    p_new = np.array([fraud.night_new_device_share, 0.6, 0.6, 0.25, fraud.legit_new_device_share])
    p_foreign = np.array(
        [fraud.night_foreign_ip_share, 0.3, 0.4, 0.15, fraud.legit_foreign_ip_share]
    )
    new_device = (g.random(m) < p_new[kind])[inc]
    foreign = (g.random(m) < p_foreign[kind])[inc]
    new_id = (NEW_DEVICE_BASE + g.integers(0, 4_000_000_000, m))[inc]
    country = g.integers(1, len(FOREIGN_PLACES) + 1, m)[inc]
    device, ip = _digital(ctx, g, rc, channel, new_device, foreign, new_id, country)
    prefer = np.where(g.random(m) < 0.7, 2, 0)[inc]
    acc = resolve_account(ctx, rc, t, prefer)
    ttype = np.full(n, T["purchase"])
    desc = np.where(present, DESC["POS PURCHASE"], DESC["ONLINE PURCHASE"])
    pattern = np.where(rk == LEGIT_BURST, -1, rk)
    return _finish(
        ctx, g, t, rc, acc, merch, dollars, ttype, channel, present, device, ip, desc, pattern
    )


def generate_chunk(
    ctx: Context, g: np.random.Generator, days: np.ndarray, fraud: FraudParams
) -> TxnRows:
    """All customer-initiated rows for ``days`` (one entry per row), sorted by time."""
    n = len(days)
    days = days[g.permutation(n)]
    kind, size = _plan(g, n, fraud)
    singles = n - int(size.sum())
    rows = TxnRows.concat(
        [
            _singles(ctx, g, days[:singles], fraud),
            _incidents(ctx, g, days[singles:], kind, size, fraud),
        ]
    )
    return rows.take(np.argsort(rows.time_s))
