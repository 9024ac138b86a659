"""The suite's own guard rails: every test has a deadline, and the contract gate is honest."""

from __future__ import annotations

import pytest

from tests import contract


def test_every_test_runs_under_a_per_test_timeout(pytestconfig: pytest.Config) -> None:
    # A hang must fail with a traceback, never stall CI (pytest-timeout, addopts).
    assert pytestconfig.pluginmanager.hasplugin("timeout")
    assert 0 < float(pytestconfig.getoption("timeout")) <= 300


def test_contract_gate_matches_the_files_beside_the_clone() -> None:
    present = contract.SPEC_PATH.is_file() and contract.REST_SPEC_PATH.is_file()
    assert present == contract.VENDOR_FILES_PRESENT
    assert str(contract.VENDOR_DIR) in contract.VENDOR_FILES_MISSING_REASON


def test_contract_checks_never_skip_from_inside_a_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the vendor files a check is a no-op: raising `Skipped` inside an HTTP
    # handler is caught by the frameworks and turns into unrelated failures.
    monkeypatch.setattr(contract, "VENDOR_FILES_PRESENT", False)
    # They return quietly: a `Skipped` or an `AssertionError` here fails the test.
    assert contract.check_request({"not": "a request"}) is None
    assert contract.check_error({"detail": "nope"}) is None


@contract.requires_vendor_files
def test_contract_checks_fail_a_bad_body_when_the_files_are_there() -> None:
    with pytest.raises(AssertionError, match="breaks the gateway contract"):
        contract.check_request({"not": "a request"})
