"""The sign-in sheet signed on a tablet: what the page sends is checked, kept small, marks attendance,
and shows on the half-day's PDF that DPC auditors ask for. A bad drawing is refused and stores nothing."""

import html
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import RestrictedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from ecoute.accounts.models import Role
from ecoute.programme import actions, signatures
from ecoute.programme.models import Event, Registration, Signature, Slot, State
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.programme.support import make_event, make_two_day_training, move_to_start_in
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db

# A small signature: two strokes in the box of 600 x 200.
STROKES = [[40, 150, 80, 60, 120, 140, 160, 50, 200, 150], [260, 100, 420, 110]]


@pytest.fixture
def staff(client):
    return log_in(client, make_staff(Role.PROGRAMME))


def sign(staff, event, registration, slot, strokes=STROKES, **extra):
    fields = {"cell": f"{registration.pk}:{slot.pk if slot else 0}", "strokes": json.dumps(strokes), **extra}
    return staff.post(reverse("programme:staff_sign", args=[event.pk]), fields)


def pdf_text_and_drawing(staff, event, slot) -> tuple[str, bytes]:
    response = staff.get(reverse("programme:staff_sign_in_pdf", args=[event.pk]), {"demi-journee": slot.pk})
    assert response["Content-Type"] == "application/pdf"
    [page] = PdfReader(io.BytesIO(response.content)).pages
    return page.extract_text(), page.get_contents().get_data()


def test_the_strokes_become_a_small_svg_path():
    assert (
        signatures.svg_path(json.dumps(STROKES)) == "M40 150 L80 60 120 140 160 50 200 150 M260 100 L420 110"
    )
    assert signatures.svg_path("[[10, 10, 20, 20], [300, 100]]") == "M10 10 L20 20 M300 100 l0 0"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "n'a pas pu être lue"),
        ("pas du JSON", "n'a pas pu être lue"),
        ('{"x": 1}', "n'a pas pu être lue"),
        ("[[1, 2, 3]]", "n'a pas pu être lue"),  # half a point
        ('[[1, 2, "3", 4]]', "n'a pas pu être lue"),
        ("[[1.5, 2, 3, 4]]", "n'a pas pu être lue"),
        ("[[true, 2, 3, 4]]", "n'a pas pu être lue"),
        ("[[1, 2, 601, 4]]", "n'a pas pu être lue"),  # out of the box
        ("[[1, -2, 3, 4]]", "n'a pas pu être lue"),
        ("[[1, 2, 3, 4], 5]", "n'a pas pu être lue"),
        ("[]", "est vide"),
        ("[[10, 10], [20, 20]]", "est vide"),  # two taps are not a signature
        (json.dumps([[1, 2, 3, 4]] * 61), "trop grande"),
        (json.dumps([[1] * 5200]), "trop grande"),  # 2,600 points: more than a signature ever needs
        ("[" + " " * 30_000 + "]", "trop grande"),
    ],
)
def test_a_malformed_or_oversized_drawing_is_refused_with_its_reason(raw, reason):
    with translation.override("fr"), pytest.raises(signatures.BadSignature, match=reason):
        signatures.svg_path(raw)


