"""Fixtures of the text family tests (helpers live in text_helpers.py)."""
from text_helpers import text_files  # noqa: F401  (fixture)
