"""URL map of the web interface. Each view module lists its own routes."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from smmdesk.web.decorators import public
from smmdesk.web.views import (
    account,
    analytics,
    analytics_audience,
    analytics_content,
    calendar,
    competitors,
    compose,
    core,
    goals,
    inbox,
    links,
    listening,
    moderation,
    money,
    news,
    oauth,
    plan,
    queue,
    reports,
    sandbox,
    settings,
    team,
    workers,
)

app_name = "web"

urlpatterns = [
    path("", core.home, name="home"),
    path("login/", public(core.LoginView.as_view()), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view(next_page="web:login")),
         name="logout"),
    path("profile/", core.profile, name="profile"),
    path("notifications/", core.notifications, name="notifications"),
    path("api/docs", public(RedirectView.as_view(url="/api/v1/docs", permanent=False))),
    path("workspaces/new/", core.workspace_new, name="workspace_new"),
    path("w/<slug:slug>/", core.workspace, name="workspace"),
    path("w/<slug:slug>/publications/", core.publications, name="publications"),
    path("w/<slug:slug>/publications/<int:pub_id>/", core.publication, name="publication"),
    path("w/<slug:slug>/publications/<int:pub_id>/<str:action>/", core.publication_action,
         name="publication_action"),
    path("w/<slug:slug>/media/<int:media_id>/", core.media_file, name="media_file"),
    *account.urlpatterns,
    *calendar.urlpatterns,
    *compose.urlpatterns,
    *team.urlpatterns,
    *plan.urlpatterns,
    *queue.urlpatterns,
    *reports.urlpatterns,
    *settings.urlpatterns,
    *oauth.urlpatterns,
    *inbox.urlpatterns,
    *moderation.urlpatterns,
    *workers.urlpatterns,
    *sandbox.urlpatterns,
    *analytics.urlpatterns,
    *analytics_content.urlpatterns,
    *analytics_audience.urlpatterns,
    *goals.urlpatterns,
    *links.urlpatterns,
    *money.urlpatterns,
    *listening.urlpatterns,
    *news.urlpatterns,
    *competitors.urlpatterns,
]