def test_signing_a_half_day_marks_attendance_and_shows_on_the_sheet_and_its_pdf(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    bruno = actions.register(event.pk, email="bruno@example.org", name="Bruno Roy")
    half_days = move_to_start_in(event, 10, half_days[0])  # the first morning: its sheet is open
    before = pdf_text_and_drawing(staff, event, half_days[0])[1]

    response = sign(staff, event, anne, half_days[0])
    assert response.status_code == 302 and response["Location"].endswith(f"#person-{anne.pk}")
    response = sign(staff, event, bruno, half_days[0], strokes=None, without_signature="1")
    assert response.status_code == 302

    assert dict(Registration.objects.values_list("name", "state")) == {
        "Anne Petit": State.ATTENDED,
        "Bruno Roy": State.ATTENDED,
    }
    drawn = Signature.objects.get(registration=anne)
    assert drawn.slot == half_days[0] and drawn.path.startswith("M40 150 L80 60")
    assert Signature.objects.get(registration=bruno).without_drawing
    sheet = staff.get(reverse("programme:staff_sign_in", args=[event.pk])).content.decode()
    assert f'd="{drawn.path}"' in sheet and "sans signature (noté par l’équipe)" in sheet
    assert 'class="button sign no-print"' not in sheet  # the other half-days are still to come:
    assert sheet.count("Émargement à partir du") == 2 * 3  # their sheets open on their day

    text, drawing = pdf_text_and_drawing(staff, event, half_days[0])
    assert "Jour 1, matin" in text and "12345678901" in text
    assert "Anne Petit" in text and "Bruno Roy" in text and "sans signature" in text
    assert drawing.count(b" l\n") >= before.count(b" l\n") + 5  # the signature's lines are drawn
    text = pdf_text_and_drawing(staff, event, half_days[1])[0]
    assert "Jour 1, après-midi" in text and "sans signature" not in text
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).count() == 3  # names left the platform


def test_an_event_without_half_days_has_one_signature_each_and_one_pdf(staff):
    event = make_event()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    move_to_start_in(event, 10)
    assert sign(staff, event, anne, None).status_code == 302
    assert Signature.objects.get().slot is None
    response = staff.get(reverse("programme:staff_sign_in_pdf", args=[event.pk]))
    assert "Anne Petit" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert (
        staff.get(reverse("programme:staff_sign_in_pdf", args=[event.pk]), {"demi-journee": 1}).status_code
        == 404
    )


def test_a_bad_post_gets_a_clear_error_and_stores_nothing(staff):
    event, half_days = make_two_day_training()
    other, other_half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    waiting = actions.register(event.pk, email="w@example.org", name="Wanda")
    Registration.objects.filter(pk=waiting.pk).update(state=State.CANCELLED)
    stranger = actions.register(other.pk, email="s@example.org", name="Sam")
    url = reverse("programme:staff_sign", args=[event.pk])
    for fields, reason in [
        ({"cell": f"{anne.pk}:{half_days[0].pk}", "strokes": "[[1, 2"}, "n'a pas pu être lue"),
        ({"cell": f"{anne.pk}:{half_days[0].pk}", "strokes": "[]"}, "est vide"),
        ({"cell": f"{anne.pk}:{half_days[0].pk}", "strokes": "[" * 25_000}, "trop grande"),
        (
            {"cell": f"{anne.pk}:{other_half_days[0].pk}", "strokes": json.dumps(STROKES)},
            "pas sur la feuille",
        ),
        ({"cell": f"{anne.pk}:0", "strokes": json.dumps(STROKES)}, "pas sur la feuille"),  # it has half-days
        ({"cell": f"{stranger.pk}:{half_days[0].pk}", "strokes": json.dumps(STROKES)}, "pas sur la feuille"),
        ({"cell": f"{waiting.pk}:{half_days[0].pk}", "strokes": json.dumps(STROKES)}, "pas sur la feuille"),
        ({"cell": "x:y", "strokes": json.dumps(STROKES)}, "pas sur la feuille"),
        ({"strokes": json.dumps(STROKES)}, "pas sur la feuille"),
    ]:
        response = staff.post(url, fields)
        assert response.status_code == 400, fields
        page = html.unescape(response.content.decode())
        assert reason in page and 'id="problem"' in page, fields
    assert Signature.objects.count() == 0
    anne.refresh_from_db()
    assert anne.state == State.REGISTERED


