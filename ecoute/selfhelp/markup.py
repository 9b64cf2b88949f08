"""The sheets' text: Markdown written by staff, turned into HTML that only holds what a sheet needs.

Staff write Markdown (headings, lists, links, images); Python-Markdown renders it and nh3 keeps only
the tags and attributes below, whatever the source holds (raw HTML, scripts, event attributes,
javascript: links). `problems` says, before anything is saved, what a reader would miss: an image
without its text alternative, or an image from another site (it would hand every reader's address
to that site).
"""

from html.parser import HTMLParser

import markdown
import nh3
from django.conf import settings
from django.utils.translation import gettext

ALLOWED_TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "a", "strong", "em", "blockquote", "img", "br", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


def render(source: str) -> str:
    """Markdown to sanitised HTML. A top-level heading becomes a second-level one: the page has its title."""
    html = markdown.markdown(source or "", output_format="html")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def sanitise_plain(text: str) -> str:
    """A text shown as text (a testimony): no tag survives at all."""
    return nh3.clean(text or "", tags=set())


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def problems(source: str) -> list[str]:
    """What is wrong with a sheet's Markdown, in words for its writer (empty when it may be saved)."""
    found = _Images()
    found.feed(render(source))
    errors = []
    own = "/" + settings.MEDIA_URL.lstrip("/") + "selfhelp/"
    for image in found.images:
        src = image.get("src") or ""
        if not (image.get("alt") or "").strip():
            errors.append(
                gettext(
                    "L’image %(src)s n’a pas de texte de remplacement : écrivez-le entre les crochets, ![ici](…)."
                )
                % {"src": src}
            )
        if not src.startswith(own):
            errors.append(
                gettext(
                    "L’image %(src)s ne vient pas des images de la fiche : déposez-la d’abord "
                    "(une image d’un autre site recevrait l’adresse de chaque lecteur)."
                )
                % {"src": src}
            )
    return errors
