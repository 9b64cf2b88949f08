from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "ecoute.calls"
    verbose_name = _("Appels")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
