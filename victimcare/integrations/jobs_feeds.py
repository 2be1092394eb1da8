"""Periodic jobs of the feeds part of issue 10 (registered with core.scheduler.periodic)."""
