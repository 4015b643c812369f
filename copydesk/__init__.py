"""Copydesk: a nightly warehouse for news articles."""
