"""Synthetic source systems of a retail bank: the engine behind ``python -m scripts.generate``.

One module per job: parameters and reference data, the population (products, merchants,
customers, accounts), the event generators (transactions, postings, loans, service events,
campaigns), fraud and churn truths, defect injection, CSV writing and state between batches.
"""
