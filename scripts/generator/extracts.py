"""Current-state extracts (load mode ``replace``): the full state as of a batch's as_of.

Deleted customers (and their accounts) are absent; customers and accounts created after
as_of do not exist yet; economic_indicators lists the months published by as_of.
_truth_churn lists every customer that existed up to as_of, deleted ones included, because
it records what the generator planted rather than what the CRM still shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from scripts.generator import fmt
from scripts.generator.calendar import DAY
from scripts.generator.reference import PRODUCTS
from scripts.generator.writer import table

DORMANT_AFTER_S = 180 * DAY


def _s(values: object) -> pa.Array:
    if isinstance(values, pd.Series):
        return pa.array(values).cast(pa.string())
    return pa.array(np.asarray(values, dtype=object), type=pa.string())


def products(as_of_s: int) -> pa.Table:
    launched = pd.to_datetime([p.launched_date for p in PRODUCTS])
    launched_day = (launched - pd.Timestamp("1970-01-01")).days.to_numpy()
    term = np.array([p.term_months or 0 for p in PRODUCTS])
    return table(
        "products",
        {
            "product_id": _s([p.product_id for p in PRODUCTS]),
            "product_name": _s([p.name for p in PRODUCTS]),
            "product_category": _s([p.category for p in PRODUCTS]),
            "product_type": _s([p.product_type for p in PRODUCTS]),
            "interest_rate": fmt.rate(np.array([p.interest_rate for p in PRODUCTS])),
            "annual_fee": fmt.money(np.array([round(p.annual_fee * 100) for p in PRODUCTS])),
            "monthly_fee": fmt.money(np.array([round(p.monthly_fee * 100) for p in PRODUCTS])),
            "min_balance": fmt.money(np.array([round(p.min_balance * 100) for p in PRODUCTS])),
            "credit_limit_max": fmt.money(
                np.array([round(p.credit_limit_max * 100) for p in PRODUCTS])
            ),
            "term_months": fmt.ints(term, valid=term > 0),
            "is_active": fmt.bools(np.array([p.is_active for p in PRODUCTS])),
            "launched_date": fmt.dates(launched_day),
            "updated_at": fmt.timestamps(launched_day * DAY + 8 * 3600),
        },
    )


def merchants(frame: pd.DataFrame, as_of_s: int) -> pa.Table:
    m = frame[frame["onboarded_day"] * DAY <= as_of_s]
    state = m["state"].to_numpy(dtype=object)
    return table(
        "merchants",
        {
            "merchant_id": _s(m["merchant_id"]),
            "merchant_name": _s(m["merchant_name"]),
            "merchant_category": _s(m["category"]),
            "mcc_code": _s(m["mcc_code"]),
            "city": _s(m["city"]),
            "state": pa.array(state, type=pa.string(), mask=pd.isna(state)),
            "country": _s(m["country"]),
            "latitude": fmt.rate(m["latitude"].to_numpy(), 6),
            "longitude": fmt.rate(m["longitude"].to_numpy(), 6),
            "risk_level": _s(m["risk_level"]),
            "is_online": fmt.bools(m["is_online"].to_numpy()),
            "onboarded_date": fmt.dates(m["onboarded_day"].to_numpy()),
            "updated_at": fmt.timestamps(m["updated_s"].to_numpy()),
        },
    )


def visible_customers(frame: pd.DataFrame, as_of_s: int) -> pd.DataFrame:
    return frame[(frame["created_s"] <= as_of_s) & (frame["deleted_s"] > as_of_s)]


def customers(frame: pd.DataFrame, as_of_s: int) -> pa.Table:
    c = visible_customers(frame, as_of_s)
    return table(
        "customers",
        {
            "customer_id": _s(c["customer_id"]),
            "first_name": _s(c["first_name"]),
            "last_name": _s(c["last_name"]),
            "email": _s(c["email"]),
            "phone": _s(c["phone"]),
            "date_of_birth": fmt.dates(c["birth_day"].to_numpy()),
            "gender": _s(c["gender"]),
            "address": _s(c["address"]),
            "city": _s(c["city"]),
            "state": _s(c["state"]),
            "postal_code": _s(c["postal_code"]),
            "country": _s(c["country"]),
            "customer_segment": _s(c["segment"]),
            "annual_income": fmt.money(c["income_cents"].to_numpy()),
            "credit_score": fmt.ints(c["credit_score"].to_numpy()),
            "employment_status": _s(c["employment_status"]),
            "risk_rating": _s(c["risk_rating"]),
            "customer_status": _s(c["status"]),
            "preferred_channel": _s(c["preferred_channel"]),
            "created_at": fmt.timestamps(c["created_s"].to_numpy()),
            "updated_at": fmt.timestamps(c["updated_s"].to_numpy()),
        },
    )


def accounts(frame: pd.DataFrame, visible_customer_nos: np.ndarray, as_of_s: int) -> pa.Table:
    a = frame[
        np.isin(frame["customer_no"].to_numpy(), visible_customer_nos)
        & (frame["opened_s"] <= as_of_s)
    ]
    closed = a["closed_s"].to_numpy() <= as_of_s
    return table(
        "accounts",
        {
            "account_id": _s(a["account_id"]),
            "customer_id": _s(a["customer_id"]),
            "product_id": _s(a["product_id"]),
            "account_type": _s(a["account_type"]),
            "account_status": _s(a["status"]),
            "currency": _s(a["currency"]),
            "opened_date": fmt.dates(a["opened_s"].to_numpy() // DAY),
            "closed_date": fmt.dates(a["closed_s"].to_numpy() // DAY, valid=closed),
            "opening_balance": fmt.money(a["opening_cents"].to_numpy()),
            "current_balance": fmt.money(a["balance_cents"].to_numpy()),
            "credit_limit": fmt.money(
                a["limit_cents"].to_numpy(), valid=a["limit_cents"].to_numpy() > 0
            ),
            "interest_rate": fmt.rate(a["interest_rate"].to_numpy()),
            "created_at": fmt.timestamps(a["created_s"].to_numpy()),
            "updated_at": fmt.timestamps(a["updated_s"].to_numpy()),
        },
    )


def economic_indicators(econ: pd.DataFrame, as_of_s: int) -> pa.Table:
    e = econ[econ["published_s"] <= as_of_s]
    return table(
        "economic_indicators",
        {
            "indicator_month": fmt.dates(e["month_day"].to_numpy()),
            "unemployment_rate": fmt.rate(e["unemployment_rate"].to_numpy()),
            "inflation_rate": fmt.rate(e["inflation_rate"].to_numpy()),
            "policy_rate": fmt.rate(e["policy_rate"].to_numpy()),
            "consumer_confidence": fmt.rate(e["consumer_confidence"].to_numpy()),
            "gdp_growth": fmt.rate(e["gdp_growth"].to_numpy()),
            "housing_price_index": fmt.rate(e["housing_price_index"].to_numpy()),
            "published_at": fmt.timestamps(e["published_s"].to_numpy()),
        },
    )


def truth_churn(frame: pd.DataFrame, as_of_s: int) -> pa.Table:
    c = frame[frame["created_s"] <= as_of_s]
    churned = c["churn_s"].to_numpy() <= as_of_s
    return table(
        "_truth_churn",
        {
            "customer_id": _s(c["customer_id"]),
            "is_churner": fmt.bools(churned),
            "churn_date": fmt.dates(c["churn_s"].to_numpy() // DAY, valid=churned),
            "primary_driver": _s(
                np.where(churned, c["churn_driver"].to_numpy(dtype=object), "none")
            ),
        },
    )
