from django.urls import path

from ecoute.calls.consumers import CallerSocket, SupervisorSocket, WorkspaceSocket

websocket_urlpatterns = [
    path("ws/line/", CallerSocket.as_asgi()),
    path("ws/workspace/", WorkspaceSocket.as_asgi()),
    path("ws/supervision/", SupervisorSocket.as_asgi()),
]
