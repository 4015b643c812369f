"""Ingest: raw dumps (text, JSON, JSONL) read, cleaned and written to the Parquet lake."""
