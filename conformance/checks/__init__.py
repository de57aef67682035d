"""Checks: the DuckDB database and its typed views, formats, the schema compiler and its row-wise
fallback, row and dataset rules, and the checks of the files themselves."""
