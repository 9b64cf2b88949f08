"""{% directory_panel %}: the directory's side panel, dropped into the workspace without touching its view."""

from django import template

from ecoute.accounts.models import Language
from ecoute.directory.models import Kind, Theme

register = template.Library()


@register.inclusion_tag("directory/includes/workspace_panel.html", takes_context=True)
def directory_panel(context):
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "directory_kinds": Kind.choices,
        "directory_themes": Theme.objects.all(),
        "directory_languages": Language.objects.all(),
    }