def test_a_half_day_is_signed_once_and_a_signature_is_not_undone_by_an_unticked_box(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    half_days = move_to_start_in(event, 10, half_days[0])
    sign(staff, event, anne, half_days[0])
    again = sign(staff, event, anne, half_days[0], strokes=[[1, 1, 50, 50]])
    assert again.status_code == 400
    assert "Anne Petit a déjà signé pour cette demi-journée" in html.unescape(again.content.decode())
    assert Signature.objects.get().path.startswith("M40 150")
    staff.post(reverse("programme:staff_attendance", args=[event.pk]), {"listed": [anne.pk]})
    anne.refresh_from_db()
    assert anne.state == State.ATTENDED


def test_other_roles_cannot_sign_nor_read_the_signed_sheet(client):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    log_in(client, make_staff(Role.PSYCHOLOGIST))
    assert sign(client, event, anne, half_days[0]).status_code == 403
    assert client.get(reverse("programme:staff_sign_in_pdf", args=[event.pk])).status_code == 403
    assert Signature.objects.count() == 0


def test_signatures_go_with_their_registrations_at_the_purge():
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    actions.sign(anne.pk, half_days[0].pk, "M1 1 L2 2", now=half_days[0].starts_at)
    actions.sign(anne.pk, half_days[1].pk, "", now=half_days[1].starts_at)
    assert actions.purge(event.ends_at + timedelta(days=400))["signatures"] == 0
    done = actions.purge(event.ends_at + timedelta(days=3 * 365 + 1))
    assert (done["attendances"], done["signatures"]) == (1, 2)
    assert Signature.objects.count() == 0


def test_a_signed_half_day_cannot_be_removed_while_its_signatures_are_kept():
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    actions.sign(anne.pk, half_days[0].pk, "M1 1 L2 2", now=half_days[0].starts_at)
    with pytest.raises(RestrictedError):
        half_days[0].delete()  # the event's form says so rather than losing the DPC proof
    assert Signature.objects.count() == 1
    half_days[1].delete()  # nobody signed it
    anne.delete()  # as the purge does: the registration takes its signatures with it
    half_days[0].delete()
    assert Signature.objects.count() == 0


def remove(client, event, signature, **fields):
    fields = {"signature": signature.pk, "confirm": "1", **fields}
    return client.post(reverse("programme:staff_remove_signature", args=[event.pk]), fields)


def test_who_noted_someone_present_without_a_signature_is_kept_and_shown_on_the_sheet_and_pdf(client):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    bruno = actions.register(event.pk, email="bruno@example.org", name="Bruno Roy")
    claire = log_in(client, make_staff(Role.PROGRAMME, name="Claire"))
    half_days = move_to_start_in(event, 10, half_days[0])
    sign(claire, event, anne, half_days[0], strokes=None, without_signature="1")
    sign(claire, event, bruno, half_days[0])

    noted = Signature.objects.get(registration=anne)
    assert noted.without_drawing and noted.noted_by.first_name == "Claire"
    assert Signature.objects.get(registration=bruno).noted_by is None  # Bruno signed himself
    page = html.unescape(client.get(reverse("programme:staff_sign_in", args=[event.pk])).content.decode())
    assert "Présent·e, sans signature (noté par Claire)" in page
    text = pdf_text_and_drawing(client, event, half_days[0])[0]
    assert "noté par Claire" in " ".join(text.split())


def test_a_signature_made_by_mistake_is_removed_once_confirmed_and_journaled_without_its_drawing(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    # The first afternoon is about to start: it is signed; the morning, over, is noted by staff.
    half_days = move_to_start_in(event, 10, half_days[1])
    sign(staff, event, anne, half_days[1])
    sign(staff, event, anne, half_days[0], strokes=None, without_signature="1")
    first, second = Signature.objects.get(slot=half_days[1]), Signature.objects.get(slot=half_days[0])
    page = staff.get(reverse("programme:staff_sign_in", args=[event.pk])).content.decode()
    assert f'form="remove-signature" name="signature" value="{first.pk}"' in page

    response = remove(staff, event, first)
    assert response.status_code == 302 and response["Location"].endswith(f"#person-{anne.pk}")
    assert list(Signature.objects.all()) == [second]
    anne.refresh_from_db()
    assert anne.state == State.ATTENDED  # the other half-day is still signed
    [entry] = SecurityEvent.objects.filter(kind=SecurityEventKind.SIGNATURE_REMOVED)
    assert entry.actor.role == Role.PROGRAMME
    assert entry.details == {
        "event": event.pk,
        "registration": anne.pk,
        "slot": half_days[1].pk,
        "without_drawing": False,
    }
    assert "M40" not in entry.summary + json.dumps(entry.details)  # never the drawing

    assert remove(staff, event, second).status_code == 302
    anne.refresh_from_db()
    assert anne.state == State.NO_SHOW  # nothing proves she came any more
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGNATURE_REMOVED).count() == 2
    # The cell can be signed again.
    assert sign(staff, event, anne, half_days[1]).status_code == 302
    anne.refresh_from_db()
    assert anne.state == State.ATTENDED


def test_removing_the_only_signature_of_someone_who_joined_online_keeps_them_present():
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    actions.record_join(anne.pk)
    signature = actions.sign(anne.pk, half_days[0].pk, "M1 1 L2 2", now=half_days[0].starts_at)
    actions.remove_signature(signature.pk)
    anne.refresh_from_db()
    assert anne.state == State.ATTENDED and not anne.signatures.exists()


def test_a_bad_removal_gets_a_clear_error_and_changes_nothing(staff):
    event, half_days = make_two_day_training()
    other, other_half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    sam = actions.register(other.pk, email="s@example.org", name="Sam")
    half_days = move_to_start_in(event, 10, half_days[0])
    other_half_days = move_to_start_in(other, 10, other_half_days[0])
    sign(staff, event, anne, half_days[0])
    sign(staff, other, sam, other_half_days[0])
    mine, elsewhere = Signature.objects.get(registration=anne), Signature.objects.get(registration=sam)
    url = reverse("programme:staff_remove_signature", args=[event.pk])
    for fields, reason in [
        ({"signature": mine.pk}, "Confirmez le retrait"),
        ({"signature": elsewhere.pk, "confirm": "1"}, "pas sur la feuille"),  # another event's
        ({"signature": 999_999, "confirm": "1"}, "pas sur la feuille"),
        ({"signature": "x", "confirm": "1"}, "pas sur la feuille"),
        ({"signature": "9" * 30, "confirm": "1"}, "pas sur la feuille"),
        ({"confirm": "1"}, "pas sur la feuille"),
    ]:
        response = staff.post(url, fields)
        assert response.status_code == 400, fields
        page = html.unescape(response.content.decode())
        assert reason in page and 'id="problem"' in page, fields
    assert staff.get(url, {"signature": mine.pk, "confirm": "1"}).status_code == 405
    assert Signature.objects.count() == 2
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SIGNATURE_REMOVED).exists()
    anne.refresh_from_db()
    assert anne.state == State.ATTENDED


