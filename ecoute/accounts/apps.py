from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ecoute.accounts"
    verbose_name = _("Comptes des équipes")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from .sessions import journal_logout

        user_logged_out.connect(journal_logout, dispatch_uid="ecoute-journal-logout")
