"""The caller's websocket speaks the language of the pages: what the caller's app shows from the server
(refusals, the language they wait for) follows the cookie of /i18n/setlang/, then the browser's language."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from ecoute.asgi import application
from ecoute.presence.models import Status
from tests.support.cast import make_psychologist
from tests.support.sockets import ORIGIN, Socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def caller(*headers) -> Socket:
    communicator = WebsocketCommunicator(application, "/ws/line/", headers=[ORIGIN, *headers])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    socket = Socket(communicator)
    await socket.expect("presence")
    await socket.send({"type": "hello", "caller_key": "e" * 43})
    await socket.expect("hello")
    return socket


@pytest.mark.parametrize(
    "headers, message",
    [
        ([], "Aucun psychologue de la ligne ne parle cette langue."),
        ([(b"accept-language", b"en-GB,en;q=0.9")], "No psychologist on the line speaks this language."),
        ([(b"cookie", b"django_language=en")], "No psychologist on the line speaks this language."),
        (
            [(b"cookie", b"django_language=fr"), (b"accept-language", b"en")],
            "Aucun psychologue de la ligne ne parle cette langue.",
        ),
    ],
)
async def test_refusals_come_in_the_language_chosen_for_the_pages(headers, message):
    socket = await caller(*headers)
    await socket.send({"type": "queue.join", "language": "xx"})
    error = await socket.expect("error")
    assert error["code"] == "unknown_language" and error["message"] == message
    await socket.close()


async def test_an_english_caller_waiting_for_a_language_reads_its_english_name():
    await database_sync_to_async(make_psychologist)("Nadia", status=Status.IN_CALL, languages=("fr", "ar"))
    await database_sync_to_async(_name_arabic_as_seeded)()
    socket = await caller((b"cookie", b"django_language=en"))
    await socket.send({"type": "queue.join", "language": "ar"})
    await socket.expect("queue.joined")
    assert (await socket.expect("queue.position"))["language"] == "Arabic"
    await socket.close()


def _name_arabic_as_seeded():
    """The cast names languages by their code; the line's table holds the French names of migration 0002."""
    from ecoute.accounts.models import Language

    Language.objects.filter(code="ar").update(name="Arabe")
