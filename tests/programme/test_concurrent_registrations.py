"""Many people registering for the last places at the same instant: the capacity is never exceeded.

Real threads, each with its own PostgreSQL connection, released together by a barrier.
"""

import asyncio

import pytest
from django.db import connections

from ecoute.programme import actions
from ecoute.programme.models import HOLDING_STATES, Registration, State
from tests.programme.support import make_event, make_jades_day
from tests.support.backends import need_postgres
from tests.support.threads import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PEOPLE = 40


def test_forty_people_at_once_for_ten_places_hold_exactly_ten():
    need_postgres()
    event = make_event(capacity=10, price=50)
    results = run_together(
        [lambda n=n: actions.register(event.pk, email=f"p{n}@example.org", name="P") for n in range(PEOPLE)]
    )
    assert [r for r in results if not isinstance(r, Registration)] == []
    assert event.registrations.filter(state__in=HOLDING_STATES).count() == 10
    assert event.registrations.filter(state=State.WAITING).count() == PEOPLE - 10


def test_the_same_person_clicking_many_times_at_once_is_registered_once():
    need_postgres()
    event = make_event(capacity=10)
    results = run_together(
        [lambda: actions.register(event.pk, email="camille@example.org") for _ in range(12)]
    )
    assert sum(isinstance(r, Registration) for r in results) == 1
    assert all(isinstance(r, (Registration, actions.AlreadyRegistered)) for r in results)
    assert event.registrations.count() == 1


def test_cancellations_and_registrations_at_once_never_pass_the_limit():
    need_postgres()
    event = make_event(capacity=5, price=50)
    holders = [actions.register(event.pk, email=f"h{n}@example.org") for n in range(5)]
    waiting = [actions.register(event.pk, email=f"w{n}@example.org") for n in range(5)]
    work = [lambda r=r: actions.cancel(r.pk) for r in holders[:3]]
    work += [lambda n=n: actions.register(event.pk, email=f"new{n}@example.org") for n in range(15)]
    results = run_together(work)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert event.registrations.filter(state__in=HOLDING_STATES).count() == 5
    # The three places freed went to the first three of the waiting list, in order, not to newcomers.
    offered = set(event.registrations.filter(state=State.OFFERED).values_list("email", flat=True))
    assert offered == {w.email for w in waiting[:3]}


def test_a_workshop_is_never_overfilled():
    need_postgres()
    event, (morning, afternoon) = make_jades_day(workshop_places=3)
    event.capacity = 100
    event.save()
    results = run_together(
        [
            lambda n=n: actions.register(
                event.pk, email=f"p{n}@example.org", workshop_ids=[morning[0].pk, afternoon[0].pk]
            )
            for n in range(12)
        ]
    )
    assert sum(isinstance(r, Registration) for r in results) == 3
    assert all(isinstance(r, (Registration, actions.WorkshopProblem)) for r in results)
    assert morning[0].choices.count() == 3


async def test_posts_arriving_together_are_registered_together_each_with_its_own_outcome():
    """views.register_together, as the event page uses it: thirty at once on one server process."""
    from asgiref.sync import sync_to_async

    from ecoute.programme.views import register_together

    need_postgres()

    def closing(function):  # asgiref's thread keeps no connection open once the test is over
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            finally:
                connections.close_all()

        return sync_to_async(run)

    event = await closing(make_event)(capacity=5, price=40)
    applications = [actions.Application(email=f"p{n}@example.org") for n in range(30)]
    applications.append(actions.Application(email="p0@example.org"))  # a double click, last
    outcomes = await asyncio.gather(*(register_together(event.pk, a) for a in applications))
    assert [o.state for o in outcomes[:30]] == [State.REGISTERED] * 5 + [State.WAITING] * 25
    assert isinstance(outcomes[30], actions.AlreadyRegistered)
    held = await closing(event.registrations.filter(state__in=HOLDING_STATES).count)()
    assert held == 5


def test_workers_running_together_send_each_message_once(settings):
    from ecoute.programme import worker
    from ecoute.programme.models import OutboxMessage
    from tests.programme.smtp import SmtpServer

    need_postgres()
    event = make_event(capacity=100, price=40)
    for n in range(60):
        actions.register(event.pk, email=f"p{n}@example.org")
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        results = run_together([worker.send_due for _ in range(4)])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(r["sent"] for r in results) == 60
    assert sorted(m["To"] for m in server.inbox.messages) == sorted(f"p{n}@example.org" for n in range(60))
    assert not OutboxMessage.objects.filter(kind="confirmation", sent_at=None).exists()
