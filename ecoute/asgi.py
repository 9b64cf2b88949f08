"""The one ASGI application: HTTP pages, the websockets of the line, and each process's timers."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoute.settings")
django_http = get_asgi_application()  # sets Django up before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ecoute.calls import timers  # noqa: E402
from ecoute.lib.anonymity import AccessLog, ForgetClientAddress  # noqa: E402
from ecoute.lib.env import env_bool  # noqa: E402
from ecoute.lib.frame_send import KeepFrameSend  # noqa: E402
from ecoute.lib.lifespan import Lifespan  # noqa: E402
from ecoute.lib.source import KeySource  # noqa: E402
from ecoute.lib.warm_up import warm_up  # noqa: E402
from ecoute.security import retention  # noqa: E402
from ecoute.websocket_urls import websocket_urlpatterns  # noqa: E402

warm_up()
websockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
# ECOUTE_TIMERS=0 only for processes that must not act on time (some benchmarks).
background_loops = [timers.run_forever] if env_bool("ECOUTE_TIMERS", True) else []
# The daily retention purge (ecoute/security/retention.py); off when cron runs `manage.py purge`.
if settings.ECOUTE_AUTO_PURGE:
    background_loops.append(retention.run_daily)

# KeySource keeps a keyed, daily-rotating hash of the address for abuse limits only, before
# ForgetClientAddress removes the address itself (ecoute/lib/source.py). KeepFrameSend keeps the
# server's send for the fan-outs' frames (ecoute/lib/frame_send.py).
application = KeepFrameSend(
    KeySource(
        ForgetClientAddress(
            AccessLog(
                ProtocolTypeRouter(
                    {"http": django_http, "websocket": websockets, "lifespan": Lifespan(*background_loops)}
                )
            )
        )
    )
)
