"""Staff log in with a password and a second factor; without the second factor no staff page opens."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticToken

from ecoute.accounts import twofactor
from ecoute.accounts.models import Role
from ecoute.lib.source import SCOPE_KEY, KeySource
from tests.support.cast import PASSWORD, make_psychologist
from tests.support.contacts import make_staff
from tests.support.twofactor import current_code, give_authenticator, log_in

pytestmark = pytest.mark.django_db
# Pages anyone may open: the caller's app, the public figures, the login steps themselves.
PUBLIC_PREFIXES = (
    "/connexion/",
    "/deconnexion/",
    "/tableau/",
    "/hors-ligne/",
    "/manifest",
    "/sw.js",
    "/chiffres/",
    "/api/stats/public",
    "/api/openapi.json",
    "/api/docs",
    "/media/",
    "/orientation",
    "/programme/",  # the agenda, events, registration and certificate check (staff: /espace/programme/)
    "/annuaire",
    "/api/directory/",
    "/jsi18n/",
    "/i18n/setlang/",
    "/admin/logout/",
    "/a-propos/",
    "/mentions-legales/",
    "/confidentialite/",
    # Self-help: the sheets, the testimonies (reading, writing, following), answering studies.
    "/ressources/",
    "/temoignages/",
    # A psychologist's shifts for their calendar app: the secret key in the address is the only proof.
    "/gardes/",
    # A caller agreeing to a follow-up their psychologist proposed (ecoute/followup).
    "/appel/suivi/",
)
# Public pages whose path also starts staff ones (/auto-tests/chiffres/, /etudes/gestion/).
PUBLIC_ROUTES = {"/auto-tests/", "/etudes/"}


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def staff_routes():
    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield "/" + prefix + str(entry.pattern)

    for route in walk(get_resolver()):
        if (
            "<" in route
            or "(?" in route
            or "^" in route
            or route == "/"
            or route in PUBLIC_ROUTES
            or route.startswith(PUBLIC_PREFIXES)
        ):
            continue
        yield route


def password_only(client, user):
    client.force_login(user)  # what a session would hold after the password, had it been logged in then
    return client


def test_no_staff_page_opens_with_a_password_alone(client):
    routes = list(staff_routes())
    assert {"/espace/", "/statistiques/", "/espace/fiches/", "/admin/"} <= set(routes)
    for user in (make_psychologist("Claire"), make_staff(Role.STATISTICIAN), make_staff(Role.SUPERVISOR)):
        password_only(client, user)
        for route in routes:
            response = client.get(route)
            assert response.status_code in (302, 401, 403, 404, 405), (route, response.status_code)
            if response.status_code == 302:
                location = response["Location"]
                if location.startswith("/admin/login/"):  # the admin's login sends on to the staff login
                    location = client.get(location)["Location"]
                assert location.startswith("/connexion/"), route


def test_logging_in_takes_the_password_then_the_code(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code, tested by django-otp
    claire = make_psychologist("Claire")
    device = give_authenticator(claire)
    client = Client()
    step = client.post(
        "/connexion/", {"username": claire.username, "password": PASSWORD, "next": "/espace/fiches/"}
    )
    assert step.status_code == 302 and step["Location"] == "/connexion/verification/"
    assert client.get("/espace/").status_code == 302  # not logged in yet
    wrong = client.post(
        "/connexion/verification/", {"token": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "Code incorrect" in wrong.content.decode()
    done = client.post("/connexion/verification/", {"token": current_code(device)})
    assert done.status_code == 302 and done["Location"] == "/espace/fiches/"
    assert client.get("/espace/").status_code == 200


def test_a_first_login_pairs_an_app_and_gives_recovery_codes_that_work_once():
    karim = make_psychologist("Karim")
    client = Client()
    client.post("/connexion/", {"username": karim.username, "password": PASSWORD})
    page = client.get("/connexion/activation/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = karim.totpdevice_set.get(confirmed=False)
    shown = client.post("/connexion/activation/", {"token": current_code(device)})
    codes = list(StaticToken.objects.filter(device__user=karim).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in shown.content.decode() for code in codes)
    assert client.get("/espace/").status_code == 200

    for attempt in (1, 2):
        other = Client()
        other.post("/connexion/", {"username": karim.username, "password": PASSWORD})
        response = other.post("/connexion/verification/", {"token": codes[0]})
        assert (response.status_code == 302) is (attempt == 1)


def test_after_wrong_passwords_an_account_asks_for_both_factors_at_once(settings):
    claire = make_psychologist("Claire")
    client = Client()
    for _ in range(settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT):
        assert (
            "incorrect"
            in client.post("/connexion/", {"username": claire.username, "password": "non"}).content.decode()
        )
    alone = client.post("/connexion/", {"username": claire.username, "password": PASSWORD})
    assert (
        alone.status_code == 200
        and "en même temps" in alone.content.decode()
        and 'name="token"' in alone.content.decode()
    )
    assert "ecoute.pending_login" not in client.session and "_auth_user_id" not in client.session


async def test_every_request_gets_a_keyed_hash_of_its_source_and_never_the_address(settings):
    seen = {}

    async def app(scope, receive, send):
        seen[scope["path"]] = scope.get(SCOPE_KEY)

    wrapper = KeySource(app)
    for path in ("/connexion/", "/espace/"):
        await wrapper(
            {"type": "http", "path": path, "client": ("203.0.113.7", 5555), "headers": []}, None, None
        )
    await wrapper({"type": "http", "path": "/", "client": ("203.0.113.8", 5555), "headers": []}, None, None)
    assert seen["/connexion/"] == seen["/espace/"] != seen["/"]
    assert len(seen["/connexion/"]) == 32 and "203" not in seen["/connexion/"]


async def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(settings):
    from ecoute.lib.source import client_address

    forwarded = [(b"x-forwarded-for", b"198.51.100.1, 203.0.113.9")]
    assert client_address({"client": ("10.0.0.5", 1), "headers": forwarded}) == "10.0.0.5"
    settings.ECOUTE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The proxy appends what it saw; what came before is the client's own word.
    assert client_address({"client": ("10.0.0.5", 1), "headers": forwarded}) == "203.0.113.9"
    assert client_address({"client": ("198.51.100.7", 1), "headers": forwarded}) == "198.51.100.7"


async def test_the_address_throttle_counts_one_address_across_accounts(settings):
    from ecoute.accounts import throttle

    settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS = 3
    for name in ("a", "b", "c"):
        await asyncio.to_thread(throttle.failed, name, "hash-of-an-address")
    assert await asyncio.to_thread(throttle.source_wait, "hash-of-an-address") == 0  # takes the one slot
    assert await asyncio.to_thread(throttle.source_wait, "hash-of-an-address") >= 1
    assert await asyncio.to_thread(throttle.source_wait, "hash-of-another") == 0


@pytest.mark.django_db(transaction=True)
async def test_the_workspace_socket_refuses_a_session_without_the_second_factor():
    from asgiref.sync import sync_to_async

    from ecoute.asgi import application

    claire = await sync_to_async(make_psychologist)("Claire")
    cookie = await sync_to_async(lambda: password_only(Client(), claire).cookies["sessionid"].value)()
    socket = WebsocketCommunicator(
        application,
        "/ws/workspace/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await socket.connect(timeout=5)
    assert not connected
    verified = await sync_to_async(lambda: log_in(Client(), claire).cookies["sessionid"].value)()
    socket = WebsocketCommunicator(
        application,
        "/ws/workspace/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", f"sessionid={verified}".encode())],
    )
    connected, _ = await socket.connect(timeout=5)
    assert connected
    await socket.disconnect()


def test_a_verified_session_is_recognised_only_for_its_own_user():
    claire, karim = make_psychologist("Claire"), make_psychologist("Karim")
    session = log_in(Client(), claire).session
    assert twofactor.session_is_verified(claire, session)
    assert not twofactor.session_is_verified(karim, session)
    assert not twofactor.session_is_verified(claire, {})


def test_new_recovery_codes_replace_the_old_ones(client):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    old = twofactor.new_recovery_codes(claire)
    assert "Générer de nouveaux codes de secours" in client.get("/espace/fiches/").content.decode()
    page = client.post("/compte/codes-de-secours/").content.decode()
    new = list(StaticToken.objects.filter(device__user=claire).values_list("token", flat=True))
    assert len(new) == 10 and all(code in page for code in new) and not set(old) & set(new)
