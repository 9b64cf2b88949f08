from django.urls import path

from ecoute.calls.consumers import CallerSocket, SupervisorSocket, WorkspaceSocket
from ecoute.telephony.socket import PhoneSocket

websocket_urlpatterns = [
    path("ws/line/", CallerSocket.as_asgi()),
    path("ws/workspace/", WorkspaceSocket.as_asgi()),
    path("ws/supervision/", SupervisorSocket.as_asgi()),
    # The phone line's media agent, one socket per phone call (docs/telephony.md).
    path("ws/telephony/", PhoneSocket.as_asgi()),
]
