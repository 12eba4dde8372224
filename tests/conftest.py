"""Shared test configuration.

Hypothesis profiles (select one with ``HYPOTHESIS_PROFILE=NAME`` or
``pytest --hypothesis-profile=NAME``):

* ``local`` — the default outside CI: 25 examples per property, **fresh random examples every
  run** (that is how property tests find what nobody thought of), failures remembered in the local
  ``.hypothesis/`` database and replayed first next time.
* ``ci`` — the default when the ``CI`` environment variable is set (``.ci/run`` sets it): the same
  25 examples, derandomised (the same examples on every run, so CI is reproducible and bounded), no
  database.
* ``dev`` — 300 random examples per property, for a long local run.

A failing example is printed with the ``@reproduce_failure(...)`` decorator that replays it
(``print_blob``); the report header says which profile ran.

Tests run in float64 unless they test float32 on purpose.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", max_examples=25, derandomize=True, database=None, **_COMMON)
settings.register_profile("local", max_examples=25, derandomize=False, **_COMMON)
settings.register_profile("dev", max_examples=300, derandomize=False, **_COMMON)


def default_profile(environ=os.environ) -> str:
    """``HYPOTHESIS_PROFILE`` if set, else ``"ci"`` when ``CI`` is set (to anything but an empty
    string, ``0`` or ``false``), else ``"local"``."""
    if environ.get("HYPOTHESIS_PROFILE"):
        return environ["HYPOTHESIS_PROFILE"]
    in_ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return "ci" if in_ci else "local"


settings.load_profile(default_profile())


def pytest_report_header(config):
    s = settings.default
    how = (
        "derandomized: the same examples every run"
        if s.derandomize
        else "fresh random examples every run; a failure prints @reproduce_failure(...) to replay"
    )
    name = getattr(settings, "get_current_profile_name", lambda: "?")()  # hypothesis >= 6.1xx
    return f"hypothesis profile: {name} ({s.max_examples} examples, {how})"


@pytest.fixture
def rng():
    """A fresh, seeded generator per test."""
    return np.random.default_rng(12345)
