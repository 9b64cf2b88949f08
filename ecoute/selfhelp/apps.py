from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfHelpConfig(AppConfig):
    name = "ecoute.selfhelp"
    label = "selfhelp"
    verbose_name = _("Ressources, auto-tests et témoignages")
