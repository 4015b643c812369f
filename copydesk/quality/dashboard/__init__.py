"""The quality dashboard: static HTML over the run history and the published warehouse."""

from copydesk.quality.dashboard.site import build_dashboard, collect, serve

__all__ = ["build_dashboard", "collect", "serve"]
