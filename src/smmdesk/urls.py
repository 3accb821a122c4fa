from django.urls import include, path

from smmdesk.api.v1 import api
from smmdesk.core.views import healthz, public_media, webhook
from smmdesk.web.decorators import public
from smmdesk.web.views import money

urlpatterns = [
    path("healthz", public(healthz), name="healthz"),
    # Before hooks/<kind>/<channel_id>/, which would take "conversions" for a network.
    path("hooks/conversions/<int:workspace_id>/", money.conversion_webhook,
         name="conversion_webhook"),
    path("hooks/<str:kind>/", public(webhook), name="webhook"),
    path("hooks/<str:kind>/<int:channel_id>/", public(webhook), name="channel_webhook"),
    path("m/<str:token>/", public(public_media), name="public_media"),
    path("api/v1/", api.urls),
    path("", include("smmdesk.web.urls")),
]
