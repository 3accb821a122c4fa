"""The signed-in person's own account: changing the password, accepting an invitation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.accounts.models import Invitation, User
from smmdesk.accounts.roles import Perm
from smmdesk.accounts.services import (
    invitation_accept,
    invitation_accept_new_user,
    invitation_open,
)
from smmdesk.lib.errors import SmmdeskError
from smmdesk.web.decorators import requires

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (checks the old password, runs the validators, keeps this session
    signed in and signs out the others) in the app's frame."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed. Other devices where you "
                                         "were signed in are signed out."))
        return response


class NewAccountForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150, required=False)
    password = forms.CharField(label=gettext_lazy("Choose a password"), max_length=200,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


def _page(request, invitation: Invitation | None, *, error: str = "", status: int = 200,
          form: NewAccountForm | None = None):
    has_account = invitation is not None and User.objects.filter(
        email=invitation.email).exists()
    return render(request, "web/invitation.html", {
        "invitation": invitation, "error": error, "has_account": has_account,
        "form": form or NewAccountForm(), "next": request.get_full_path()}, status=status)


def _accept(request, token: str, invitation: Invitation):
    try:
        if request.user.is_authenticated:
            membership = invitation_accept(token=token, user=request.user)
        else:
            form = NewAccountForm(request.POST)
            if not form.is_valid():
                return _page(request, invitation, form=form, status=400)
            user = invitation_accept_new_user(token=token, name=form.cleaned_data["name"],
                                              password=form.cleaned_data["password"])
            login(request, user, backend=MODEL_BACKEND)
            membership = user.memberships.get(workspace=invitation.workspace)
    except SmmdeskError as exc:
        return _page(request, invitation, error=exc.message, status=exc.status)
    messages.success(request, _("Welcome to %(workspace)s.")
                     % {"workspace": membership.workspace.name})
    return redirect("web:workspace", slug=membership.workspace.slug)


@requires(Perm.PUBLIC)
def invitation(request, token: str):
    """Open to anyone with the link; only the invited e-mail address can accept."""
    try:
        found = invitation_open(token)
    except SmmdeskError as exc:
        return _page(request, None, error=exc.message, status=exc.status)
    if request.method == "POST":
        return _accept(request, token, found)
    return _page(request, found)


urlpatterns = [
    path("profile/password/", requires(Perm.SIGNED_IN)(PasswordChangeView.as_view()),
         name="password_change"),
    path("invite/<str:token>/", invitation, name="invitation"),
]
