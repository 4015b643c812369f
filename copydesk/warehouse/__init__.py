"""The warehouse: sql/ models built in DuckDB, one plan per night, generations published."""
