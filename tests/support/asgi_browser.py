"""A minimal browser speaking to the production ASGI application in this process, from an address.

The request goes through KeySource and ForgetClientAddress as on a server, so what the abuse limits
see (the keyed source) is what they would see behind uvicorn. The views run on the application's own
threads and database connections: tests using it need committed data (transaction=True).
"""

from http.cookies import SimpleCookie
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator


class Answer:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode()


class AsgiBrowser:
    def __init__(self, peer: str):
        self.peer = peer
        self.cookies: dict[str, str] = {}

    def get(self, path: str, headers=()) -> Answer:
        return self.request("GET", path, b"", headers)

    def post(self, path: str, data: dict, headers=()) -> Answer:
        if "csrftoken" not in self.cookies:
            self.get(path)
        body = urlencode({**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        return self.request(
            "POST", path, body, [("content-type", "application/x-www-form-urlencoded"), *headers]
        )

    def request(self, method: str, path: str, body: bytes, headers=()) -> Answer:
        return async_to_sync(self._request)(method, path, body, headers)

    async def _request(self, method, path, body, headers) -> Answer:
        from ecoute.asgi import application

        raw = [(b"host", b"localhost"), *((name.encode(), value.encode()) for name, value in headers)]
        if self.cookies:
            raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": raw,
            "client": (self.peer, 40000),
            "server": ("127.0.0.1", 8000),
        }
        app = ApplicationCommunicator(application, scope)
        await app.send_input({"type": "http.request", "body": body, "more_body": False})
        start = await app.receive_output(30)
        content = b""
        while True:
            message = await app.receive_output(30)
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        await app.wait(5)
        answer_headers = {}
        for name, value in start["headers"]:
            name, value = name.decode().lower(), value.decode()
            if name == "set-cookie":
                cookie = SimpleCookie(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            answer_headers[name] = value
        return Answer(start["status"], answer_headers, content)
