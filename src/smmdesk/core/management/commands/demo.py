from __future__ import annotations

from django.core.management.base import BaseCommand

from smmdesk.core.demo import demo_create


class Command(BaseCommand):
    help = ("Create the demo workspace: sandbox channels with a year of history and "
            "posts scheduled for the coming weeks. Prints the login.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="delete the demo workspace and make it again")
        parser.add_argument("--language", choices=("en", "ru", "uk", "be"), default=None,
                            help="the workspace's own texts (default: SMMDESK_LANGUAGE, else "
                                 "the system locale, else en)")

    def handle(self, *args, reset=False, language=None, **options):
        login = demo_create(reset=reset, language=language,
                            progress=lambda msg: self.stdout.write(f"demo: {msg}"))
        self.stdout.write(self.style.SUCCESS(
            f"demo: log in as {login.email} with the password {login.password}"))
