"""Login throttling slows attackers down without locking the owner out, keys sources as configured,
and survives a cache that does not answer. Requests go through the production ASGI application."""

import math
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from ecoute.accounts import throttle
from ecoute.lib import source
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.asgi_browser import AsgiBrowser
from tests.support.cast import PASSWORD, make_psychologist
from tests.support.twofactor import current_code, give_authenticator

# The application answers on its own threads and database connections, as on a server.
pytestmark = pytest.mark.django_db(transaction=True)
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"
DEAD_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


@pytest.fixture(autouse=True)
def clean_cache(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code, tested by django-otp
    cache.clear()
    throttle._local.clear()
    yield
    cache.clear()
    throttle._local.clear()


class Burst(list):
    """The statuses of a burst of attempts, and how long it took."""

    seconds: float = 0.0

    def most_checked(self, free: int) -> int:
        """What the throttle may let through in that time: the free ones, then one per delay of 1, 2, 4… s."""
        return free + 1 + int(math.log2(self.seconds + 1))


def hammer(browser: AsgiBrowser, usernames, forwarded=None) -> Burst:
    """One wrong password per name, as fast as possible; the answers' statuses."""
    statuses, started = Burst(), time.monotonic()
    for number, username in enumerate(usernames):
        headers = [("x-forwarded-for", forwarded(number))] if forwarded else []
        statuses.append(
            browser.post("/connexion/", {"username": username, "password": "devine"}, headers).status
        )
    statuses.seconds = time.monotonic() - started
    return statuses


def test_rotating_x_forwarded_for_from_an_untrusted_peer_counts_as_one_source(settings):
    settings.ECOUTE_TRUSTED_PROXIES = []
    settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS = 5
    statuses = hammer(
        AsgiBrowser(ATTACKER), [f"inconnu{n}" for n in range(25)], forwarded=lambda n: f"192.0.2.{n + 1}"
    )
    # Without the fix, each forged header was a new source: 25 of 25 checked.
    assert (
        6 <= statuses.count(200) <= statuses.most_checked(5)
        and statuses.count(200) + statuses.count(429) == 25
    ), statuses


def test_behind_a_trusted_proxy_each_forwarded_client_is_its_own_source(settings):
    settings.ECOUTE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS = 5
    proxy = AsgiBrowser("10.0.0.2")
    one_client = hammer(proxy, [f"inconnu{n}" for n in range(10)], forwarded=lambda n: "192.0.2.7")
    assert 6 <= one_client.count(200) <= one_client.most_checked(5)
    # Another visitor behind the same proxy is not slowed by the first one.
    assert hammer(proxy, ["autre"], forwarded=lambda n: "192.0.2.8") == [200]


def test_a_hammering_source_waits_longer_and_longer(settings):
    settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS = 3
    attacker = AsgiBrowser(ATTACKER)
    assert hammer(attacker, [f"n{n}" for n in range(3)]) == [200, 200, 200]  # free failures

    def guess():
        return attacker.post("/connexion/", {"username": "x", "password": "devine"})

    def let_through() -> tuple[float, float]:
        """When the first attempt let through again was sent, and when its answer came."""
        while True:
            sent = time.monotonic()
            answer = guess()
            if answer.status != 429:
                return sent, time.monotonic()
            time.sleep(0.2)  # the slot opens again once the delay is over, not before

    # Lower bounds only, which no slowness of the machine can break: an attempt let through takes
    # the slot for the delay its failures earned (2 s, then 4 s); the next one is answered after it.
    # The 1 s slot of the first failure past the free ones is let through and not checked: an
    # answer and the next request can take a second on a busy machine, and find the slot open.
    let_through()
    previous_sent, _ = let_through()
    for delay in (2, 4):
        refused = guess()
        assert refused.status == 429 and "réessayez dans" in refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= delay
        sent, answered = let_through()
        assert answered - previous_sent >= delay
        previous_sent = sent
    assert [throttle.delay_after(n, 3) for n in range(3, 8)] == [1, 2, 4, 8, 16]
    settings.ECOUTE_LOGIN_DELAY_CAP_SECONDS = 60
    assert throttle.delay_after(40, 3) == 60


def test_the_owner_gets_in_with_password_and_code_while_an_attacker_hammers_the_account(settings):
    claire = make_psychologist("Claire")
    device = give_authenticator(claire)
    attacker = AsgiBrowser(ATTACKER)
    checked = lambda: SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED, actor=claire).count()  # noqa: E731
    assert set(hammer(attacker, [claire.username] * 30)) == {200}
    # Past the account's free failures a password alone is not even checked: nothing to learn from it.
    assert checked() == settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT
    guess = attacker.post("/connexion/", {"username": claire.username, "password": PASSWORD})
    assert "en même temps" in guess.text and attacker.get("/espace/").status == 302
    # Guessing password and code together: the source is slowed after its own free failures.
    statuses = [
        attacker.post(
            "/connexion/", {"username": claire.username, "password": "devine", "token": "123456"}
        ).status
        for _ in range(30)
    ]
    assert statuses.count(429) >= 30 - settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS
    assert (
        checked()
        <= settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT + settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS + 1
    )

    owner = AsgiBrowser(OWNER)
    asked = owner.post("/connexion/", {"username": claire.username, "password": PASSWORD})
    assert asked.status == 200 and 'name="token"' in asked.text and "en même temps" in asked.text
    wrong_code = owner.post(
        "/connexion/",
        {
            "username": claire.username,
            "password": PASSWORD,
            "token": "12345" + ("7" if current_code(device)[-1] != "7" else "8"),
        },
    )
    assert wrong_code.status == 200 and "incorrect" in wrong_code.text
    inside = owner.post(
        "/connexion/", {"username": claire.username, "password": PASSWORD, "token": current_code(device)}
    )
    assert inside.status == 302 and inside.headers["location"] == "/espace/"
    assert owner.get("/espace/").status == 200

    kinds = list(SecurityEvent.objects.filter(actor=claire).values_list("kind", flat=True))
    assert (
        SecurityEventKind.LOGIN in kinds
        and SecurityEventKind.LOGIN_FAILED in kinds
        and SecurityEventKind.LOGIN_THROTTLED in kinds
    )


def test_a_cache_that_does_not_answer_never_fails_a_login_and_limits_hold_per_process(settings):
    claire = make_psychologist("Claire")
    device = give_authenticator(claire)
    settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS = 3
    source._keys.clear()  # the day's key must be unreachable too, as after a restart during the outage
    with override_settings(CACHES=DEAD_REDIS):
        with pytest.raises(Exception):
            cache.get("anything")  # really down
        owner = AsgiBrowser(OWNER)
        step = owner.post("/connexion/", {"username": claire.username, "password": PASSWORD})
        assert step.status == 302 and step.headers["location"] == "/connexion/verification/"
        done = owner.post("/connexion/verification/", {"token": current_code(device)})
        assert done.status == 302 and owner.get("/espace/").status == 200
        statuses = hammer(AsgiBrowser(ATTACKER), [f"n{n}" for n in range(8)])
    assert 500 not in statuses and 4 <= statuses.count(200) <= statuses.most_checked(3) and 429 in statuses
