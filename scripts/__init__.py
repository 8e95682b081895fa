"""Python side of financial_analytics: data generation, loading, database control, ML."""
