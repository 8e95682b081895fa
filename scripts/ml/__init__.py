"""Machine learning on gold: churn and fraud classifiers and k-means customer segments.

`python -m scripts.ml.train` (make ml) reads the feature models of gold
(gold.features_customer_month, gold.features_transaction_risk, gold.fact_transactions),
trains with a time-based split, and writes scores back to gold.ml_* tables that the
analytics models join. Modules: tables (DDL and writers), features (reads), churn, fraud,
segments (one model each), registry (model cards and gold.ml_model_runs), train (CLI).
"""
