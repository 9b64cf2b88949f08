"""The websocket URLs of the line; their messages are in docs/protocol.md (the call router is ecoute/calls/router.py)."""

from django.urls import path

from ecoute.calls.consumers import CallerSocket, SupervisorSocket, WorkspaceSocket
from ecoute.protocol.events import CALLER, PHONE_PATH, SOCKET_PATHS, SUPERVISION, WORKSPACE
from ecoute.telephony.socket import PhoneSocket

websocket_urlpatterns = [
    path(SOCKET_PATHS[CALLER].lstrip("/"), CallerSocket.as_asgi()),
    path(SOCKET_PATHS[WORKSPACE].lstrip("/"), WorkspaceSocket.as_asgi()),
    path(SOCKET_PATHS[SUPERVISION].lstrip("/"), SupervisorSocket.as_asgi()),
    # The phone line's media agent, one socket per phone call (docs/telephony.md).
    path(PHONE_PATH.lstrip("/"), PhoneSocket.as_asgi()),
]
