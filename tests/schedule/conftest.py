"""The legal room's fixtures, for the order clocks."""

from tests.legal.conftest import legal_store  # noqa: F401  (a fixture, used by name)
