from __future__ import annotations

from django.core.management.base import BaseCommand

from smmdesk.connectors.base import Format, MediaKind
from smmdesk.connectors.registry import CONNECTORS, connector_class

CAPABILITIES = [("delete", "delete"), ("edit", "edit"), ("comments", "comments"),
                ("reply", "reply"), ("hide_comment", "hide"),
                ("delete_comment", "delete comment"), ("post_metrics", "post metrics"),
                ("account_metrics", "account metrics"), ("webhooks", "webhooks"),
                ("find_published", "find_published")]


def rows() -> list[list[str]]:
    """One row per network, from the connectors' own declarations."""
    out = []
    for kind in CONNECTORS:
        cls = connector_class(kind)
        formats = ",".join(f.value for f in Format if f in cls.limits.formats)
        kinds = ",".join(k.value for k in MediaKind if k in cls.limits.media_kinds) or "-"
        connect = "oauth" if cls.oauth else ("form" if cls.connect_fields else "—")
        out.append([kind, connect, formats, str(cls.limits.text_max), str(cls.limits.media_max),
                    kinds]
                   + ["yes" if getattr(cls.capabilities, attr) else "-"
                      for attr, _title in CAPABILITIES])
    return out


class Command(BaseCommand):
    help = "Print every network with the capabilities its connector declares."

    def handle(self, *args, **options):
        header = ["network", "connect", "formats", "text", "media", "media kinds"] + [
            t for _a, t in CAPABILITIES]
        table = [header] + rows()
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        self.stdout.write(f"{len(rows()) - 2} networks, plus webhook and sandbox; "
                          "find_published: can look for a post whose sending was cut off.")
        for n, row in enumerate(table):
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
