"""Where "open on the network" leads for a published publication."""

from __future__ import annotations

from django import template

from smmdesk.sandbox.selectors import sandbox_post_path

register = template.Library()


@register.filter
def post_link(pub, slug: str) -> str:
    """The sandbox has no site: its posts open inside smmdesk (a path, same tab). Other
    networks: the address the network gave, or "" when it gave none."""
    if pub.channel.kind == "sandbox":
        return sandbox_post_path(slug=slug, post_id=pub.external_id) \
            if pub.external_id.isdigit() else ""
    return pub.external_url
