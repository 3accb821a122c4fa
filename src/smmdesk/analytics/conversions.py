"""Conversions (registrations, orders, calls, won leads), what each is credited to, promo
codes, and the workspace's measuring settings.

``conversion_record`` is the one write path: the signed webhook, the API, the CSV import,
the form on the money page and the inbox (a lead marked won) all call it.

Attribution, first match wins:

1. **promo** — the promo code names one of the workspace's promo codes (any case);
2. **click** — a click on our short link: the click given by id, else the last human
   click on the link given (its code in ``link`` or in ``utm_content``), else — when the
   visitor's hash is given — that visitor's last click on any of the workspace's links;
   only clicks within ``AnalyticsSettings.attribution_days`` before the conversion count;
3. **utm** — ``utm_campaign`` names a campaign (its UTM value or its name as a slug) or a
   post's own UTM campaign, or ``utm_source`` names the network of exactly one channel
   (smmdesk tags links with ``utm_source=<network>``);
4. **lead** — an inbox lead: its channel and the post it was written under;
5. **none**.

The post, channel and campaign of the conversion come from what it is credited to.
The same ``external_id`` sent twice is stored once: the second call returns the first.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.links import CODE_RE
from smmdesk.analytics.models import (
    AnalyticsSettings,
    Attribution,
    Click,
    Conversion,
    ConversionKind,
    ConversionSource,
    PromoCode,
    ShortLink,
)
from smmdesk.channels.models import Channel
from smmdesk.content.models import Campaign, Post
from smmdesk.lib.badinput import MAX_ID
from smmdesk.lib.db import write_transaction
from smmdesk.lib.errors import InvalidInput, NotFound

MONEY_MAX = Decimal(10) ** 12
ATTRIBUTION_DAYS_MAX = 90
FUTURE_SLACK = timedelta(days=1)  # a sender's clock may run ahead; a day is the most taken
WEBHOOK_MAX_AGE = 5 * 60  # seconds: an older X-Smmdesk-Timestamp is refused
SIGNATURE_HEADER = "X-Smmdesk-Signature"
TIMESTAMP_HEADER = "X-Smmdesk-Timestamp"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_UNSET = object()


# --- reading what people and senders type ------------------------------------------------

def money_parse(value, *, field: str = "value") -> Decimal | None:
    """"1 200,50", "1200.5" and 1200.5 are the same amount; "" is none; below 0 is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = "x"
    text = str(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) >= MONEY_MAX:
        raise InvalidInput(_("%(field)s is a number, e.g. 1500 or 1500.50.")
                           % {"field": _field_name(field)}, code=f"invalid_{field}")
    if amount < 0:
        raise InvalidInput(_("%(field)s cannot be negative.") % {"field": _field_name(field)},
                           code=f"negative_{field}")
    return amount.quantize(Decimal("0.01"))


def _field_name(field: str) -> str:
    return {"value": _("The value"), "amount": _("The amount"), "hours": _("Hours"),
            "hourly_rate": _("The hourly rate")}.get(field, field)


def kind_parse(value) -> str:
    text = str(value or "").strip().lower()
    if not text:
        return ConversionKind.ORDER
    if text not in ConversionKind.values:
        raise InvalidInput(_("Unknown conversion kind “%(kind)s”: use one of %(kinds)s.")
                           % {"kind": str(value)[:40], "kinds": ", ".join(ConversionKind.values)},
                           code="invalid_kind")
    return text


def moment_parse(value, *, workspace: Workspace, now: datetime | None = None) -> datetime:
    """When a conversion happened: a datetime, an ISO 8601 text ("2026-03-02T14:05:00+02:00",
    "2026-03-02 14:05", "2026-03-02") or a Unix time; without a zone it is the workspace's
    time; none is now. Later than a day from now is refused."""
    now = now or timezone.now()
    if value in (None, ""):
        return now
    moment = _moment(value, workspace.tz)
    if moment is None:
        raise InvalidInput(_("“%(value)s” is not a date: use 2026-03-02 or "
                             "2026-03-02T14:05:00+02:00.") % {"value": str(value)[:40]},
                           code="invalid_date")
    if moment > now + FUTURE_SLACK:
        raise InvalidInput(_("The conversion's date is in the future."), code="future_date")
    return moment


def _moment(value, tz) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12, 0))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        text = str(value).strip()
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            return None
        if moment is None and day is not None:
            moment = datetime.combine(day, time(12, 0))
        if moment is None:
            return _dotted(text, tz)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=tz)


def _dotted(text: str, tz) -> datetime | None:
    """"02.03.2026" (and "02.03.2026 14:05"), as spreadsheets in ru/uk/be write dates."""
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=tz, hour=moment.hour if ":" in text else 12)
    return None


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit]


