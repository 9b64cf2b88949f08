"""The public pages: the agenda, an event and its registration form, the one-click link, the feed."""

import asyncio
import html
import secrets
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from ecoute.contacts.models import Profession
from ecoute.lib.source import SCOPE_KEY
from ecoute.programme import actions, links, views
from ecoute.programme.models import Kind, OutboxMessage, Registration, State
from tests.programme.support import make_event, make_jades_day

# The event page does its database work on the programme's own threads (views._in_pool): what a test
# writes must be committed for them to see it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nurse():
    return Profession.objects.get_or_create(code="infirmier", defaults={"label": "Infirmier·e"})[0]


def form(nurse, **fields):
    return {"email": "camille@example.org", "name": "Camille Martin", "profession": nurse.pk, **fields}


def nothing_changed(before) -> bool:
    return (Registration.objects.count(), OutboxMessage.objects.count()) == before


def counts():
    return Registration.objects.count(), OutboxMessage.objects.count()


def test_the_agenda_lists_what_is_coming_and_filters_it(client):
    make_event(title="Formation à Lille", region="Hauts-de-France")
    make_event(title="eJADES sommeil", kind=Kind.EJADES, online=True, region="", city="")
    make_event(title="Brouillon", published=False)
    make_event(title="Passé", starts_at=timezone.now() - timedelta(days=3))
    page = client.get(reverse("programme:agenda")).content.decode()
    assert "Formation à Lille" in page and "eJADES sommeil" in page
    assert "Brouillon" not in page and "Passé" not in page
    online = client.get(reverse("programme:agenda"), {"mode": "online"}).content.decode()
    assert "eJADES sommeil" in online and "Formation à Lille" not in online
    by_kind = client.get(reverse("programme:agenda"), {"kind": "formation"}).content.decode()
    assert "Formation à Lille" in by_kind and "eJADES sommeil" not in by_kind


def test_a_registration_in_one_post_lands_on_its_manage_page(client, nurse):
    event = make_event()
    response = client.post(reverse("programme:event", args=[event.pk]), form(nurse))
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.state == State.REGISTERED and registration.profession == nurse
    page = client.get(response["Location"])
    assert 'data-state="registered"' in page.content.decode()


def test_an_ejades_needs_only_an_email(client):
    event = make_event(kind=Kind.EJADES, online=True, dpc_reference="")
    response = client.post(reverse("programme:event", args=[event.pk]), {"email": "pseudo@example.org"})
    assert response.status_code == 302
    assert Registration.objects.get().name == ""


def test_a_malformed_email_is_named_and_changes_nothing(client, nurse):
    event = make_event()
    before = counts()
    response = client.post(reverse("programme:event", args=[event.pk]), form(nurse, email="camille@"))
    assert response.status_code == 400
    assert "Cette adresse e-mail n'est pas valide" in html.unescape(response.content.decode())
    assert nothing_changed(before)


def test_a_duplicate_gets_a_clear_message_and_changes_nothing(client, nurse):
    event = make_event()
    client.post(reverse("programme:event", args=[event.pk]), form(nurse))
    before = counts()
    response = client.post(
        reverse("programme:event", args=[event.pk]), form(nurse, email="CAMILLE@example.org")
    )
    assert response.status_code == 409
    assert "déjà inscrite" in response.content.decode()
    assert nothing_changed(before)


def test_a_past_event_refuses_with_a_message(client, nurse):
    event = make_event(starts_at=timezone.now() - timedelta(hours=2))
    response = client.post(reverse("programme:event", args=[event.pk]), form(nurse))
    assert response.status_code == 409 and "inscriptions sont closes" in response.content.decode()
    assert Registration.objects.count() == 0


def test_an_event_closed_a_moment_after_a_post_refuses_the_next_one_though_its_page_was_read_before(
    client, nurse
):
    # The posted forms are checked against the event as read up to views.EVENT_SNAPSHOT_SECONDS before;
    # the batch that registers them reads it again under its lock, and that decides.
    event = make_event()
    assert client.post(reverse("programme:event", args=[event.pk]), form(nurse)).status_code == 302
    actions.cancel_event(event.pk)
    late = client.post(reverse("programme:event", args=[event.pk]), form(nurse, email="late@example.org"))
    assert late.status_code == 409
    assert "n'est pas ouvert aux inscriptions" in html.unescape(late.content.decode())
    assert not Registration.objects.filter(email="late@example.org").exists()


