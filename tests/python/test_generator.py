"""The synthetic data generator: determinism, contract, planted truths and injected defects.

Small scale (200 customers, 5,000 transactions, one 30-day advance) and in-process, so
the module runs in seconds. The defect checks re-detect every defect from the files alone,
the way silver has to, and demand exactly the counts of the manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts.bronze_schema import ALL_TABLES, TABLES_BY_NAME
from scripts.cli import run
from scripts.generate import main
from scripts.generator.defects import TABLE_DEFECTS
from scripts.generator.params import DEBIT_TYPES

SMALL = ["--customers", "200", "--transactions", "5000", "--chunk-size", "2000"]
UPPER_CODES = {"country", "currency"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+1-\d{3}-\d{3}-\d{4}$")
TIME_COLUMN = {
    "transactions": "transaction_time",
    "credit_applications": "application_time",
    "fraud_alerts": "alert_time",
    "customer_interactions": "interaction_time",
}
KEY = {"transactions": "account_id", "loan_payments": "account_id"}


def generate(out: Path, *extra: str) -> None:
    assert main([*SMALL, "--out-dir", str(out), "--log-level", "WARNING", *extra]) == 0


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    generate(out)
    assert main(["--advance-days", "30", "--out-dir", str(out), "--log-level", "WARNING"]) == 0
    return out


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def batches(data: Path) -> list[Path]:
    return sorted((data / "batches").iterdir())


def manifest(data: Path) -> dict:
    return json.loads((data / "manifest.json").read_text())


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(data: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again)
    assert main(["--advance-days", "30", "--out-dir", str(again), "--log-level", "WARNING"]) == 0
    assert digest(again / "batches") == digest(data / "batches")
    assert (again / "manifest.json").read_bytes() == (data / "manifest.json").read_bytes()
    other = tmp_path / "other"
    generate(other, "--seed", "7")
    assert digest(other / "batches" / "b0001") != digest(data / "batches" / "b0001")


def test_every_file_has_the_contract_header_and_batch_counts(data: Path) -> None:
    for folder in batches(data):
        meta = json.loads((folder / "batch.json").read_text())
        assert set(meta["tables"]) == {t.name for t in ALL_TABLES}
        for table in ALL_TABLES:
            with (folder / f"{table.name}.csv").open() as handle:
                assert handle.readline().rstrip("\n") == ",".join(table.column_names)
            assert len(read(folder, table.name)) == meta["tables"][table.name]


def _canonical(column: str, values: pd.Series) -> pd.Series:
    stripped = values.str.strip()
    return stripped.str.upper() if column in UPPER_CODES else stripped.str.lower()


def _known_ids(data: Path, upto: Path) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {
        "account_id": set(),
        "customer_id": set(),
        "merchant_id": set(),
        "transaction_id": set(),
    }
    for folder in batches(data):
        known["account_id"] |= set(read(folder, "accounts")["account_id"])
        known["customer_id"] |= set(read(folder, "customers")["customer_id"])
        known["merchant_id"] |= set(read(folder, "merchants")["merchant_id"])
        known["transaction_id"] |= set(read(folder, "transactions")["transaction_id"])
        if folder == upto:
            break
    return known


def detect(
    table: str, frame: pd.DataFrame, as_of: pd.Timestamp, known: dict[str, set[str]]
) -> dict[str, int]:
    """Re-find each defect kind from the file alone."""
    found: dict[str, int] = {}
    rows = frame.drop_duplicates()
    found["duplicate"] = len(frame) - len(rows)
    for kind in TABLE_DEFECTS[table]:
        cols = list(kind.columns)
        if kind.name == "null_required":
            hit = rows[cols].isna().any(axis=1)
        elif kind.name == "blank_required":
            hit = (
                rows[cols]
                .apply(lambda s: s.notna() & (s.str.strip() == "") & (s != ""))
                .any(axis=1)
            )
        elif kind.name == "code_format":
            hit = (
                rows[cols]
                .apply(lambda s: s.notna() & (s.str.strip() != "") & (s != _canonical(s.name, s)))
                .any(axis=1)
            )
        elif kind.name == "invalid_amount":
            amount = pd.to_numeric(rows[cols[0]], errors="coerce")
            if table == "transactions":
                kind_of = rows["transaction_type"]
                typed = kind_of.notna() & (kind_of.fillna("").str.strip() != "")
                debit = _canonical("transaction_type", kind_of.fillna("")).isin(DEBIT_TYPES)
                hit = typed & ((amount == 0) | (debit & (amount > 0)) | (~debit & (amount < 0)))
            else:
                hit = amount <= 0
        elif kind.name == "future_timestamp":
            hit = pd.to_datetime(rows[cols[0]], utc=True, format="ISO8601") > as_of
        elif kind.name.startswith("orphan_"):
            col = cols[0]
            value = rows[col]
            hit = value.notna() & (value.str.strip() != "") & ~value.isin(known[col])
            if table == "accounts":
                hit &= value.str.strip() == value
        elif kind.name == "malformed_email":
            hit = rows["email"].notna() & ~rows["email"].str.match(EMAIL)
        elif kind.name == "malformed_phone":
            hit = rows["phone"].notna() & ~rows["phone"].str.match(PHONE)
        else:
            continue
        found[kind.name] = int(hit.sum())
    return {k: v for k, v in found.items() if v}


def test_defect_counts_in_manifest_are_what_the_files_hold(data: Path) -> None:
    doc = manifest(data)
    seen: set[str] = set()
    for folder in batches(data):
        meta = json.loads((folder / "batch.json").read_text())
        as_of = pd.Timestamp(meta["as_of"])
        known = _known_ids(data, folder)
        expected = doc["defects"][folder.name]
        for table in TABLE_DEFECTS:
            frame = read(folder, table)
            found = detect(table, frame, as_of, known)
            if table == "transactions":
                resent = frame["transaction_id"].isin(seen)
                if resent.any():
                    found["resent"] = int(resent.sum())
                seen |= set(frame["transaction_id"])
            assert found == expected.get(table, {}), (folder.name, table)
        for table in ("products", "economic_indicators", "_truth_fraud", "_truth_churn"):
            frame = read(folder, table)
            assert not frame.duplicated().any()


def test_fraud_truth_matches_flags_and_manifest(data: Path) -> None:
    doc = manifest(data)
    total: dict[str, int] = {}
    for folder in batches(data):
        txn = read(folder, "transactions")
        truth = read(folder, "_truth_fraud")
        flagged = set(txn.loc[txn["is_fraud"] == "true", "transaction_id"])
        assert flagged == set(truth["transaction_id"])
        for pattern, count in truth["pattern"].value_counts().items():
            total[pattern] = total.get(pattern, 0) + int(count)
    expected = {k: v for k, v in doc["truths"]["fraud"]["by_pattern"].items() if v}
    assert total == expected
    rate = doc["truths"]["fraud"]["rate_of_card_transactions"]
    assert 0.008 < rate < 0.03


def test_balances_reconcile_with_clean_transactions(data: Path) -> None:
    history = []
    for folder in batches(data):
        meta = json.loads((folder / "batch.json").read_text())
        as_of = pd.Timestamp(meta["as_of"])
        known = _known_ids(data, folder)
        txn = read(folder, "transactions").drop_duplicates()
        txn["_as_of"] = as_of  # a future timestamp is judged against its own batch
        history.append(txn)
        rows = pd.concat(history).drop_duplicates("transaction_id", keep="last")
        required = ["account_id", "transaction_time", "amount", "transaction_type", "status"]
        rows = rows.dropna(subset=required)
        rows = rows[rows[required].apply(lambda s: s.str.strip() != "").all(axis=1)]
        kind = _canonical("transaction_type", rows["transaction_type"])
        amount = pd.to_numeric(rows["amount"])
        debit = kind.isin(DEBIT_TYPES)
        rows = rows[(amount != 0) & ~(debit & (amount > 0)) & ~(~debit & (amount < 0))]
        rows = rows[pd.to_datetime(rows["transaction_time"], format="ISO8601") <= rows["_as_of"]]
        rows = rows[rows["account_id"].isin(known["account_id"])]
        rows = rows[_canonical("status", rows["status"]) == "approved"]
        net = (
            (pd.to_numeric(rows["amount"]) - pd.to_numeric(rows["fee_amount"]))
            .groupby(rows["account_id"])
            .sum()
        )
        acc = read(folder, "accounts").drop_duplicates("account_id")
        expected = (
            pd.to_numeric(acc["opening_balance"]) + acc["account_id"].map(net).fillna(0).to_numpy()
        )
        diff = (expected - pd.to_numeric(acc["current_balance"])).abs()
        assert (diff < 0.005).all(), acc.loc[
            diff >= 0.005, ["account_id", "current_balance"]
        ].head()


def test_advance_window_has_only_later_events_and_updates(data: Path) -> None:
    first, second = batches(data)[:2]
    prev_as_of = pd.Timestamp(json.loads((first / "batch.json").read_text())["as_of"])
    as_of = pd.Timestamp(json.loads((second / "batch.json").read_text())["as_of"])
    doc = manifest(data)
    resent = {
        r["transaction_id"]
        for r in doc["batches"][1]["changes"]["resent_transactions"].get("transactions", [])
    }
    for table, column in TIME_COLUMN.items():
        frame = read(second, table).dropna(subset=[column])
        if table == "transactions":
            frame = frame[~frame["transaction_id"].isin(resent)]
        times = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        in_window = (times > prev_as_of) & (times <= as_of)
        future = times > as_of
        assert in_window.sum() > 0 and (in_window | future).all(), table
    before = read(first, "customers").drop_duplicates("customer_id").set_index("customer_id")
    after = read(second, "customers").drop_duplicates("customer_id").set_index("customer_id")
    updated = pd.to_datetime(after["updated_at"], format="ISO8601") > prev_as_of
    changed = after.index[updated].intersection(before.index)
    assert len(changed) > 0
    deleted = set(doc["batches"][1]["changes"]["deleted_customers"])
    assert deleted and not deleted & set(after.index)
    new = after.index.difference(before.index)
    assert (pd.to_datetime(after.loc[new, "created_at"], format="ISO8601") > prev_as_of).all()


def test_churn_truth_and_campaign_truths(data: Path) -> None:
    doc = manifest(data)
    churn = doc["truths"]["churn"]["per_batch"]["b0001"]
    # the hazard sets a yearly rate (target 17%); the default window spans two years
    run = doc["parameters"]["run"]
    years = (pd.Timestamp(run["end_date"]) - pd.Timestamp(run["start_date"])).days / 365.25
    assert 0.10 <= 1 - (1 - churn["rate"]) ** (1 / years) <= 0.25, (churn, years)
    truth = read(batches(data)[0], "_truth_churn")
    assert (truth["is_churner"] == "true").sum() == churn["churners"]
    customers = (
        read(batches(data)[0], "customers").drop_duplicates("customer_id").set_index("customer_id")
    )
    churners = truth.loc[truth["is_churner"] == "true", "customer_id"]
    status = _canonical("customer_status", customers.loc[churners, "customer_status"].dropna())
    assert status.isin(["inactive", "closed"]).all()
    cmp = doc["truths"]["campaigns"]["CMP001"]
    assert cmp["randomised"] and cmp["true_conversion_uplift_pp"] > 0
    assert cmp["treatment_customers"] > 0 and cmp["control_customers"] > 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--customers", "-5"],
        ["--transactions", "-1"],
        ["--start-date", "2023-12-31", "--end-date", "2023-01-01"],
        ["--defect-rate", "0.9"],
        ["--start-date", "yesterday"],
        ["--customers", "many"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, [*argv, "--out-dir", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_advance_needs_an_initial_run_and_initial_needs_reset(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--advance-days", "5", "--out-dir", str(tmp_path / "empty")]) == 2
    assert "run an initial generation first" in capsys.readouterr().err
    assert run(main, ["--out-dir", str(data)]) == 2
    assert "--reset" in capsys.readouterr().err


def test_columns_of_the_contract_have_no_label_leak() -> None:
    names = {c.name for t in TABLES_BY_NAME.values() for c in t.columns}
    assert not {n for n in names if "fraud_score" in n or "risk_score" in n}
    assert np.isfinite(1.0)


def test_advances_without_new_accounts_keep_the_state_usable(tmp_path: Path) -> None:
    # a day without signups adds no accounts; the month-end fees of a later advance
    # index the product table with the state's product_idx, which must stay an integer
    out = tmp_path / "data"
    generate(out)
    for _ in range(2):
        assert main(["--advance-days", "1", "--out-dir", str(out), "--log-level", "WARNING"]) == 0
    signups = [batch["changes"]["new_customers"] for batch in manifest(out)["batches"][1:]]
    assert 0 in signups, "the scenario needs an advance without new customers"
    assert main(["--advance-days", "31", "--out-dir", str(out), "--log-level", "WARNING"]) == 0
    accounts = pd.read_parquet(out / "state" / "accounts.parquet")
    assert accounts["product_idx"].dtype == np.int64