def utm_clean(utm) -> dict[str, str]:
    """The utm_* values that were sent (strings, 200 characters at most)."""
    if not isinstance(utm, dict):
        return {}
    return {k: _text(utm.get(k), 200) for k in UTM_KEYS if _text(utm.get(k), 200)}


# --- settings -----------------------------------------------------------------------------

def _secret() -> str:
    return secrets.token_hex(32)


def analytics_settings_get(*, workspace: Workspace) -> AnalyticsSettings:
    """The workspace's settings row, made (with a random webhook secret) on first use."""
    found, _created = AnalyticsSettings.objects.get_or_create(
        workspace=workspace, defaults={"webhook_secret": _secret()})
    if not found.webhook_secret:
        found.webhook_secret = _secret()
        found.save(update_fields=["webhook_secret"])
    return found


def analytics_settings_rotate_secret(*, workspace: Workspace) -> AnalyticsSettings:
    """A new webhook secret: requests signed with the old one are refused from now on."""
    found = analytics_settings_get(workspace=workspace)
    found.webhook_secret = _secret()
    found.save(update_fields=["webhook_secret"])
    return found


def analytics_settings_update(*, workspace: Workspace, attribution_days=None, currency=None,
                              hourly_rate=_UNSET, brand_name=None,
                              brand_color=None) -> AnalyticsSettings:
    """Change what is given; ``hourly_rate=""`` or None clears the rate."""
    s = analytics_settings_get(workspace=workspace)
    if attribution_days not in (None, ""):
        try:
            days = int(attribution_days)
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= ATTRIBUTION_DAYS_MAX:
            raise InvalidInput(_("The attribution window is from 1 to %(n)d days.")
                               % {"n": ATTRIBUTION_DAYS_MAX}, code="invalid_attribution_days")
        s.attribution_days = days
    if currency not in (None, ""):
        code = str(currency).strip().upper()
        if not _CURRENCY.match(code):
            raise InvalidInput(_("A currency is a three-letter code, e.g. USD, EUR, UAH."),
                               code="invalid_currency")
        s.currency = code
    if hourly_rate is not _UNSET:
        s.hourly_rate = money_parse(hourly_rate, field="hourly_rate")
    if brand_name is not None:
        s.brand_name = _text(brand_name, 200)
    if brand_color not in (None, ""):
        if not _COLOR.match(str(brand_color)):
            raise InvalidInput(_("A colour is written as #RRGGBB, e.g. #2563eb."),
                               code="invalid_color")
        s.brand_color = str(brand_color).lower()
    s.save()
    return s


# --- the webhook's signature ------------------------------------------------------------------

