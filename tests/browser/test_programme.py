"""The prevention programme in a browser: registering on a phone, the sign-in sheet on a tablet."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme.models import Kind, Registration, State
from tests.browser.helpers import log_in
from tests.programme.support import make_ejades_model, make_event, make_jades_day
from tests.support.contacts import ensure_taxonomies, make_staff
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}
# axe-core's rules for WCAG 2.1 levels A and AA.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    """axe-core (shipped by axe-playwright-python), run in the page as served: no WCAG 2.1 AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options={**WCAG_AA, "resultTypes": ["violations"]}).response["violations"]
    assert [(v["id"], v["help"], [node["target"] for node in v["nodes"]][:5]) for v in violations] == []


def test_registering_for_a_jades_day_on_a_phone_then_cancelling(new_site_page):
    ensure_taxonomies()
    event, (morning, afternoon) = make_jades_day()
    make_event(
        title="Comment intervenir auprès d'un soignant en crise suicidaire",
        city="Toulouse",
        region="Occitanie",
    )
    page = new_site_page("/programme/")
    assert_accessible(page)
    screenshot(page, "programme-agenda-phone")
    page.click(f"a[href='/programme/{event.pk}/']")
    page.wait_for_url(f"**/programme/{event.pk}/")
    assert_accessible(page)

    page.fill("#id_email", "camille@")  # a slip of the thumb first
    page.fill("#id_name", "Camille Martin")
    page.select_option("#id_profession", label="Infirmier·ère")
    page.click(".registration-form button[type=submit]")
    page.locator("#problem").wait_for()
    assert "n'est pas valide" in page.locator("#id_email-error").inner_text()
    assert Registration.objects.count() == 0
    assert_accessible(page)
    screenshot(page, "programme-registration-error-phone")

    page.fill("#id_email", "camille.martin@example.org")
    page.check(f"input[name=slot_{morning[0].slot_id}][value='{morning[1].pk}']")
    page.check(f"input[name=slot_{afternoon[0].slot_id}][value='{afternoon[0].pk}']")
    page.click(".registration-form button[type=submit]")
    page.locator("#state[data-state=registered]").wait_for()
    assert_accessible(page)
    screenshot(page, "programme-registered-phone")
    registration = Registration.objects.get()
    assert registration.email == "camille.martin@example.org"
    assert sorted(registration.choices.values_list("workshop_id", flat=True)) == sorted(
        [morning[1].pk, afternoon[0].pk]
    )

    page.click("button[value=cancel]")
    page.locator("#state[data-state=cancelled]").wait_for()
    registration.refresh_from_db()
    assert registration.state == State.CANCELLED


def test_the_sign_in_sheet_on_a_tablet(new_site_page):
    from ecoute.programme import actions

    event = make_event(kind=Kind.FORMATION, starts_at=timezone.now() + timedelta(hours=1))
    people = [
        actions.register(event.pk, email=f"p{n}@example.org", name=name)
        for n, name in enumerate(["Anne Petit", "Bruno Roy", "Chloé Blanc"])
    ]
    staff = make_staff(Role.PROGRAMME)
    page = new_site_page("/espace/programme/", viewport=TABLET)
    log_in(page, staff, lands_on="**/espace/programme/")
    page.goto(f"/espace/programme/{event.pk}/emargement/")
    assert_accessible(page)
    page.check(f"input[name=present][value='{people[0].pk}']")
    page.check(f"input[name=present][value='{people[2].pk}']")
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.locator(".messages").wait_for()
    screenshot(page, "programme-sign-in-sheet-tablet")
    states = dict(Registration.objects.values_list("name", "state"))
    assert states == {"Anne Petit": State.ATTENDED, "Bruno Roy": State.NO_SHOW, "Chloé Blanc": State.ATTENDED}


def draw(page, canvas, strokes) -> None:
    """Sign with the mouse: each stroke a pressed move through points given in fractions of the canvas."""
    box = canvas.bounding_box()
    for stroke in strokes:
        (x, y), *rest = stroke
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
        page.mouse.up()


