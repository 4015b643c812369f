"""Synthetic nights of crawled news, deterministic per seed, for benchmarks and tests."""

from copydesk.synth.night import DEVSET, synth

__all__ = ["DEVSET", "synth"]
