"""Fault scenarios: killed workers, a restarted Redis, dead consumers, poison documents."""
