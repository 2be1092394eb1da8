"""The demo steps. Importing a module registers its step; add new capabilities here."""

from . import crimes, organisations, people, reference

__all__ = ["crimes", "organisations", "people", "reference"]
