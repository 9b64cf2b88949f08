"""Search over the published sheets: PostgreSQL's French full-text search, or words found anywhere on SQLite."""

from django.db import connection
from django.db.models import Q

from .models import Sheet

MAX_QUERY = 200


def search_sheets(query: str, language: str):
    """Published sheets of LANGUAGE matching QUERY, best first."""
    query = (query or "").strip()[:MAX_QUERY]
    sheets = Sheet.objects.published().filter(language=language)
    if not query:
        return sheets.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        config = "french" if language == "fr" else "english"
        vector = SearchVector("title", weight="A", config=config) + SearchVector(
            "summary", "body", weight="B", config=config
        )
        found = SearchQuery(query, config=config, search_type="websearch")
        # Matched with @@ (a rank is never 0, even for a sheet that does not match), then ranked.
        return (
            sheets.annotate(document=vector, rank=SearchRank(vector, found))
            .filter(document=found)
            .order_by("-rank", "title")
        )
    # SQLite: every word of the query somewhere in the title, summary or text (case-insensitive).
    for word in query.split()[:10]:
        sheets = sheets.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    return sheets.order_by("title")
