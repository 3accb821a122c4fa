"""REST API v1. Thin: every handler checks access, calls a service or selector, returns."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from smmdesk import __version__
from smmdesk.api import errors
from smmdesk.api.auth import AUTH
from smmdesk.api.parser import ObjectParser
from smmdesk.api.routers import accounts, channels, content, publications, reports

api = NinjaAPI(
    title="smmdesk API",
    version=f"1 ({__version__})",
    description="Plan, schedule and publish to social networks. Authenticate with "
                "`Authorization: Bearer <token>`; create tokens on your profile page or "
                "with `POST /api/v1/tokens`. Errors are `{\"error\": {\"code\", \"message\"}}`.",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    # Served from ninja's static files (never a CDN); no online validator badge either.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=ObjectParser(),
)
errors.install(api)
api.add_router("", accounts.router)
api.add_router("", channels.router)
api.add_router("", content.router)
api.add_router("", publications.router)
api.add_router("", "smmdesk.api.routers.money.router")
api.add_router("", reports.router)
api.add_router("", "smmdesk.api.routers.analytics.router")
api.add_router("", "smmdesk.api.routers.listening.router")
