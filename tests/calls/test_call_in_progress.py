"""« The call this psychologist is in »: one question, asked the same way by the calls, the
contact record and the directory (Call.objects.in_progress_with)."""

import pytest

from ecoute.calls.models import Call, CallState
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call

pytestmark = pytest.mark.django_db


def in_progress(user, **options):
    return list(Call.objects.in_progress_with(user.pk, **options))


def test_the_call_one_talks_in_and_no_other():
    claire, karim = make_psychologist("Claire"), make_psychologist("Karim")
    for state in (CallState.ENDED, CallState.ABANDONED, CallState.REQUESTED):
        make_call(claire, state=state)
    talking = make_call(claire, state=CallState.CONNECTED)
    make_call(karim, state=CallState.CONNECTED)
    assert in_progress(claire) == [talking]


def test_a_ringing_call_counts_only_when_asked():
    claire = make_psychologist("Claire")
    ringing = make_call(claire, state=CallState.RINGING)
    assert in_progress(claire) == []
    assert in_progress(claire, ringing=True) == [ringing]


def test_a_call_joined_as_supervisor_counts_only_when_asked():
    claire, helene = make_psychologist("Claire"), make_psychologist("Hélène")
    joined = make_call(claire, state=CallState.CONNECTED)
    Call.objects.filter(pk=joined.pk).update(supervisor=helene)
    assert in_progress(helene) == []
    assert in_progress(helene, joined=True) == [joined]
    assert in_progress(claire, joined=True) == [joined]
    Call.objects.filter(pk=joined.pk).update(state=CallState.ENDED)
    assert in_progress(helene, joined=True) == []
