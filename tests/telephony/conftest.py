import pytest

from tests.support.sip import stop_peers


@pytest.fixture(autouse=True)
def _stop_sip_peers():
    """No sipp peer outlives its test (a failed test would leave one holding its port)."""
    yield
    stop_peers()