def test_other_roles_cannot_remove_a_signature_and_the_form_needs_its_csrf_token(client):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    signature = actions.sign(anne.pk, half_days[0].pk, "M1 1 L2 2", now=half_days[0].starts_at)
    log_in(client, make_staff(Role.PSYCHOLOGIST))
    assert remove(client, event, signature).status_code == 403
    client.logout()
    assert remove(client, event, signature).status_code == 302  # signed out: to the log-in page

    checked = Client(enforce_csrf_checks=True)
    log_in(checked, make_staff(Role.PROGRAMME))
    assert remove(checked, event, signature).status_code == 403  # no CSRF token
    assert Signature.objects.filter(pk=signature.pk).exists()


# --- The window of a half-day: from 30 minutes before it starts to the end of its day (Paris) ---


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


def test_a_half_day_can_be_signed_from_30_minutes_before_it_starts_until_the_end_of_its_day():
    # The first afternoon after the change to summer time: Paris is UTC+2.
    event = Event(starts_at=paris(2027, 3, 30, 9), ends_at=paris(2027, 3, 31, 17))
    afternoon = Slot(
        label="Jour 1, après-midi", starts_at=paris(2027, 3, 30, 14), ends_at=paris(2027, 3, 30, 17)
    )
    assert actions.signing_window(event, afternoon) == (paris(2027, 3, 30, 13, 30), paris(2027, 3, 31))
    # An event without half-days: from its start to the end of its last day (summer time over on the 31st).
    event = Event(starts_at=paris(2027, 10, 30, 9), ends_at=paris(2027, 10, 31, 17))
    assert actions.signing_window(event, None) == (paris(2027, 10, 30, 8, 30), paris(2027, 11, 1))

    event = Event(starts_at=paris(2027, 3, 30, 9), ends_at=paris(2027, 3, 31, 17))
    with translation.override("fr"):
        for drawn in (True, False):  # nobody is present at a half-day to come, with or without a drawing
            with pytest.raises(actions.SigningClosed, match="Trop tôt .* le 30/03/2027 à 13:30"):
                actions.check_signing(event, afternoon, drawn=drawn, now=paris(2027, 3, 30, 13, 29, 59))
        for now in (paris(2027, 3, 30, 13, 30), paris(2027, 3, 30, 17, 30), paris(2027, 3, 30, 23, 59, 59)):
            actions.check_signing(event, afternoon, drawn=True, now=now)
        with pytest.raises(actions.SigningClosed, match="n'est plus possible .* fin du 30/03/2027"):
            actions.check_signing(event, afternoon, drawn=True, now=paris(2027, 3, 31))
        # Staff may still correct a past half-day: someone noted present without a signature.
        actions.check_signing(event, afternoon, drawn=False, now=paris(2027, 4, 15))


