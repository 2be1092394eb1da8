"""Periodic jobs of the webhooks part of issue 10 (registered with core.scheduler.periodic)."""
