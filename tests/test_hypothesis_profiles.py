"""The hypothesis profiles do what tests/conftest.py says: local runs explore (fresh examples
every run), CI runs are bounded and reproducible."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import default_profile


def test_the_default_profile_follows_the_environment():
    assert default_profile({}) == "local"
    assert default_profile({"CI": "true"}) == "ci"
    assert default_profile({"CI": "1"}) == "ci"
    assert default_profile({"CI": "false"}) == "local"
    assert default_profile({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}) == "dev"


def test_local_profiles_explore_and_ci_is_reproducible():
    assert settings.get_profile("local").derandomize is False
    assert settings.get_profile("dev").derandomize is False
    assert settings.get_profile("dev").max_examples > settings.get_profile("local").max_examples
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.database is None
    assert all(settings.get_profile(n).print_blob for n in ("ci", "local", "dev"))


def test_this_run_uses_the_profile_of_its_environment():
    """Unless a profile was chosen on the command line, this process loaded the profile its
    environment selects: derandomised exactly when it is the CI profile."""
    name = default_profile(os.environ)
    assert settings.default.derandomize == settings.get_profile(name).derandomize


def test_two_local_runs_draw_different_examples():
    """Outside derandomisation, two runs of the same property draw different examples (the
    chance that 20 draws of a 64-bit integer repeat exactly is nil)."""
    runs = []
    for _ in range(2):
        drawn = []

        @settings(settings.get_profile("local"), max_examples=20, database=None)
        @given(st.integers(0, 2**64))
        def prop(n):
            drawn.append(n)  # noqa: B023 - each prop runs before the next loop iteration

        prop()
        runs.append(drawn)
    assert runs[0] != runs[1]