def test_signing_a_training_s_half_day_on_a_tablet(new_site_page):
    from ecoute.programme import actions
    from ecoute.programme.models import Signature
    from tests.programme.support import make_two_day_training, move_to_start_in

    event, half_days = make_two_day_training()
    anne = actions.register(event.pk, email="anne@example.org", name="Anne Petit")
    bruno = actions.register(event.pk, email="bruno@example.org", name="Bruno Roy")
    half_days = move_to_start_in(event, 10, half_days[0])  # the first morning's sheet is open
    page = new_site_page("/espace/programme/", viewport=TABLET)
    log_in(page, make_staff(Role.PROGRAMME, name="Claire"), lands_on="**/espace/programme/")
    page.goto(f"/espace/programme/{event.pk}/emargement/")
    page.click(f"button.sign[data-cell='{anne.pk}:{half_days[0].pk}']")
    pad = page.locator("#signature-pad")
    pad.wait_for()
    assert "Anne Petit — Jour 1, matin" in pad.inner_text()
    assert pad.locator("button[type=submit]").is_disabled()  # nothing drawn yet
    draw(
        page,
        pad.locator("canvas"),
        [[(0.1, 0.7), (0.2, 0.2), (0.3, 0.8), (0.45, 0.3)], [(0.5, 0.6), (0.8, 0.5)]],
    )
    assert_accessible(page)
    screenshot(page, "programme-signature-pad-tablet")
    pad.locator("button[type=submit]").click()
    page.locator(f"#person-{anne.pk} svg.signature").wait_for()

    # Someone who cannot sign: the keyboard reaches "present without a signature".
    page.focus(f"button[form=without-signature][value='{bruno.pk}:{half_days[0].pk}']")
    page.keyboard.press("Enter")
    assert "noté par Claire" in page.locator(f"#person-{bruno.pk} .unsigned").inner_text()
    drawn = Signature.objects.get(registration=anne)
    assert drawn.slot == half_days[0] and drawn.path.count("M") == 2 and drawn.path.count(" ") > 10
    assert Signature.objects.get(registration=bruno).without_drawing
    assert set(Registration.objects.values_list("state", flat=True)) == {State.ATTENDED}

    # Bruno's note was a mistake: removed, once confirmed; the cell can be signed again.
    page.locator(f"#person-{bruno.pk} details.remove-signature summary").click()
    assert_accessible(page)
    screenshot(page, "programme-sign-in-sheet-signed-tablet")
    page.locator(f"#person-{bruno.pk} button[form=remove-signature]").click()
    page.locator(f"button.sign[data-cell='{bruno.pk}:{half_days[0].pk}']").wait_for()
    assert list(Signature.objects.values_list("registration", flat=True)) == [anne.pk]
    assert Registration.objects.get(pk=bruno.pk).state == State.NO_SHOW


def test_answering_the_questionnaire_after_a_training_on_a_phone(new_site_page):
    from urllib.parse import urlsplit

    from ecoute.programme import actions, survey
    from ecoute.programme.models import Answer, Event, Moment, Question, SurveyResponse
    from tests.programme.support import make_questions

    make_questions()
    event = make_event(title="Repérage à Lille")
    registration = actions.register(event.pk, email="camille@example.org")
    # The training took place this morning: its questionnaire after is open.
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - timedelta(hours=8), ends_at=now - timedelta(hours=1)
    )
    page = new_site_page(urlsplit(survey.url(registration, Moment.AFTER)).path)
    assert_accessible(page)
    [first, *others] = [q for q in survey.questions_for(Moment.AFTER) if q.answer_type == "scale"]
    for question in others:
        page.check(f"input[name=q{question.pk}][value='4']")
    page.click(".registration-form button[type=submit]")  # a score forgotten
    page.locator("#survey-problem").wait_for()
    assert SurveyResponse.objects.count() == 0
    assert_accessible(page)
    screenshot(page, "programme-questionnaire-error-phone")

    page.check(f"input[name=q{first.pk}][value='5']")
    comment = Question.objects.get(answer_type="text")
    page.fill(f"#id_q{comment.pk}", "Très concret, merci")
    page.click(".registration-form button[type=submit]")
    page.locator("#survey-done").wait_for()
    assert_accessible(page)
    screenshot(page, "programme-questionnaire-done-phone")
    assert Answer.objects.get(question=first).score == 5
    assert Answer.objects.get(question=comment).text.open() == "Très concret, merci"


def test_the_questionnaires_results_and_the_connections_on_a_tablet(new_site_page):
    from urllib.parse import urlsplit

    from ecoute.programme import actions, links, survey
    from ecoute.programme.models import Moment
    from tests.programme.support import make_questions

    make_questions()
    training = make_event(title="Repérage à Lille")
    trainee = actions.register(training.pk, email="camille@example.org")
    form = survey.SurveyForm(
        {survey.field_name(q): "3" for q in survey.questions_for(Moment.BEFORE)},
        questions=survey.questions_for(Moment.BEFORE),
    )
    assert form.is_valid()
    survey.record(trainee, Moment.BEFORE, form)
    start = timezone.now() + timedelta(hours=2)
    ejades = make_event(
        kind=Kind.EJADES,
        title="eJADES : le sommeil",
        online=True,
        dpc_reference="",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        join_url="https://visio.example.org/ejades",
    )
    early = actions.register(ejades.pk, email="lune@example.org", name="Lune")

    page = new_site_page(urlsplit(links.join_url(early)).path)  # two hours early
    page.locator("#join-wait[data-reason=early]").wait_for()
    assert_accessible(page)

    staff = make_staff(Role.PROGRAMME)
    page = new_site_page("/espace/programme/", viewport=TABLET)
    log_in(page, staff, lands_on="**/espace/programme/")
    page.goto(f"/espace/programme/{training.pk}/questionnaires/")
    page.locator("#knowledge").wait_for()
    assert_accessible(page)
    screenshot(page, "programme-questionnaires-results-tablet")
    page.goto(f"/espace/programme/{ejades.pk}/connexions/")
    page.locator("#attendance-summary[data-joined='0']").wait_for()
    assert_accessible(page)


