"""The version of ltc-ref (one place; the package facade and the checkpoints read it)."""

__version__ = "0.1.0"
