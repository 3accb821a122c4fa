"""The site's URLs plus one view that fails: for the 500 page's tests only."""

from django.urls import path

from smmdesk.urls import urlpatterns as site
from smmdesk.web.decorators import public


def boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", public(boom)), *site]
