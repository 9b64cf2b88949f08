from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecoute.accounts"
    verbose_name = "Comptes des équipes"
