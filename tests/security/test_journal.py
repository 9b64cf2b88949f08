import pytest

from ecoute.security import journal
from ecoute.security.models import SecurityEvent, SecurityEventKind

pytestmark = pytest.mark.django_db


def test_the_security_journal_is_written_once_and_never_changed_or_removed():
    event = journal.record(SecurityEventKind.PURGE, summary="Purge des fiches", records=3)
    assert SecurityEvent.objects.get().details == {"records": 3}
    event.summary = "autre"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().update(summary="autre")
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()
