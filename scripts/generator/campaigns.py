"""Marketing campaigns: one randomised experiment (CMP001) and three targeted campaigns.

CMP001 "Cashback card cross-sell" (email): every customer active at the campaign start and
a customer for at least one campaign length before it (so a pre-period exists) is
randomised 50/50 into treatment and control; control is not contacted. True effects,
recorded in the manifest: conversion rate control 6%, treatment +6.0 percentage points;
treatment customers' customer-initiated transaction intensity is x1.15 (+15% spend) during
the campaign window, so a difference-in-differences of spend per customer (campaign window
vs the equally long pre-period, treatment vs control) recovers +15%.

CMP002-CMP004 are targeted, not randomised (everyone listed is treated): retention calls to
complaint- or fee-prone customers, activation pushes to students and new customers,
a premier card upgrade to affluent and premier customers. Their conversion rates depend on
who was targeted (selection bias), which is the point of contrasting them with CMP001.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from scripts.generator import fmt
from scripts.generator.calendar import DAY
from scripts.generator.params import CampaignParams
from scripts.generator.writer import table


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    campaign_type: str
    channel: str
    offer_product_id: str
    start_day: int
    end_day: int
    cost_per_contact: float
    randomised: bool


def plan(start_day: int, window_days: int, params: CampaignParams) -> list[Campaign]:
    duration = max(7, min(params.duration_days, window_days // 5))
    first = start_day + max(duration, int(window_days * 0.45))
    out = [
        Campaign(
            "CMP001",
            "Cashback card cross-sell",
            "cross_sell",
            "email",
            "PRD007",
            first,
            first + duration - 1,
            params.cost_per_contact,
            True,
        )
    ]
    end_day = start_day + window_days - 1
    for cid, name, kind, channel, product, at, length, cost in (
        ("CMP002", "Retention outreach", "retention", "phone", "PRD006", 0.2, 45, 6.50),
        ("CMP003", "New and student activation", "activation", "push", "PRD003", 0.65, 30, 0.05),
        ("CMP004", "Premier card upgrade", "cross_sell", "mail", "PRD008", 0.75, 45, 1.20),
    ):
        s = start_day + int(window_days * at)
        e = min(s + min(length, window_days // 5) - 1, end_day)
        if e > s:
            out.append(Campaign(cid, name, kind, channel, product, s, e, cost, False))
    return out


def randomise(g: np.random.Generator, customers: pd.DataFrame, campaign: Campaign) -> np.ndarray:
    """CMP001 group per customer: 1 treatment, 0 control, -1 not eligible."""
    length = campaign.end_day - campaign.start_day + 1
    start_s = campaign.start_day * DAY
    eligible = (customers["created_s"].to_numpy() < start_s - length * DAY) & (
        customers["churn_s"].to_numpy() > start_s
    )
    treat = g.random(len(customers)) < 0.5
    return np.where(eligible, treat.astype(np.int64), -1)


def contact_list(
    g: np.random.Generator, customers: pd.DataFrame, campaign: Campaign, params: CampaignParams
) -> tuple[pa.Table, dict[str, object]]:
    start_s = campaign.start_day * DAY
    created = customers["created_s"].to_numpy()
    active = (created < start_s) & (customers["churn_s"].to_numpy() > start_s)
    seg = customers["segment"].to_numpy()
    cz = customers["complaint_z"].to_numpy()
    fz = customers["fee_z"].to_numpy()
    if campaign.randomised:
        group = customers["cmp001_group"].to_numpy()
        listed = group >= 0
        treated = group == 1
        p = params.control_conversion_rate + treated * params.conversion_uplift_pp / 100
    else:
        if campaign.campaign_id == "CMP002":
            listed = active & ((cz > 1.0) | (fz > 1.2))
            p = np.clip(0.15 - 0.03 * cz, 0.02, 0.3)
        elif campaign.campaign_id == "CMP003":
            listed = active & ((seg == "student") | (created > start_s - 180 * DAY))
            p = np.full(len(seg), 0.10)
        else:
            listed = active & np.isin(seg, ["affluent", "premier"])
            p = np.clip(0.08 + 0.002 * (customers["credit_score"].to_numpy() - 700) / 10, 0.02, 0.2)
        treated = listed
    converted = g.random(len(seg)) < p
    responded = treated & (converted | (g.random(len(seg)) < 0.25))
    contacted = start_s + g.integers(9 * 3600, 2 * DAY, len(seg))
    value = np.round(40_000 * np.exp(g.normal(0, 0.6, len(seg))))
    idx = np.flatnonzero(listed)
    n = len(idx)

    def const(value: str) -> pa.Array:
        return pa.array([value] * n, type=pa.string())

    data = {
        "campaign_id": const(campaign.campaign_id),
        "campaign_name": const(campaign.name),
        "campaign_type": const(campaign.campaign_type),
        "channel": const(campaign.channel),
        "offer_product_id": const(campaign.offer_product_id),
        "start_date": fmt.dates(np.full(n, campaign.start_day)),
        "end_date": fmt.dates(np.full(n, campaign.end_day)),
        "cost_per_contact": fmt.money(np.full(n, round(campaign.cost_per_contact * 100))),
        "customer_id": pa.array(customers["customer_id"].to_numpy()[idx], type=pa.string()),
        "assignment_group": pa.array(
            np.where(treated[idx], "treatment", "control"), type=pa.string()
        ),
        "contacted_at": fmt.timestamps(contacted[idx], valid=treated[idx]),
        "responded": fmt.bools(responded[idx]),
        "converted": fmt.bools(converted[idx]),
        "conversion_value": fmt.money(value[idx], valid=converted[idx]),
    }
    summary: dict[str, object] = {**asdict(campaign), "listed": n}
    summary["start_date"] = str(pd.Timestamp(campaign.start_day * DAY, unit="s").date())
    summary["end_date"] = str(pd.Timestamp(campaign.end_day * DAY, unit="s").date())
    del summary["start_day"], summary["end_day"]
    if campaign.randomised:
        t, c = treated[idx], ~treated[idx]
        length = campaign.end_day - campaign.start_day + 1
        summary.update(
            {
                "treatment_customers": int(t.sum()),
                "control_customers": int(c.sum()),
                "true_conversion_uplift_pp": params.conversion_uplift_pp,
                "true_control_conversion_rate": params.control_conversion_rate,
                "true_spend_uplift_pct": params.spend_uplift_pct,
                "spend_uplift_applies_to": "customer-initiated transactions (count x1.15) of "
                "treatment customers between start_date and end_date",
                "pre_period": [
                    str(pd.Timestamp((campaign.start_day - length) * DAY, unit="s").date()),
                    str(pd.Timestamp((campaign.start_day - 1) * DAY, unit="s").date()),
                ],
                "observed_conversion_treatment": round(float(converted[idx][t].mean()), 4)
                if t.any()
                else None,
                "observed_conversion_control": round(float(converted[idx][c].mean()), 4)
                if c.any()
                else None,
            }
        )
    return table("marketing_campaigns", data), summary
