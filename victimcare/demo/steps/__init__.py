"""The demo steps. Importing a module registers its step; add new capabilities here."""

from . import crimes, messages, organisations, people, reference

__all__ = ["crimes", "messages", "organisations", "people", "reference"]