def sheet_page(staff, event) -> str:
    return html.unescape(staff.get(reverse("programme:staff_sign_in", args=[event.pk])).content.decode())


def assert_refused(response, reason) -> None:
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert reason in page and 'id="problem"' in page and "Rien n'a été enregistré" in page


def test_before_its_window_a_half_day_says_when_it_opens_and_a_forged_post_stores_nothing(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    half_days = move_to_start_in(event, 45, half_days[0])  # the sheet opens in 15 minutes
    opens = timezone.localtime(half_days[0].starts_at - timedelta(minutes=30))

    page = sheet_page(staff, event)
    assert f"Émargement à partir du {opens:%d/%m} à {opens:%H:%M}" in page
    assert page.count("Émargement à partir du") == 4
    assert 'class="button sign no-print"' not in page and 'form="without-signature" name="cell"' not in page

    assert_refused(
        sign(staff, event, anne, half_days[0]), f"la feuille s'ouvre le {opens:%d/%m/%Y} à {opens:%H:%M}"
    )
    assert_refused(sign(staff, event, anne, half_days[0], strokes=None, without_signature="1"), "Trop tôt")
    assert_refused(sign(staff, event, anne, half_days[3], without_signature="1"), "Jour 2, après-midi")
    assert Signature.objects.count() == 0
    anne.refresh_from_db()
    assert anne.state == State.REGISTERED


def test_inside_its_window_a_half_day_is_signed_on_the_tablet(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    half_days = move_to_start_in(event, 25, half_days[0])  # the sheet opened 5 minutes ago
    page = sheet_page(staff, event)
    assert page.count('class="button sign no-print"') == 1  # the first morning, the others to come
    assert page.count("Émargement à partir du") == 3
    assert sign(staff, event, anne, half_days[0]).status_code == 302
    assert Signature.objects.get().slot == half_days[0]


def test_after_its_day_a_half_day_is_no_longer_signed_but_staff_may_still_note_a_presence(staff):
    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    bruno = actions.register(event.pk, email="bruno@example.org", name="Bruno Roy")
    half_days = move_to_start_in(event, -3 * 24 * 60, half_days[0])  # the training ended two days ago

    page = sheet_page(staff, event)
    assert 'class="button sign no-print"' not in page
    assert page.count("Signature close (jour passé)") == 2 * 4
    assert page.count('form="without-signature" name="cell"') == 2 * 4
    day = timezone.localtime(half_days[0].starts_at)
    assert_refused(
        sign(staff, event, anne, half_days[0]), f"la feuille s'est fermée à la fin du {day:%d/%m/%Y}"
    )
    assert not Signature.objects.exists()
    anne.refresh_from_db()
    assert anne.state == State.REGISTERED

    # The sheet corrected afterwards: Bruno, who could not sign, noted present by staff.
    assert sign(staff, event, bruno, half_days[0], strokes=None, without_signature="1").status_code == 302
    assert Signature.objects.get().registration == bruno and Signature.objects.get().without_drawing
