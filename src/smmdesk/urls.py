from django.urls import include, path

from smmdesk.api.v1 import api
from smmdesk.core.views import healthz, public_media, webhook
from smmdesk.web.decorators import public

urlpatterns = [
    path("healthz", public(healthz), name="healthz"),
    path("hooks/<str:kind>/", public(webhook), name="webhook"),
    path("hooks/<str:kind>/<int:channel_id>/", public(webhook), name="channel_webhook"),
    path("m/<str:token>/", public(public_media), name="public_media"),
    path("api/v1/", api.urls),
    path("", include("smmdesk.web.urls")),
]
