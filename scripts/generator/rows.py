"""The in-memory form of transaction rows before they are formatted for the CSV file.

Columns are numpy arrays of codes and integers (cents, epoch seconds, row numbers), which
keeps generation vectorised and cheap; ``writer.transactions_table`` turns them into text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

DESCRIPTIONS = (
    "POS PURCHASE",
    "ONLINE PURCHASE",
    "ATM WITHDRAWAL",
    "BRANCH WITHDRAWAL",
    "CASH DEPOSIT",
    "MOBILE CHECK DEPOSIT",
    "TRANSFER IN",
    "TRANSFER OUT",
    "CARD PAYMENT",
    "MERCHANT REFUND",
    "SALARY",
    "PENSION",
    "BENEFIT",
    "ALLOWANCE",
    "STANDING ORDER",
    "MONTHLY MAINTENANCE FEE",
    "OVERDRAFT FEE",
    "LOAN REPAYMENT",
    "ACCOUNT CLOSURE",
)
DESC = {name: i for i, name in enumerate(DESCRIPTIONS)}


@dataclass
class TxnRows:
    time_s: np.ndarray
    cust: np.ndarray
    acc: np.ndarray
    merch: np.ndarray
    amount: np.ndarray
    ttype: np.ndarray
    channel: np.ndarray
    card_present: np.ndarray
    status: np.ndarray
    decline: np.ndarray
    fee: np.ndarray
    device: np.ndarray
    ip: np.ndarray
    desc: np.ndarray
    pattern: np.ndarray  # fraud pattern index or -1
    created_s: np.ndarray
    closing: np.ndarray  # account-closing postings are kept free of defects

    SMALL = (
        "ttype",
        "channel",
        "card_present",
        "status",
        "decline",
        "ip",
        "desc",
        "pattern",
        "closing",
    )

    def __post_init__(self) -> None:
        # codes travel as int8: a third of the memory traffic of sorting and filtering
        for name in self.SMALL:
            value = getattr(self, name)
            if value.dtype != np.int8:
                setattr(self, name, value.astype(np.int8))

    def __len__(self) -> int:
        return len(self.time_s)

    def take(self, index: np.ndarray) -> TxnRows:
        return TxnRows(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def empty(cls) -> TxnRows:
        return cls(**{f.name: np.zeros(0, dtype=np.int64) for f in fields(cls)})

    @classmethod
    def concat(cls, parts: list[TxnRows]) -> TxnRows:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )


def postings(
    time_s: np.ndarray,
    cust: np.ndarray,
    acc: np.ndarray,
    amount: np.ndarray,
    ttype: int,
    channel: int,
    desc: int | np.ndarray,
    closing: bool = False,
) -> TxnRows:
    """Rows posted by the bank itself (salary, standing orders, fees, repayments, closures)."""
    n = len(time_s)
    minus1 = np.full(n, -1, dtype=np.int64)
    return TxnRows(
        time_s=time_s.astype(np.int64),
        cust=cust.astype(np.int64),
        acc=acc.astype(np.int64),
        merch=minus1,
        amount=amount.astype(np.int64),
        ttype=np.full(n, ttype, dtype=np.int64),
        channel=np.full(n, channel, dtype=np.int64),
        card_present=np.zeros(n, dtype=np.int64),
        status=np.zeros(n, dtype=np.int64),
        decline=minus1.copy(),
        fee=np.zeros(n, dtype=np.int64),
        device=minus1.copy(),
        ip=minus1.copy(),
        desc=np.broadcast_to(np.asarray(desc, dtype=np.int64), (n,)).copy(),
        pattern=minus1.copy(),
        created_s=time_s.astype(np.int64),
        closing=np.full(n, closing, dtype=np.int64),
    )
