"""Running it: webhook, health, metrics, stop, logs, packaging (issue 10)."""
