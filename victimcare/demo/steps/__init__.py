"""The demo steps. Importing a module registers its step; add new capabilities here."""

from . import organisations, people, reference

__all__ = ["organisations", "people", "reference"]
