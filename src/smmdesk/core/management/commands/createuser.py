from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from smmdesk.accounts.models import User, Workspace
from smmdesk.accounts.services import membership_set, user_create, workspace_create
from smmdesk.lib.errors import SmmdeskError


class Command(BaseCommand):
    help = "Create a user; optionally give them a new workspace or a role in an existing one."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="omit to be asked (not echoed)")
        parser.add_argument("--workspace", help="name of a new workspace they will own, or "
                                                "the slug of an existing one")
        parser.add_argument("--role", default="owner",
                            choices=["owner", "manager", "editor", "analyst", "client"])
        parser.add_argument("--superuser", action="store_true")

    def handle(self, *args, email, name, password, workspace, role, superuser, **options):
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = user_create(email=email, password=password, name=name)
        except SmmdeskError as exc:
            raise CommandError(exc.message) from exc
        if superuser:
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        if workspace:
            existing = Workspace.objects.filter(slug=workspace).first()
            if existing:
                membership_set(workspace=existing, user=user, role=role)
                self.stdout.write(f"{email} is {role} of {existing.name}")
            else:
                ws = workspace_create(name=workspace, owner=user)
                self.stdout.write(f"{email} owns the new workspace {ws.name} (/w/{ws.slug}/)")
        self.stdout.write(self.style.SUCCESS(f"created {email}"))
