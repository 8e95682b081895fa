"""Read the model inputs from gold into pandas.

The features are computed in the database by dbt (models/gold/features/): trailing
windows, velocity counts and customer norms are window functions there, not Python
loops. This module only selects them (streamed with COPY) and names which columns are
features, so a label can never slip into a model by accident.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import psycopg2.extensions


@dataclass(frozen=True)
class FeatureSet:
    """Which columns of a frame a model may use, and how to type them."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    label: str

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model input: numbers as float, categories as pandas categoricals."""
        if self.label in self.columns:  # a guard worth its line: leakage is the classic bug
            raise ValueError(f"label {self.label} is listed as a feature")
        out = frame[list(self.numeric)].astype("float64")
        for name in self.categorical:
            out[name] = frame[name].fillna("unknown").astype("category")
        return out


FRAUD_FEATURES = FeatureSet(
    numeric=(
        "amount_abs",
        "log_amount",
        "amount_to_norm_ratio",
        "amount_sum_24h",
        "txn_count_1h",
        "txn_count_24h",
        "account_txn_count_1h",
        "same_presence_txn_count_1h",
        "prior_txn_count",
        "seconds_since_previous",
        "transaction_hour",
        "transaction_day_of_week",
        "is_night",
        "is_card_present",
        "is_card_not_present",
        "is_online_merchant",
        "merchant_risk_score",
        "is_high_risk_merchant",
        "merchant_age_days",
        "is_new_high_risk_merchant",
        "is_first_merchant_visit",
        "is_foreign_ip",
        "is_new_ip_country",
        "is_declined",
    ),
    categorical=("channel", "transaction_type", "merchant_category"),
    label="is_fraud",
)

CHURN_FEATURES = FeatureSet(
    numeric=(
        "txn_count_1m",
        "txn_count_3m",
        "txn_count_prev_2m",
        "activity_trend_ratio",
        "volume_trend_ratio",
        "volume_3m",
        "inflow_trend_ratio",
        "outflow_trend_ratio",
        "txn_count_last_14d",
        "txn_count_prior_60d",
        "recent_rate_ratio",
        "days_since_last_transaction",
        "history_months",
        "active_days_3m",
        "months_since_active",
        "digital_share_3m",
        "decline_rate_3m",
        "complaints_3m",
        "complaints_12m",
        "fee_disputes_3m",
        "interactions_3m",
        "avg_satisfaction_3m",
        "fee_amount_3m",
        "fee_amount_12m",
        "late_payments_12m",
        "end_of_month_balance_amount",
        "balance_change_3m_amount",
        "tenure_months",
        "credit_score",
        "annual_income",
    ),
    categorical=("customer_segment", "employment_status", "preferred_channel"),
    label="label_churned_next_horizon",
)


def query_frame(conn: psycopg2.extensions.connection, query: str) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame (COPY to CSV, then pandas)."""
    buffer = io.StringIO()
    with conn.cursor() as cur:
        cur.copy_expert(f"copy ({query}) to stdout with (format csv, header true)", buffer)
    buffer.seek(0)
    frame = pd.read_csv(buffer, true_values=["t"], false_values=["f"], low_memory=False)
    for column in frame.columns:
        if column.endswith("_date") or column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


FRAUD_COLUMNS = (
    "transaction_id",
    "month_start_date",
    "transaction_at",
    *FRAUD_FEATURES.columns,
    "is_fraud",
)


def fraud_months(conn: psycopg2.extensions.connection) -> pd.DataFrame:
    """Per month of transactions: its rows, fraud rows, first and last transaction time."""
    return query_frame(
        conn,
        "select month_start_date, count(*) as rows, "
        "sum(case when is_fraud then 1 else 0 end) as fraud_rows, "
        "min(transaction_at) as first_at, max(transaction_at) as last_at "
        "from gold.features_transaction_risk group by month_start_date order by month_start_date",
    )


def fraud_month_frame(conn: psycopg2.extensions.connection, month: pd.Timestamp) -> pd.DataFrame:
    """One month's transactions with their fraud features and label, in time order (read
    through the transaction_date index, so scoring holds one month in memory at a time)."""
    first_day = month.date().isoformat()
    return query_frame(
        conn,
        f"select {', '.join(FRAUD_COLUMNS)} from gold.features_transaction_risk "
        f"where transaction_date >= date '{first_day}' "
        f"and transaction_date < date '{first_day}' + interval '1 month' "
        f"and month_start_date = date '{first_day}' "
        "order by transaction_at, transaction_id",
    )


def churn_frame(conn: psycopg2.extensions.connection) -> pd.DataFrame:
    """Every customer-month with churn features, label and population flags."""
    columns = ", ".join(
        [
            "customer_id",
            "month_start_date",
            *CHURN_FEATURES.columns,
            "label_churned_next_horizon",
            "label_horizon_months",
            "label_is_observable",
            "is_in_churn_population",
            "open_accounts_at_month_end",
            "is_scoring_month",
        ]
    )
    return query_frame(
        conn,
        f"select {columns} from gold.features_customer_month order by month_start_date, customer_id",
    )


def rfm_frame(conn: psycopg2.extensions.connection) -> pd.DataFrame:
    """Recency, frequency and monetary value of every current customer, as of the data's end.

    Frequency and monetary value count approved debits the customer made (purchases,
    withdrawals, transfers out) over the last 365 days; recency is days since the last one
    (or since sign-up when there is none).
    """
    return query_frame(
        conn,
        """
        with as_of as (
            select max(transaction_date) as as_of_date from gold.fact_transactions
        ),
        customers as (
            select customer_id, customer_since_date
            from gold.dim_customer
            where is_current and customer_key <> -1
        ),
        spend as (
            select
                transactions.customer_id,
                max(transactions.transaction_date) as last_date,
                count(*) as frequency_count,
                sum(transactions.transaction_amount_abs) as monetary_amount
            from gold.fact_transactions as transactions
            cross join as_of
            where transactions.is_approved
                and transactions.is_debit
                and not transactions.is_fee_transaction
                and transactions.transaction_date > as_of.as_of_date - 365
            group by transactions.customer_id
        )
        select
            customers.customer_id,
            as_of.as_of_date,
            as_of.as_of_date - coalesce(spend.last_date, customers.customer_since_date, as_of.as_of_date)
                as recency_days,
            coalesce(spend.frequency_count, 0) as frequency_count,
            coalesce(spend.monetary_amount, 0) as monetary_amount
        from customers
        cross join as_of
        left join spend on customers.customer_id = spend.customer_id
        order by customers.customer_id
        """,
    )
