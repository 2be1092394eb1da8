"""Periodic jobs of the uploads part of issue 10 (registered with core.scheduler.periodic)."""
