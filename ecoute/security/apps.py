from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "ecoute.security"
    verbose_name = _("Sécurité")
