from django.urls import path

from ecoute.calls.consumers import CallerSocket, WorkspaceSocket

websocket_urlpatterns = [
    path("ws/line/", CallerSocket.as_asgi()),
    path("ws/workspace/", WorkspaceSocket.as_asgi()),
]
