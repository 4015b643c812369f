"""Quality: expectation suites gating each stage, Data Docs and the quality dashboard."""
