from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "ecoute.contacts"
    verbose_name = "Fiches d'appel"
