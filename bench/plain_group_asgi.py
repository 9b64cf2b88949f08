"""The baseline for the board fan-out benchmark: what plain Channels does, one group member per socket."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoute.settings")
get_asgi_application()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from ecoute.lib.lifespan import Lifespan  # noqa: E402

GROUP = "bench-plain"


class PlainGroupWatcher(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.send(text_data='{"type": "ready"}')

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def bench_message(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": URLRouter([path("ws/plain/", PlainGroupWatcher.as_asgi())]),
        "lifespan": Lifespan(),
    }
)
