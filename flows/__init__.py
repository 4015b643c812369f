"""The Prefect flows: the nightly run and its schedule, composed from the copydesk package."""
