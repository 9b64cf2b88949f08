"""The websocket URLs of the line; their messages are in docs/protocol.md (the call router is ecoute/calls/routing.py)."""

from django.urls import path

from ecoute.calls.consumers import CallerSocket, SupervisorSocket, WorkspaceSocket
from ecoute.protocol.events import CALLER, SOCKET_PATHS, SUPERVISION, WORKSPACE

websocket_urlpatterns = [
    path(SOCKET_PATHS[CALLER].lstrip("/"), CallerSocket.as_asgi()),
    path(SOCKET_PATHS[WORKSPACE].lstrip("/"), WorkspaceSocket.as_asgi()),
    path(SOCKET_PATHS[SUPERVISION].lstrip("/"), SupervisorSocket.as_asgi()),
]
