"""manifest.json: the cumulative record of a generated data set.

"parameters" (what was asked and every planted distribution), "batches" (window, as_of,
row counts, changes such as deleted customers and re-sent transactions), "defects" (per
batch, table and kind, exactly what was injected) and "truths" (fraud counts by pattern,
churn, the CMP001 uplift, the economic elasticities). Written last, after the batch files
and the state, so a manifest entry means the batch is complete.
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.generator import defects
from scripts.generator.batch import BatchResult
from scripts.generator.params import FRAUD_PATTERNS, Behaviour, RunParams

BALANCE_RULE = (
    "accounts.current_balance = opening_balance + sum(amount - fee_amount) over the account's "
    "transactions whose latest status is 'approved', excluding rows with a defect silver rejects "
    f"({', '.join(sorted(defects.BALANCE_EXCLUDED))}); exact duplicates count once, a re-sent "
    "row replaces the earlier one. Fees on top of a transaction are in fee_amount; maintenance "
    "and overdraft fees are 'fee' rows with a negative amount. For accounts opened before the "
    "start date, opening_balance is the balance at the start date."
)


def path(out_dir: Path) -> Path:
    return out_dir / "manifest.json"


def read(out_dir: Path) -> dict:
    return json.loads(path(out_dir).read_text())


def new(params: RunParams, behaviour: Behaviour, derived: dict[str, object]) -> dict:
    return {
        "generator": "scripts.generate",
        "format_version": 1,
        "parameters": {
            "run": params.to_dict(),
            "behaviour": behaviour.describe(),
            "derived": derived,
            "balance_rule": BALANCE_RULE,
            "defect_kinds": {
                t: [k.name for k in kinds] for t, kinds in defects.TABLE_DEFECTS.items()
            },
            "defect_kinds_in_advance_batches": {"transactions": ["resent"]},
            "state": "persisted under state/ (Parquet + world.json); see scripts/generator/world.py",
        },
        "batches": [],
        "defects": {},
        "truths": {
            "fraud": {
                "patterns": list(FRAUD_PATTERNS),
                "target_rate_of_card_transactions": behaviour.fraud.rate_of_card_transactions,
                "card_transactions": 0,
                "fraud_transactions": 0,
                "by_pattern": dict.fromkeys(FRAUD_PATTERNS, 0),
                "signal_features": [
                    "hour of day",
                    "channel / card_present",
                    "merchant risk_level and days since onboarded_date",
                    "amount relative to the customer's previous amounts",
                    "transactions on the account in the trailing hour",
                    "ip_country differs from the customer's country",
                    "device_id not seen before for the customer",
                ],
                "look_alikes": [
                    f"night owls ({behaviour.fraud.night_owl_share:.0%} of customers, about a third "
                    "of their activity 00:00-05:00)",
                    f"legitimate big purchases ({behaviour.fraud.legit_big_purchase_share:.1%} of "
                    f"purchases, {behaviour.fraud.legit_big_purchase_multiple} x the customer's norm, "
                    "big-ticket categories)",
                    f"legitimate shopping bursts ({behaviour.fraud.legit_burst_size} purchases "
                    "within an hour)",
                    f"{behaviour.fraud.legit_foreign_ip_share:.0%} foreign IPs and "
                    f"{behaviour.fraud.legit_new_device_share:.0%} new devices on legitimate "
                    "digital transactions",
                    "ordinary traffic at new high-risk merchants",
                ],
                "per_batch": {},
            },
            "churn": {
                "hazard_model": behaviour.describe()["churn"],
                "drivers": ["falling_activity", "complaints", "fees"],
                "per_batch": {},
            },
            "campaigns": {},
            "economy": {
                "spend_multiplier": "(consumer_confidence / 100) ** e_cc * (unemployment_rate / "
                "unemployment_rate_at_start) ** e_u, applied to the daily count of customer-initiated "
                "transactions",
                "indicators": "unemployment rises by unemployment_rise points early in the second "
                "year; consumer confidence swings on its own ~17-month cycle of confidence_swing "
                "points and falls 2 points per point of unemployment",
                "elasticity_consumer_confidence": behaviour.economy.elasticity_consumer_confidence,
                "elasticity_unemployment": behaviour.economy.elasticity_unemployment,
                "loan_default_logit_per_unemployment_point": 0.9,
            },
        },
    }


def add_batch(manifest: dict, result: BatchResult, derived: dict[str, object]) -> None:
    batch_id = str(result.meta["batch_id"])
    entry = dict(result.meta)
    entry["defects"] = result.defects
    entry["changes"] = result.changes
    manifest["batches"].append(entry)
    manifest["defects"][batch_id] = result.defects
    manifest["parameters"]["derived"] = derived
    fraud = manifest["truths"]["fraud"]
    batch_fraud = result.truths["fraud"]
    fraud["card_transactions"] += batch_fraud["card_transactions"]
    fraud["fraud_transactions"] += batch_fraud["fraud_transactions"]
    for pattern, count in batch_fraud["by_pattern"].items():
        fraud["by_pattern"][pattern] += count
    fraud["rate_of_card_transactions"] = round(
        fraud["fraud_transactions"] / max(fraud["card_transactions"], 1), 5
    )
    fraud["per_batch"][batch_id] = batch_fraud
    manifest["truths"]["churn"]["per_batch"][batch_id] = result.truths["churn"]
    for summary in result.truths["campaigns"]:
        manifest["truths"]["campaigns"][summary["campaign_id"]] = summary


def write(out_dir: Path, manifest: dict) -> None:
    target = path(out_dir)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(target)