def webhook_signature(*, secret: str, body: bytes) -> str:
    """What goes into X-Smmdesk-Signature: "sha256=" + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class BadSignature(InvalidInput):
    status = 401
    code = "bad_signature"


def webhook_verify(*, workspace: Workspace, body: bytes, signature: str | None,
                   timestamp: str | None = None, now: float | None = None) -> None:
    """Refuse a request whose signature is missing (InvalidInput, 400) or wrong
    (BadSignature, 401), or whose timestamp is not a Unix time (400) or is more than five
    minutes away from now (401)."""
    if not signature:
        raise InvalidInput(_("The request is not signed: send the %(header)s header.")
                           % {"header": SIGNATURE_HEADER}, code="signature_missing")
    if timestamp not in (None, ""):
        try:
            sent = int(str(timestamp).strip())
        except ValueError:
            raise InvalidInput(_("%(header)s is a Unix time in seconds.")
                               % {"header": TIMESTAMP_HEADER}, code="invalid_timestamp") from None
        now = time_module.time() if now is None else now
        if abs(now - sent) > WEBHOOK_MAX_AGE:
            raise BadSignature(_("The request is too old (or its clock is wrong): "
                                 "%(header)s is more than 5 minutes from now.")
                               % {"header": TIMESTAMP_HEADER}, code="stale")
    secret = (AnalyticsSettings.objects.filter(workspace=workspace)
              .values_list("webhook_secret", flat=True).first())
    expected = webhook_signature(secret=secret, body=body) if secret else ""
    if not expected or not hmac.compare_digest(expected.encode(), str(signature).strip()
                                               .encode("utf-8", "replace")):
        raise BadSignature(_("The signature does not match: sign the raw body with the "
                             "workspace's webhook secret (HMAC-SHA256)."))


# --- attribution ------------------------------------------------------------------------------

@dataclass
class Credit:
    attribution: str = Attribution.NONE
    click: Click | None = None
    link: ShortLink | None = None
    promo: PromoCode | None = None
    post: Post | None = None
    channel: Channel | None = None
    campaign: Campaign | None = None
    lead: object = None

    @property
    def rows(self) -> dict:
        campaign = self.campaign or (self.post.campaign if self.post else None)
        return {"attribution": self.attribution, "click": self.click, "link": self.link,
                "promo": self.promo, "post": self.post, "channel": self.channel,
                "campaign": campaign, "lead": self.lead}


def _by_promo(workspace: Workspace, code: str) -> Credit | None:
    code = code.strip()
    promo = code and (PromoCode.objects.filter(workspace=workspace, code__iexact=code)
                      .select_related("post__campaign", "channel", "campaign").first())
    if not promo:
        return None
    return Credit(Attribution.PROMO, promo=promo, post=promo.post, channel=promo.channel,
                  campaign=promo.campaign)


def _link_of(workspace: Workspace, code: str) -> ShortLink | None:
    code = code.strip().rsplit("/l/", 1)[-1].strip("/")  # a whole short address is fine too
    if not CODE_RE.match(code):
        return None
    return ShortLink.objects.filter(workspace=workspace, code=code).first()


def _by_click(workspace: Workspace, *, at: datetime, link_code: str, click_id,
              visitor: str) -> Credit | None:
    days = analytics_settings_get(workspace=workspace).attribution_days
    clicks = Click.objects.filter(link__workspace=workspace, bot=False, at__lte=at,
                                  at__gt=at - timedelta(days=days))
    if click_id not in (None, ""):
        pk = row_id(click_id)
        if not 1 <= pk <= MAX_ID:
            return None
        clicks = clicks.filter(pk=pk)
    else:
        link = _link_of(workspace, link_code) if link_code else None
        if link is not None:
            clicks = clicks.filter(link=link)
        elif not visitor:
            return None
        if visitor:
            clicks = clicks.filter(visitor=visitor)
    click = (clicks.select_related("link__post__campaign", "link__channel", "link__campaign")
             .order_by("-at", "-pk").first())
    if click is None:
        return None
    link = click.link
    return Credit(Attribution.CLICK, click=click, link=link, post=link.post,
                  channel=link.channel, campaign=link.campaign)


def _by_utm(workspace: Workspace, utm: dict[str, str]) -> Credit | None:
    credit = Credit(Attribution.UTM)
    wanted = slugify(utm.get("utm_campaign", ""))
    if wanted:
        for campaign in Campaign.objects.filter(workspace=workspace):
            if wanted in {slugify(campaign.utm_campaign), slugify(campaign.name)} - {""}:
                credit.campaign = campaign
                break
        if credit.campaign is None:
            post = (Post.objects.filter(workspace=workspace, utm_campaign__iexact=wanted)
                    .select_related("campaign").order_by("-pk").first())
            credit.post = post
    source = utm.get("utm_source", "").strip().lower()
    if source:
        channels = list(Channel.objects.filter(workspace=workspace, kind=source)[:2])
        if len(channels) == 1:
            credit.channel = channels[0]
    return credit if (credit.campaign or credit.post or credit.channel) else None


def _by_lead(lead) -> Credit:
    publication = lead.publication
    post = publication.post if publication is not None else None
    return Credit(Attribution.LEAD, lead=lead, post=post, channel=lead.channel)


def attribute(*, workspace: Workspace, at: datetime, promo_code: str = "", link: str = "",
              click=None, visitor: str = "", utm: dict | None = None, lead=None) -> Credit:
    """What a conversion at ``at`` is credited to (module docstring: the order)."""
    utm = utm or {}
    credit = (_by_promo(workspace, promo_code)
              or _by_click(workspace, at=at, link_code=link or utm.get("utm_content", ""),
                           click_id=click, visitor=visitor)
              or _by_utm(workspace, utm)
              or (_by_lead(lead) if lead is not None else None)
              or Credit())
    if lead is not None:
        credit.lead = lead
    return credit


# --- recording --------------------------------------------------------------------------------

def conversion_record(*, workspace: Workspace, kind, source: str, value=None,
                      occurred_at=None, external_id: str = "", link: str = "", click=None,
                      visitor: str = "", utm: dict | None = None, promo_code: str = "",
                      lead=None, note: str = "", now: datetime | None = None) -> Conversion:
    """Store one conversion, credited as the module docstring says. The same
    ``external_id`` (or the same lead) twice returns the stored one. The conversion has
    ``created`` set: False when it was already there."""
    if source not in ConversionSource.values:
        raise ValueError(f"unknown conversion source {source!r}")
    kind, amount = kind_parse(kind), money_parse(value)
    at = moment_parse(occurred_at, workspace=workspace, now=now)
    external_id, utm = _text(external_id, 200), utm_clean(utm)
    existing = _existing(workspace, external_id, lead)
    if existing is not None:
        return existing
    credit = attribute(workspace=workspace, at=at, promo_code=_text(promo_code, 40),
                       link=_text(link, 300), click=click, visitor=_text(visitor, 64),
                       utm=utm, lead=lead)
    try:
        with write_transaction():
            conversion = Conversion.objects.create(
                workspace=workspace, kind=kind, value=amount, occurred_at=at,
                external_id=external_id, source=source, utm=utm, note=_text(note, 500),
                **credit.rows)
    except IntegrityError:  # sent twice at once: the other one was stored first
        existing = _existing(workspace, external_id, lead)
        if existing is None:
            raise
        return existing
    conversion.created = True
    return conversion


def _existing(workspace: Workspace, external_id: str, lead) -> Conversion | None:
    found = None
    if external_id:
        found = Conversion.objects.filter(workspace=workspace, external_id=external_id).first()
    if found is None and lead is not None:
        found = Conversion.objects.filter(workspace=workspace, lead=lead).first()
    if found is not None:
        found.created = False
    return found


def conversion_delete(*, workspace: Workspace, conversion_id) -> None:
    deleted, _rows = Conversion.objects.filter(workspace=workspace,
                                               pk=row_id(conversion_id)).delete()
    if not deleted:
        raise NotFound(_("Conversion not found."), code="conversion_not_found")


def row_id(value) -> int:
    """A row id as sent, or 0 (no row) when it is not one: a database id fits 63 bits."""
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return pk if 1 <= pk <= MAX_ID else 0


def conversion_for_lead_sync(*, lead) -> Conversion | None:
    """Keep a lead's conversion in step with its status: a won lead has one conversion
    of kind "lead" with the lead's value (recorded once, its value kept up to date); a
    lead marked back (new, contacted, lost) has none. Called by the inbox after commit."""
    from smmdesk.inbox.models import LeadStatus

    if lead.status != LeadStatus.WON:
        Conversion.objects.filter(workspace_id=lead.workspace_id, lead=lead).delete()
        return None
    conversion = conversion_record(workspace=lead.workspace, kind=ConversionKind.LEAD,
                                   source=ConversionSource.INBOX, value=lead.value, lead=lead)
    if not conversion.created and conversion.value != lead.value:
        Conversion.objects.filter(pk=conversion.pk).update(value=lead.value)
        conversion.value = lead.value
    return conversion


def conversion_list(*, workspace: Workspace, start: date | None = None,
                    end: date | None = None, limit: int = 200):
    rows = Conversion.objects.filter(workspace=workspace)
    if start and end:
        from smmdesk.analytics.dashboard import Period

        since, until = Period(start, end).bounds(workspace.tz)
        rows = rows.filter(occurred_at__gte=since, occurred_at__lt=until)
    return (rows.select_related("post", "channel", "campaign", "promo", "link")
            .order_by("-occurred_at", "-pk")[:limit])


# --- promo codes --------------------------------------------------------------------------

_PROMO = re.compile(r"^[\w-]{2,40}$")


def promo_code_create(*, workspace: Workspace, code: str, post: Post | None = None,
                      channel: Channel | None = None,
                      campaign: Campaign | None = None) -> PromoCode:
    code = _text(code, 100)
    if not _PROMO.match(code):
        raise InvalidInput(_("A promo code is 2 to 40 letters, digits, “-” or “_”, "
                           "without spaces."), code="invalid_promo_code")
    workspace_rows_check(workspace, post, channel, campaign)
    with transaction.atomic():
        if PromoCode.objects.filter(workspace=workspace, code__iexact=code).exists():
            raise InvalidInput(_("The promo code %(code)s already exists.") % {"code": code},
                               code="promo_code_taken")
        return PromoCode.objects.create(workspace=workspace, code=code, post=post,
                                        channel=channel,
                                        campaign=campaign or (post.campaign if post else None))


def promo_code_delete(*, workspace: Workspace, promo_id) -> None:
    deleted, _rows = PromoCode.objects.filter(workspace=workspace, pk=row_id(promo_id)).delete()
    if not deleted:
        raise NotFound(_("Promo code not found."), code="promo_not_found")


def workspace_rows_check(workspace: Workspace, *rows) -> None:
    for row in rows:
        if row is not None and row.workspace_id != workspace.pk:
            raise NotFound(_("Not found in this workspace."), code="not_found")
