"""Every invalid argument of every public entry point raises a TypeError/ValueError that names
the argument, the expected and the received value (one test per case)."""

from __future__ import annotations

import pytest

from ltc_ref.verify.invalid_calls import INVALID_CALLS, run_invalid_call


@pytest.mark.parametrize("case", INVALID_CALLS, ids=[c.name for c in INVALID_CALLS])
def test_invalid_call_raises_named_error(case):
    with pytest.raises(case.exc, match=case.match):
        case.call()


def test_run_invalid_call_reports_a_missing_error():
    """The verify report's runner must notice a call that does not raise."""
    from ltc_ref.verify.invalid_calls import InvalidCall

    problem = run_invalid_call(InvalidCall("no error", lambda: None, ValueError, "x"))
    assert "did not raise" in problem
    problem = run_invalid_call(
        InvalidCall("wrong text", lambda: (_ for _ in ()).throw(ValueError("y")), ValueError, "x")
    )
    assert "does not match" in problem
