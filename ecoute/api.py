"""The one JSON API of Écoute (django-ninja, OpenAPI at /api/openapi.json); each app adds a router."""

from ninja import NinjaAPI

from ecoute.stats.api import router as stats_router

api = NinjaAPI(title="Écoute", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/stats/", stats_router)