def test_a_full_event_says_so_and_puts_the_next_person_on_the_waiting_list(client, nurse):
    event = make_event(capacity=1, price=30)
    client.post(reverse("programme:event", args=[event.pk]), form(nurse, email="first@example.org"))
    page = client.get(reverse("programme:event", args=[event.pk])).content.decode()
    assert "Complet" in page and "liste d’attente" in page
    response = client.post(reverse("programme:event", args=[event.pk]), form(nurse), follow=True)
    assert 'data-state="waiting"' in response.content.decode()


def test_a_jades_day_asks_one_workshop_per_slot(client, nurse):
    event, (morning, afternoon) = make_jades_day()
    response = client.post(
        reverse("programme:event", args=[event.pk]),
        form(nurse, **{f"slot_{morning[0].slot_id}": morning[0].pk}),
    )
    assert (
        response.status_code == 400 and "Choisissez un atelier pour ce créneau" in response.content.decode()
    )
    fields = {f"slot_{morning[0].slot_id}": morning[0].pk, f"slot_{afternoon[1].slot_id}": afternoon[1].pk}
    assert client.post(reverse("programme:event", args=[event.pk]), form(nurse, **fields)).status_code == 302


def test_the_manage_link_confirms_and_cancels_in_one_click(client):
    event = make_event()
    registration = actions.register(event.pk, email="a@example.org")
    url = reverse("programme:manage", args=[links.manage_token(registration)])
    client.post(url, {"action": "confirm"})
    registration.refresh_from_db()
    assert registration.state == State.CONFIRMED
    client.post(url, {"action": "cancel"})
    registration.refresh_from_db()
    assert registration.state == State.CANCELLED
    again = client.post(url, {"action": "cancel"})
    assert again.status_code == 409
    registration.refresh_from_db()
    assert registration.state == State.CANCELLED


def test_a_forged_altered_or_replaced_link_opens_nothing(client):
    event = make_event()
    registration = actions.register(event.pk, email="a@example.org")
    token = links.manage_token(registration)
    other = actions.register(event.pk, email="b@example.org")
    forged = links.signing.dumps([other.pk, "guess"], salt=links.SALT, compress=True)
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged,
        "x",
        token.replace(":", ";"),
    ):
        response = client.post(reverse("programme:manage", args=[bad]), {"action": "cancel"})
        assert response.status_code == 404
    Registration.objects.filter(pk=registration.pk).update(link_key="a-new-key")
    assert client.get(reverse("programme:manage", args=[token])).status_code == 404
    assert set(Registration.objects.values_list("state", flat=True)) == {State.REGISTERED}


def test_a_link_expires_with_time_and_with_the_event(client, settings):
    event = make_event()
    registration = actions.register(event.pk, email="a@example.org")
    token = links.manage_token(registration)
    assert client.get(reverse("programme:manage", args=[token])).status_code == 200
    settings.ECOUTE_PROGRAMME_LINK_DAYS = 0
    assert client.get(reverse("programme:manage", args=[token])).status_code == 404
    settings.ECOUTE_PROGRAMME_LINK_DAYS = 180
    with pytest.raises(links.BadLink):
        links.registration_for(token, now=event.ends_at + timedelta(seconds=1))


def test_registrations_from_one_source_are_limited_without_storing_it(settings, nurse):
    settings.ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE = 2
    event = make_event(capacity=50)
    factory = RequestFactory()

    def post(n):
        request = factory.post(
            reverse("programme:event", args=[event.pk]), form(nurse, email=f"p{n}@example.org")
        )
        request.scope = {SCOPE_KEY: "the-day-hash-of-one-source"}
        request._dont_enforce_csrf_checks = True
        return async_to_sync(views.event_page)(request, event.pk)

    assert [post(n).status_code for n in range(3)] == [302, 302, 429]
    assert Registration.objects.count() == 2


