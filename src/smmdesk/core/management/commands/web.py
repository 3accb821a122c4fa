from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web interface and the API with waitress (production-ready WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from smmdesk.wsgi import application, prepare

        prepare()
        self.stdout.write(f"web: serving http://{host}:{port}/")
        serve(application, host=host, port=port, threads=threads, ident="smmdesk",
              clear_untrusted_proxy_headers=True, channel_timeout=120)
