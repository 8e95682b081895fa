"""The bronze contract: every bronze table, its columns in file order, types and load mode.

The generator writes CSV files with exactly these columns (in this order, with a header);
the loader creates the tables from here and COPYs the files in. Bronze keeps what the
source systems sent, defects included, so columns are nullable and carry no keys.

Load modes:
- ``append``: event tables; each batch adds rows (re-sent rows arrive again, later).
- ``replace``: current-state tables of the operational systems (an OLTP extract); each
  batch carries the full current state, so a row missing from a later batch was deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LoadMode = Literal["append", "replace"]

SCHEMA = "bronze"
METADATA_COLUMNS = ("_batch_id", "_loaded_at")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    mode: LoadMode
    natural_key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def ddl(self) -> str:
        body = ",\n".join(f"    {c.name} {c.type}" for c in self.columns)
        return (
            f"create table if not exists {SCHEMA}.{self.name} (\n{body},\n"
            "    _batch_id text not null,\n"
            "    _loaded_at timestamptz not null default now()\n)"
        )


def _cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*item) for item in spec)


TEXT, DATE, TS, INT, BOOL = "text", "date", "timestamptz", "integer", "boolean"
MONEY = "numeric(16,2)"
RATE = "numeric(8,4)"

TABLES: tuple[Table, ...] = (
    Table(
        "products",
        "replace",
        ("product_id",),
        "Product catalogue of the core banking system.",
        _cols(
            ("product_id", TEXT, "product code, e.g. PRD001"),
            ("product_name", TEXT, "marketing name"),
            ("product_category", TEXT, "deposit | credit | lending | investment"),
            ("product_type", TEXT, "checking | savings | credit_card | personal_loan | ..."),
            ("interest_rate", RATE, "annual rate in percent (deposit or lending)"),
            ("annual_fee", MONEY, "yearly fee"),
            ("monthly_fee", MONEY, "monthly maintenance fee"),
            ("min_balance", MONEY, "minimum balance to avoid the monthly fee"),
            ("credit_limit_max", MONEY, "largest limit or principal offered"),
            ("term_months", INT, "term of loans and deposits; null when open-ended"),
            ("is_active", BOOL, "still sold"),
            ("launched_date", DATE, "first day on sale"),
            ("updated_at", TS, "last change in the source system"),
        ),
    ),
    Table(
        "merchants",
        "replace",
        ("merchant_id",),
        "Merchant master of the card acquirer.",
        _cols(
            ("merchant_id", TEXT, "merchant code, e.g. MER00001"),
            ("merchant_name", TEXT, "trading name"),
            ("merchant_category", TEXT, "category, e.g. grocery, travel, electronics"),
            ("mcc_code", TEXT, "ISO 18245 merchant category code"),
            ("city", TEXT, ""),
            ("state", TEXT, ""),
            ("country", TEXT, "ISO 3166 alpha-2"),
            ("latitude", "numeric(9,6)", ""),
            ("longitude", "numeric(9,6)", ""),
            ("risk_level", TEXT, "low | medium | high (acquirer's rating)"),
            ("is_online", BOOL, "card-not-present merchant"),
            ("onboarded_date", DATE, "first day the merchant could take payments"),
            ("updated_at", TS, "last change in the source system"),
        ),
    ),
    Table(
        "customers",
        "replace",
        ("customer_id",),
        "Customer master (CRM), current state; deleted customers disappear.",
        _cols(
            ("customer_id", TEXT, "customer number, e.g. CUS0000001"),
            ("first_name", TEXT, ""),
            ("last_name", TEXT, ""),
            ("email", TEXT, ""),
            ("phone", TEXT, ""),
            ("date_of_birth", DATE, ""),
            ("gender", TEXT, "F | M | X"),
            ("address", TEXT, "street line"),
            ("city", TEXT, ""),
            ("state", TEXT, ""),
            ("postal_code", TEXT, ""),
            ("country", TEXT, "ISO 3166 alpha-2"),
            ("customer_segment", TEXT, "mass | affluent | premier | student | small_business"),
            ("annual_income", MONEY, "declared yearly income"),
            ("credit_score", INT, "bureau score 300-850"),
            (
                "employment_status",
                TEXT,
                "employed | self_employed | unemployed | retired | student",
            ),
            ("risk_rating", TEXT, "low | medium | high (KYC rating)"),
            ("customer_status", TEXT, "active | inactive | closed"),
            ("preferred_channel", TEXT, "mobile | online | branch | phone"),
            ("created_at", TS, "customer since"),
            ("updated_at", TS, "last change in the source system"),
        ),
    ),
    Table(
        "accounts",
        "replace",
        ("account_id",),
        "Accounts (core banking), current state with balances as of the extract.",
        _cols(
            ("account_id", TEXT, "account number, e.g. ACC0000001"),
            ("customer_id", TEXT, "owner"),
            ("product_id", TEXT, "product held"),
            ("account_type", TEXT, "checking | savings | credit_card | loan"),
            ("account_status", TEXT, "active | dormant | closed"),
            ("currency", TEXT, "ISO 4217"),
            ("opened_date", DATE, ""),
            ("closed_date", DATE, "null while open"),
            ("opening_balance", MONEY, "balance on the opening day, before any transaction"),
            ("current_balance", MONEY, "balance as of the extract"),
            ("credit_limit", MONEY, "card or overdraft limit; loan principal for loans"),
            ("interest_rate", RATE, "annual rate in percent"),
            ("created_at", TS, "row creation in the source system"),
            ("updated_at", TS, "last change in the source system"),
        ),
    ),
    Table(
        "transactions",
        "append",
        ("transaction_id",),
        "Card, transfer, cash and fee transactions; append-only, re-sends happen.",
        _cols(
            ("transaction_id", TEXT, "e.g. TXN000000000001"),
            ("account_id", TEXT, ""),
            ("customer_id", TEXT, ""),
            ("merchant_id", TEXT, "null for transfers, deposits, fees and ATM"),
            ("transaction_time", TS, "event time"),
            ("amount", MONEY, "signed: negative debits the account, positive credits it"),
            ("currency", TEXT, "ISO 4217"),
            (
                "transaction_type",
                TEXT,
                "purchase | withdrawal | deposit | transfer_in | transfer_out | payment | fee | refund",
            ),
            ("channel", TEXT, "pos | online | mobile | atm | branch"),
            ("card_present", BOOL, "card physically present"),
            ("status", TEXT, "approved | declined | reversed"),
            ("decline_reason", TEXT, "set when declined"),
            ("fee_amount", MONEY, "fee charged on top of the amount"),
            ("device_id", TEXT, "device fingerprint for digital channels"),
            ("ip_country", TEXT, "country of the IP for digital channels"),
            ("description", TEXT, "free text from the processor"),
            ("is_fraud", BOOL, "confirmed fraud (chargeback outcome)"),
            ("created_at", TS, "when the processor recorded it"),
        ),
    ),
    Table(
        "credit_applications",
        "append",
        ("application_id",),
        "Credit applications and their decisions.",
        _cols(
            ("application_id", TEXT, "e.g. APP0000001"),
            ("customer_id", TEXT, ""),
            ("product_id", TEXT, "product applied for"),
            ("application_time", TS, ""),
            ("requested_amount", MONEY, ""),
            ("term_months", INT, ""),
            ("declared_income", MONEY, "income stated on the application"),
            ("debt_to_income", RATE, "ratio, 0.35 = 35%"),
            ("credit_score", INT, "bureau score at application"),
            ("decision", TEXT, "approved | declined | withdrawn"),
            ("decision_reason", TEXT, "reason code"),
            ("approved_amount", MONEY, "null unless approved"),
            ("interest_rate", RATE, "offered annual rate in percent"),
            ("decision_time", TS, ""),
        ),
    ),
    Table(
        "fraud_alerts",
        "append",
        ("alert_id",),
        "Alerts raised by the rule-based fraud engine and their outcome.",
        _cols(
            ("alert_id", TEXT, "e.g. ALT0000001"),
            ("transaction_id", TEXT, "transaction that raised it"),
            ("customer_id", TEXT, ""),
            ("alert_time", TS, ""),
            ("alert_type", TEXT, "velocity | amount | geo | merchant_risk | night_cnp"),
            ("severity", TEXT, "low | medium | high | critical"),
            ("rule_score", "numeric(5,2)", "engine score 0-100"),
            ("alert_status", TEXT, "confirmed_fraud | false_positive | open"),
            ("resolved_at", TS, "null while open"),
        ),
    ),
    Table(
        "customer_interactions",
        "append",
        ("interaction_id",),
        "Contact-centre, branch and digital service interactions.",
        _cols(
            ("interaction_id", TEXT, "e.g. INT0000001"),
            ("customer_id", TEXT, ""),
            ("interaction_time", TS, ""),
            ("channel", TEXT, "phone | chat | email | branch | app"),
            (
                "interaction_type",
                TEXT,
                "complaint | inquiry | service_request | fee_dispute | fraud_report | compliment",
            ),
            ("reason", TEXT, "topic code"),
            ("resolution_status", TEXT, "resolved | pending | escalated"),
            ("handle_time_seconds", INT, ""),
            ("satisfaction_score", INT, "1-5, null when not surveyed"),
        ),
    ),
    Table(
        "economic_indicators",
        "replace",
        ("indicator_month",),
        "Monthly macro-economic indicators, as published.",
        _cols(
            ("indicator_month", DATE, "first day of the month"),
            ("unemployment_rate", RATE, "percent"),
            ("inflation_rate", RATE, "year-on-year CPI, percent"),
            ("policy_rate", RATE, "central bank rate, percent"),
            ("consumer_confidence", RATE, "index, 100 = long-run average"),
            ("gdp_growth", RATE, "quarter-on-quarter annualised, percent"),
            ("housing_price_index", RATE, "index, 100 at the start date"),
            ("published_at", TS, ""),
        ),
    ),
    Table(
        "marketing_campaigns",
        "append",
        ("campaign_id", "customer_id"),
        "Campaign contact list: one row per campaign and targeted customer (treatment or control).",
        _cols(
            ("campaign_id", TEXT, "e.g. CMP001"),
            ("campaign_name", TEXT, ""),
            ("campaign_type", TEXT, "cross_sell | retention | activation | awareness"),
            ("channel", TEXT, "email | sms | push | phone | mail"),
            ("offer_product_id", TEXT, "product promoted"),
            ("start_date", DATE, ""),
            ("end_date", DATE, ""),
            ("cost_per_contact", MONEY, ""),
            ("customer_id", TEXT, "targeted customer"),
            ("assignment_group", TEXT, "treatment | control (control is not contacted)"),
            ("contacted_at", TS, "null for control"),
            ("responded", BOOL, "opened / clicked"),
            ("converted", BOOL, "took the offer during the campaign window"),
            ("conversion_value", MONEY, "value of the conversion"),
        ),
    ),
    Table(
        "loan_payments",
        "append",
        ("payment_id",),
        "Loan instalments: one row per instalment once it falls due.",
        _cols(
            ("payment_id", TEXT, "e.g. PAY0000001"),
            ("account_id", TEXT, "loan account"),
            ("customer_id", TEXT, ""),
            ("installment_number", INT, "1 for the first instalment"),
            ("due_date", DATE, ""),
            ("payment_date", DATE, "null when missed"),
            ("scheduled_amount", MONEY, ""),
            ("paid_amount", MONEY, "0 when missed"),
            ("principal_amount", MONEY, "principal part of the paid amount"),
            ("interest_amount", MONEY, "interest part of the paid amount"),
            ("late_fee", MONEY, ""),
            ("days_past_due", INT, "0 when on time"),
            ("payment_status", TEXT, "on_time | late | partial | missed"),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES_BY_NAME)


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]


# What the generator knows and a bank would not: used by tests to check that the
# warehouse and the models find the planted truths. Never a feature for a model.
TRUTH_TABLES: tuple[Table, ...] = (
    Table(
        "_truth_fraud",
        "append",
        ("transaction_id",),
        "Planted fraud: every fraudulent transaction and the pattern that produced it.",
        _cols(
            ("transaction_id", TEXT, ""),
            (
                "pattern",
                TEXT,
                "night_cnp_burst | velocity_spike | new_high_risk_merchant | amount_outlier",
            ),
        ),
    ),
    Table(
        "_truth_churn",
        "replace",
        ("customer_id",),
        "Planted churn: who churns, when, and the main driver.",
        _cols(
            ("customer_id", TEXT, ""),
            ("is_churner", BOOL, ""),
            ("churn_date", DATE, "first day of inactivity; null for retained customers"),
            ("primary_driver", TEXT, "falling_activity | complaints | fees | none"),
        ),
    ),
)

ALL_TABLES: tuple[Table, ...] = TABLES + TRUTH_TABLES
TABLES_BY_NAME.update({t.name: t for t in TRUTH_TABLES})