def test_a_batch_counts_its_sources_together_and_refuses_only_those_over_the_limit(settings):
    """Posts arriving together are counted in one round trip; a source's extra posts are refused, not lost."""
    settings.ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE = 2
    event = make_event(capacity=50)
    busy, other = f"busy-{secrets.token_hex(4)}", f"other-{secrets.token_hex(4)}"
    applied = [
        (actions.Application(email=f"p{n}@example.org"), source)
        for n, source in enumerate([busy, busy, other, busy, ""])
    ]
    outcomes = views.register_batch(event.pk, applied)
    assert [type(o).__name__ for o in outcomes] == [
        "Registration",
        "Registration",
        "Registration",
        "TooManyFromHere",
        "Registration",  # a post whose source is unknown (a test client, a socket without address)
    ]
    assert sorted(event.registrations.values_list("email", flat=True)) == [
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
        "p4@example.org",
    ]


def test_the_feed_is_valid_icalendar_per_kind_and_region(client):
    make_event(title="Formation Lille", region="Hauts-de-France")
    make_event(title="Formation Rouen", region="Normandie", city="Rouen")
    make_event(title="eJADES", kind=Kind.EJADES, online=True, join_url="https://visio.example.org/secret")
    everything = Calendar.from_ical(client.get(reverse("programme:feed")).content)
    assert sorted(str(e["summary"]) for e in everything.walk("VEVENT")) == [
        "Formation Lille",
        "Formation Rouen",
        "eJADES",
    ]
    assert "secret" not in everything.to_ical().decode()  # the join link is never published
    normandy = Calendar.from_ical(
        client.get(reverse("programme:feed"), {"kind": "formation", "region": "Normandie"}).content
    )
    assert [str(e["summary"]) for e in normandy.walk("VEVENT")] == ["Formation Rouen"]
    assert client.get(reverse("programme:feed"), {"kind": "nope"}).status_code == 400


def test_a_certificate_code_is_verified_publicly(client):
    event = make_event()
    registration = actions.register(event.pk, email="a@example.org", name="Camille Martin")
    actions.attend(registration.pk)
    code = actions.issue_certificate(registration.pk).certificate_code
    good = client.get(reverse("programme:verify"), {"code": code.lower()})
    assert good.status_code == 200 and "Camille Martin" in good.content.decode()
    assert client.get(reverse("programme:verify"), {"code": "ABCDEFGHJK"}).status_code == 404


def test_posts_arriving_together_are_checked_and_registered_in_one_hop_each_with_its_own_answer(
    nurse, monkeypatch
):
    event = make_event(capacity=3)
    factory = RequestFactory()
    hops = []
    in_pool = views._in_pool

    async def counted(function, *args):
        hops.append(function.__name__)
        return await in_pool(function, *args)

    monkeypatch.setattr(views, "_in_pool", counted)

    def post(pk, **fields):
        request = factory.post(reverse("programme:event", args=[pk]), form(nurse, **fields))
        request._dont_enforce_csrf_checks = True
        return views.event_page(request, pk)

    async def together():
        posts = [post(event.pk, email=f"p{n}@example.org") for n in range(8)]
        posts += [post(event.pk, email="pas-une-adresse"), post(event.pk, email="p0@example.org")]
        return await asyncio.gather(*posts)

    responses = async_to_sync(together)()
    assert [response.status_code for response in responses] == [302] * 8 + [400, 409]
    assert "déjà inscrite" in html.unescape(responses[9].content.decode())
    # The first post alone, then the nine that arrived meanwhile: two hops to the programme's threads
    # check and register ten forms; only the two refused posts take one more, to show their page.
    assert hops == ["check_and_register", "check_and_register", "_page", "_page"]
    assert event.registrations.filter(state=State.REGISTERED).count() == 3
    assert event.registrations.filter(state=State.WAITING).count() == 5

    async def unknown_event():
        return await post(event.pk + 1000)

    with pytest.raises(Http404):
        async_to_sync(unknown_event)()
