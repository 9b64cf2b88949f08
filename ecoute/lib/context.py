from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Always one tap away on every caller page.
EMERGENCY_NUMBERS = [
    ("15", "SAMU"),
    ("112", _("Urgences")),
    ("3114", _("Prévention du suicide")),
]


def line_facts(request) -> dict:
    return {
        "phone_number": settings.ECOUTE_PHONE_NUMBER,
        "phone_number_tel": settings.ECOUTE_PHONE_NUMBER.replace(" ", ""),
        "emergency_numbers": EMERGENCY_NUMBERS,
        "quick_exit_url": settings.ECOUTE_QUICK_EXIT_URL,
    }
