"""Certificates of attendance as PDF (WeasyPrint), verifiable by their short code on a public page."""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Kind

# Not a static file: only WeasyPrint reads it (a template may hold no inline style, CSP or not).
STYLE = Path(__file__).parent / "pdf" / "certificate.css"


def pdf(registration) -> bytes:
    """The attestation de présence (de fin de formation, with the DPC reference, for a training)."""
    from weasyprint import CSS, HTML  # imported here: it loads Pango, which only this needs

    event = registration.event
    with translation.override(registration.language):
        html = render_to_string(
            "programme/certificate.html",
            {
                "registration": registration,
                "event": event,
                "is_training": event.kind == Kind.FORMATION,
                "slots": event.slots.all(),
                "issued": timezone.localdate(),
                "verify_url": settings.ECOUTE_PUBLIC_URL + reverse("programme:verify"),
            },
        )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=STYLE)])
