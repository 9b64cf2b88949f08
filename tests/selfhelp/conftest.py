import datetime

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.selfhelp.models import Sheet, Theme
from tests.support.abuse import forget_cache_keys
from tests.support.cast import _user
from tests.support.twofactor import log_in


def make_sheet(slug="fatigue", state="published", language="fr", **fields) -> Sheet:
    now = timezone.now()
    publish_at = {
        "published": now - datetime.timedelta(days=1),
        "scheduled": now + datetime.timedelta(days=3),
        "draft": None,
    }[state]
    defaults = {
        "title": "Repérer la fatigue",
        "summary": "Quand le repos ne suffit plus.",
        "theme": Theme.FATIGUE,
        "body": "## Les signes\n\n- fatigué dès le réveil\n- des erreurs inhabituelles\n",
    }
    return Sheet.objects.create(slug=slug, language=language, publish_at=publish_at, **{**defaults, **fields})


@pytest.fixture
def editor_client(client, db):
    return log_in(client, _user("redaction", Role.EDITOR))


def ensure_phrases():
    """The default watched phrases (a migration loads them; transactional tests empty the tables)."""
    from ecoute.selfhelp.lexicon import DEFAULT_PHRASES
    from ecoute.selfhelp.models import WatchedPhrase

    for phrase, after, before in DEFAULT_PHRASES:
        WatchedPhrase.objects.get_or_create(
            phrase=phrase, defaults={"not_followed_by": after, "not_preceded_by": before}
        )


@pytest.fixture
def moderator(db):
    return _user("moderatrice", Role.MODERATOR)


@pytest.fixture
def moderator_client(client, moderator):
    return log_in(client, moderator)


@pytest.fixture(autouse=True)
def _no_cached_pages():
    """The pages cached a few seconds (the help block's live sentence) start fresh in each test."""
    forget_cached_pages()


def forget_cached_pages() -> None:
    forget_cache_keys("*views.decorators.cache*")
