"""Showing analytics figures: a missing one as "—" (never 0), rates with "%", counts
grouped the way the active language writes numbers, and a change as ▲ / ▼."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from smmdesk.analytics import metrics

register = template.Library()

MISSING = "—"


@register.filter
def metric_value(value, unit: str = metrics.COUNT) -> str:
    """``{{ value|metric_value:unit }}`` with unit "%", "count", "money" or "min"."""
    if value is None:
        return MISSING
    if unit == metrics.PERCENT:
        return f"{number_format(round(value, 2), 2, force_grouping=True)} %"
    if unit == "min":
        return _("%(n)s min") % {"n": number_format(round(value), 0, force_grouping=True)}
    # number_format cuts digits off (0.7778 → "0.77"): round first, as the charts do.
    if unit == metrics.MONEY:
        return number_format(round(value, 2), 2, force_grouping=True)
    if isinstance(value, float) and not value.is_integer():
        return number_format(round(value, 1), 1, force_grouping=True)
    return number_format(int(value), 0, force_grouping=True)


@register.filter
def change_arrow(change) -> str:
    """A change in percent as "▲ 12.5 %", "▼ 3 %" or "= 0 %"; "" when there is none."""
    if change is None:
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{arrow} {number_format(abs(change), 1, force_grouping=True)} %"
