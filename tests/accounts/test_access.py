"""Who may do what is decided in ecoute/accounts/access.py only: its role sets and predicates are what
every staff page, websocket and template obeys, and no other module or template compares a role."""

import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from ecoute.accounts import access
from ecoute.accounts.models import Role
from ecoute.asgi import application
from tests.support.cast import make_psychologist
from tests.support.contacts import make_staff
from tests.support.sockets import ORIGIN
from tests.support.twofactor import log_in, verified_session_cookie

ROOT = Path(__file__).resolve().parents[2]
# The role sets of access.py: LISTENING_ROLES, SUPERVISION_ROLES...
ROLE_SETS = {value for name, value in vars(access).items() if name.endswith("_ROLES")}
# Where the staff pages live; every route under them must say which roles it opens to. (Public
# pages, the login screens, the admin and the API live elsewhere, under their own guards.)
STAFF_AREAS = ("espace/", "supervision/", "statistiques/")


def cast() -> dict:
    supervisor_on_the_line = make_psychologist("Hélène")
    supervisor_on_the_line.role = Role.SUPERVISOR
    supervisor_on_the_line.save()
    superuser = make_staff(Role.PSYCHOLOGIST, "Root")
    superuser.is_superuser = True
    superuser.save()
    return {
        "psychologist": make_psychologist("Claire"),
        "psychologist without profile": make_staff(Role.PSYCHOLOGIST, "Nina"),
        "supervisor": supervisor_on_the_line,
        "supervisor off the line": make_staff(Role.SUPERVISOR, "Paul"),
        "statistician": make_staff(Role.STATISTICIAN, "Stat"),
        "administrator": make_staff(Role.ADMINISTRATOR, "Admin"),
        "superuser": superuser,
    }


# What each member of the cast is, question by question.
EXPECTED = {
    "psychologist": {"is_listener", "records_calls"},
    "psychologist without profile": {"records_calls"},
    "supervisor": {
        "is_listener",
        "records_calls",
        "supervises",
        "reads_every_record",
        "reads_statistics",
        "plans_rota",
    },
    "supervisor off the line": {
        "records_calls",
        "supervises",
        "reads_every_record",
        "reads_statistics",
        "plans_rota",
    },
    "statistician": {"reads_statistics"},
    "administrator": {"reads_statistics", "is_administrator"},
    "superuser": {"records_calls", "is_administrator"},
}
PREDICATES = [
    "is_listener",
    "records_calls",
    "supervises",
    "reads_every_record",
    "reads_statistics",
    "plans_rota",
]


@pytest.mark.django_db
def test_each_role_gets_what_the_predicates_say():
    for name, user in cast().items():
        answers = {
            predicate for predicate in [*PREDICATES, "is_administrator"] if getattr(access, predicate)(user)
        }
        assert answers == EXPECTED[name], name
    anonymous = AnonymousUser()
    assert not any(getattr(access, predicate)(anonymous) for predicate in PREDICATES)


def staff_routes(resolver=None, prefix="", namespace=""):
    """(name, route, view) of every route of the staff areas."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from staff_routes(entry, route, inner)
        elif isinstance(entry, URLPattern) and route.startswith(STAFF_AREAS):
            yield f"{namespace}{entry.name}", route, entry.callback


def test_every_staff_page_takes_its_roles_from_a_set_of_access():
    routes = list(staff_routes())
    assert len(routes) >= 14, routes  # the workspace, supervision, records, notes, statistics, panel...
    for name, route, view in routes:
        assert getattr(view, "allowed_roles", None) in ROLE_SETS, f"{name} ({route}) has no rule of access.py"


@pytest.mark.django_db
def test_each_staff_page_opens_to_exactly_the_roles_of_its_set():
    """A page a role may open answers it; any other staff member is refused (403), never served."""
    members = cast()
    pages = {
        "calls:workspace": "/espace/",
        "calls:supervision": "/supervision/",
        "contacts:records": "/espace/fiches/",
        "stats:dashboard": "/statistiques/",
    }
    views = {name: view for name, _, view in staff_routes()}
    for name, url in pages.items():
        for who, user in members.items():
            status = log_in(Client(), user).get(url).status_code
            allowed = access.has_role(user, views[name].allowed_roles)
            if name == "calls:workspace":
                allowed = access.is_listener(user)
            assert (status == 200) == allowed and status in (200, 403), (name, who, status)


async def socket_opens(path: str, user) -> bool:
    cookie = await database_sync_to_async(verified_session_cookie)(user)
    headers = [ORIGIN, (b"cookie", f"sessionid={cookie}".encode())]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect(timeout=5)
    await socket.disconnect()
    return connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_staff_websockets_open_to_whom_the_predicates_say():
    members = await database_sync_to_async(cast)()
    may = database_sync_to_async(lambda user: (access.is_listener(user), access.supervises(user)))
    for who, user in members.items():
        listens, supervises = await may(user)
        assert await socket_opens("/ws/workspace/", user) == listens, who
        assert await socket_opens("/ws/supervision/", user) == supervises, who


# A role compared anywhere but in access.py: `user.role == ...`, `role__in=[...]`, `Role.SUPERVISOR`...
ROLE_TEST = re.compile(r"\.role\b|\brole__in\b|\bRole\.[A-Z]|\brole\s*(==|!=|in\b|not in\b)")
# Who may name a role: its definition, the place of the rules, and what creates or journals accounts.
MAY_NAME_ROLES = {
    "ecoute/accounts/models.py",
    "ecoute/accounts/access.py",
    "ecoute/accounts/admin.py",  # journals a role change
    "ecoute/calls/simulator/simulation.py",  # creates its simulated psychologists
    "ecoute/selfhelp/demo.py",  # creates the demo's editor and moderator accounts
}


def python_sources():
    for path in sorted((ROOT / "ecoute").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or "/management/commands/" in relative or relative in MAY_NAME_ROLES:
            continue
        yield relative, path.read_text()


def test_no_module_compares_a_role_outside_access():
    offending = []
    for relative, text in python_sources():
        for number, line in enumerate(text.splitlines(), 1):
            # A query on the listeners may filter by a set, named from access.py (e.g. LISTENING_ROLES).
            if ROLE_TEST.search(re.sub(r"role__in=[A-Z_]+_ROLES\b", "", line)):
                offending.append(f"{relative}:{number}: {line.strip()}")
    assert not offending, "\n".join(offending)


def test_the_sets_named_in_queries_are_imported_from_access():
    for relative, text in python_sources():
        for name in set(re.findall(r"role__in=([A-Z_]+_ROLES)\b", text)):
            assert re.search(rf"from ecoute\.accounts\.access import [^\n]*\b{name}\b", text), relative


def test_no_template_names_a_role():
    role_values = "|".join(re.escape(role.value) for role in Role)
    forbidden = re.compile(rf"\.role\b|is_listener|[\"']({role_values})[\"']")
    templates = [*(ROOT / "ecoute").rglob("templates/**/*.html"), *(ROOT / "templates").rglob("*.html")]
    assert len(templates) > 30
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for match in forbidden.finditer(path.read_text())
    ]
    assert not offending, "templates ask `may` (ecoute/accounts/access.py): " + ", ".join(offending)
