"""Under ASGI, Django runs the middleware above the lowest synchronous-only one in one thread; a
middleware below it that can run asynchronously would be run so, and each of its hooks
(`MiddlewareMixin`: process_request, process_response) would hop to a thread and back, a thousand
times a second in a registration burst (docs/performance.md, "Registrations to a popular event")."""

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


def test_under_asgi_no_middleware_hops_to_a_thread_for_each_of_its_hooks(monkeypatch):
    run_async = {}
    adapt = BaseHandler.adapt_method_mode

    def noted(self, is_async, method, method_is_async=None, debug=False, name=None):
        if name:  # "middleware <path>": the mode Django chose for that middleware
            run_async[name.removeprefix("middleware ")] = is_async
        return adapt(self, is_async, method, method_is_async, debug, name)

    monkeypatch.setattr(BaseHandler, "adapt_method_mode", noted)
    ASGIHandler()  # loads the middleware as each server process does
    assert set(run_async) == set(settings.MIDDLEWARE)
    assert [path for path, is_async in run_async.items() if is_async] == []
