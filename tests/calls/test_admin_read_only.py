"""Calls are read-only in the administration, as the README says: nobody deletes a call by hand."""

import pytest
from django.urls import reverse

from ecoute.calls.models import Call
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x" * 16, role="administrator")
    return log_in(client, admin)


def test_a_call_cannot_be_deleted_from_the_admin(administrator):
    call = make_call(make_psychologist("Claire"))
    assert (
        administrator.get(reverse("admin:calls_call_change", args=[call.pk])).status_code == 200
    )  # it can be read
    assert administrator.get(reverse("admin:calls_call_delete", args=[call.pk])).status_code == 403
    assert (
        administrator.post(reverse("admin:calls_call_delete", args=[call.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Call.objects.filter(pk=call.pk).exists()


def test_the_bulk_delete_action_is_not_offered_and_refused_if_forged(administrator):
    call = make_call(make_psychologist("Claire"))
    changelist = administrator.get(reverse("admin:calls_call_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    forged = administrator.post(
        reverse("admin:calls_call_changelist"),
        {"action": "delete_selected", "_selected_action": [str(call.pk)], "post": "yes"},
    )
    assert forged.status_code in (200, 302)
    assert Call.objects.filter(pk=call.pk).exists()


def test_a_calls_rings_cannot_be_deleted_through_its_page(administrator):
    from django.contrib import admin

    from ecoute.calls.admin import CallAdmin, RingInline

    inline = RingInline(Call, admin.site)
    request = administrator.get(reverse("admin:calls_call_changelist")).wsgi_request
    assert not inline.has_delete_permission(request) and not CallAdmin(
        Call, admin.site
    ).has_delete_permission(request)
