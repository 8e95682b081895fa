"""Arrow tables of the event (append) tables other than transactions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from scripts.generator import fmt
from scripts.generator.alerts import ALERT_STATUSES, ALERT_TYPES, SEVERITIES, Alerts
from scripts.generator.events import (
    DECISION_REASONS,
    DECISIONS,
    INTERACTION_CHANNELS,
    INTERACTION_TYPES,
    REASON_LABELS,
    RESOLUTIONS,
    Applications,
    Interactions,
)
from scripts.generator.loans import STATUSES as LOAN_STATUSES
from scripts.generator.loans import Instalments
from scripts.generator.params import FRAUD_PATTERNS
from scripts.generator.writer import table


def fraud_alerts(
    alerts: Alerts, first_no: int, txn_ids: pa.Array, customer_ids: pa.Array
) -> pa.Table:
    n = len(alerts.row)
    return table(
        "fraud_alerts",
        {
            "alert_id": fmt.ids("ALT", np.arange(first_no, first_no + n), 8),
            "transaction_id": txn_ids.take(pa.array(alerts.row)),
            "customer_id": customer_ids,
            "alert_time": fmt.timestamps(alerts.time_s),
            "alert_type": fmt.codes(ALERT_TYPES, alerts.alert_type),
            "severity": fmt.codes(SEVERITIES, alerts.severity),
            "rule_score": fmt.rate(alerts.score, 2),
            "alert_status": fmt.codes(ALERT_STATUSES, alerts.status),
            "resolved_at": fmt.timestamps(alerts.resolved_s, valid=alerts.resolved_s >= 0),
        },
    )


def truth_fraud(txn_ids: pa.Array, pattern: np.ndarray) -> pa.Table:
    rows = np.flatnonzero(pattern >= 0)
    return table(
        "_truth_fraud",
        {
            "transaction_id": txn_ids.take(pa.array(rows)),
            "pattern": fmt.codes(FRAUD_PATTERNS, pattern[rows]),
        },
    )


def customer_interactions(events: Interactions, first_no: int, customer_ids: pa.Array) -> pa.Table:
    n = len(events.cust)
    return table(
        "customer_interactions",
        {
            "interaction_id": fmt.ids("INT", np.arange(first_no, first_no + n), 8),
            "customer_id": customer_ids.take(pa.array(events.cust)),
            "interaction_time": fmt.timestamps(events.time_s),
            "channel": fmt.codes(INTERACTION_CHANNELS, events.channel),
            "interaction_type": fmt.codes(INTERACTION_TYPES, events.itype),
            "reason": fmt.codes(REASON_LABELS, events.reason),
            "resolution_status": fmt.codes(RESOLUTIONS, events.resolution),
            "handle_time_seconds": fmt.ints(events.handle_s),
            "satisfaction_score": fmt.ints(events.satisfaction, valid=events.satisfaction > 0),
        },
    )


def credit_applications(apps: Applications, first_no: int, customer_ids: pa.Array) -> pa.Table:
    n = len(apps.cust)
    return table(
        "credit_applications",
        {
            "application_id": fmt.ids("APP", np.arange(first_no, first_no + n), 8),
            "customer_id": customer_ids.take(pa.array(apps.cust)),
            "product_id": pa.array(apps.product_id, type=pa.string()),
            "application_time": fmt.timestamps(apps.time_s),
            "requested_amount": fmt.money(apps.requested),
            "term_months": fmt.ints(apps.term, valid=apps.term > 0),
            "declared_income": fmt.money(apps.income),
            "debt_to_income": fmt.rate(apps.dti),
            "credit_score": fmt.ints(apps.score),
            "decision": fmt.codes(DECISIONS, apps.decision),
            "decision_reason": fmt.codes(DECISION_REASONS, apps.reason),
            "approved_amount": fmt.money(apps.approved, valid=apps.approved >= 0),
            "interest_rate": fmt.rate(apps.rate),
            "decision_time": fmt.timestamps(apps.decision_s),
        },
    )


def loan_payments(
    inst: Instalments, first_no: int, account_ids: pa.Array, customer_ids: pa.Array
) -> pa.Table:
    n = len(inst.acc)
    return table(
        "loan_payments",
        {
            "payment_id": fmt.ids("PAY", np.arange(first_no, first_no + n), 9),
            "account_id": account_ids.take(pa.array(inst.acc)),
            "customer_id": customer_ids.take(pa.array(inst.cust)),
            "installment_number": fmt.ints(inst.number),
            "due_date": fmt.dates(inst.due_day),
            "payment_date": fmt.dates(inst.pay_day, valid=inst.pay_day >= 0),
            "scheduled_amount": fmt.money(inst.scheduled),
            "paid_amount": fmt.money(inst.paid),
            "principal_amount": fmt.money(inst.principal),
            "interest_amount": fmt.money(inst.interest),
            "late_fee": fmt.money(inst.late_fee),
            "days_past_due": fmt.ints(inst.dpd),
            "payment_status": fmt.codes(LOAN_STATUSES, inst.status),
        },
    )