def test_a_training_s_place_on_the_directory_s_map_on_a_phone(new_site_page):
    from tests.directory.conftest import ensure_geography

    ensure_geography()
    event = make_event(city="Bordeaux", venue="CHU de Bordeaux", region="Nouvelle-Aquitaine")
    page = new_site_page(f"/programme/{event.pk}/")
    page.locator("#directory-map[data-ready='1']").wait_for()
    assert page.locator("#directory-map").get_attribute("data-marker-count") == "1"
    page.locator("#directory-map .leaflet-interactive").last.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "CHU de Bordeaux" in popup.inner_text() and "Bordeaux" in popup.inner_text()
    assert_accessible(page)
    page.locator("#directory-map").scroll_into_view_if_needed()
    screenshot(page, "programme-event-place-on-map-phone")


def test_staff_place_the_venue_on_the_event_s_map_then_the_public_sees_it_there(new_site_page):
    from tests.directory.conftest import ensure_geography

    ensure_geography()
    event = make_event(
        city="Bordeaux", venue="CHU Pellegrin, place Amélie Raba-Léon", region="Nouvelle-Aquitaine"
    )
    staff = make_staff(Role.PROGRAMME)
    staff.is_staff = True
    staff.save()
    page = new_site_page("/espace/programme/", viewport=TABLET)
    log_in(page, staff, lands_on="**/espace/programme/")
    page.goto(f"/admin/programme/event/{event.pk}/change/")
    page.locator("#venue-map[data-ready='1']").wait_for()
    page.locator("#venue-map").click()  # the middle of France's map: somewhere in the Centre
    page.locator("#venue-map[data-marker]").wait_for()
    latitude, longitude = (float(page.input_value(f"#id_venue_{axis}")) for axis in ("latitude", "longitude"))
    assert 44 < latitude < 49 and -1 < longitude < 5

    page.fill("#id_venue_latitude", "40.4168")  # Madrid: a slip
    page.fill("#id_venue_longitude", "-3.7038")
    page.click("input[name=_continue]")
    page.locator(".errorlist").first.wait_for()
    assert "ni en France" in page.locator(".errorlist").first.inner_text()
    event.refresh_from_db()
    assert event.venue_latitude is None

    page.fill("#id_venue_latitude", "44.82698")
    page.fill("#id_venue_longitude", "-0.60624")
    page.locator("#id_venue_longitude").dispatch_event("change")
    page.locator("#venue-map[data-marker='44.82698,-0.60624']").wait_for()  # the marker follows the fields
    page.locator("#venue-map").scroll_into_view_if_needed()
    screenshot(page, "programme-event-venue-form-tablet")
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").wait_for()
    event.refresh_from_db()
    assert (event.venue_latitude, event.venue_longitude) == (44.82698, -0.60624)

    public = new_site_page(f"/programme/{event.pk}/")
    public.locator("#directory-map[data-ready='1']").wait_for()
    public.locator("#directory-map .leaflet-interactive").last.click()
    popup = public.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "CHU Pellegrin, place Amélie Raba-Léon" in popup.inner_text()
    assert_accessible(public)
    public.locator("#directory-map").scroll_into_view_if_needed()
    screenshot(public, "programme-event-venue-on-map-phone")


def test_staff_create_an_ejades_series_on_a_tablet_preview_then_publish(new_site_page):
    from ecoute.programme.models import Series

    start = (timezone.localtime() + timedelta(days=14)).replace(hour=12, minute=30, second=0, microsecond=0)
    model = make_ejades_model(start)
    page = new_site_page("/espace/programme/", viewport=TABLET)
    log_in(page, make_staff(Role.PROGRAMME), lands_on="**/espace/programme/")
    page.click("nav.staff-nav a[href='/espace/programme/series/']")
    page.click("a[href='/espace/programme/series/nouvelle/']")
    page.fill("#id_title", "eJADES : mieux dormir")
    page.select_option("#id_template", str(model.pk))
    page.fill("#id_first_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=days][value=TU]")
    page.check("input[name=days][value=TH]")
    page.click("button[value=preview]")  # no end given: refused, nothing written
    page.locator("#problem").wait_for()
    assert not Series.objects.exists()
    assert_accessible(page)
    page.fill("#id_count", "6")
    page.click("button[value=preview]")
    page.locator("#preview").wait_for()
    assert page.locator(".series-dates li").count() == 6
    assert not Series.objects.exists()
    assert_accessible(page)
    page.locator("#preview").scroll_into_view_if_needed()
    screenshot(page, "programme-series-preview-tablet")
    page.click("button[value=publish]")
    page.locator(".messages").wait_for()
    one = Series.objects.get()
    assert one.sessions.filter(published=True).count() == 6
    screenshot(page, "programme-series-published-tablet")
