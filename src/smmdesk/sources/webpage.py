"""A web page as a listening source: a blog post, a forum thread, a news site's section.

Most sites have no feed for what a brand wants to watch, but every page has text. This
source fetches one page and turns it into items in one of two ways:

- *page* (the default): the page's main text, as trafilatura extracts it without the
  menus, footers and ads around it. An item comes when that text is new or has changed:
  its ``external_id`` is the address plus a short hash of the text, and the cursor is
  that hash, so an unchanged page brings nothing and each change brings one item. The
  first version carries the page's own date when it declares one; a later version is
  dated when smmdesk saw the change (a new reply in a thread is news now, not on the day
  the thread began).
- *listing* (``config["links"]``): the page is a list of articles (a news section). The
  links on it that lead to other pages of the same site, outside its menus and footer,
  are the articles; up to ``config["max"]`` (at most 10) new ones are fetched per run and
  each becomes an item (``external_id`` = its address). The cursor keeps short hashes of
  the links already seen, bounded. The first run takes the newest few and marks the rest
  as seen, so a new source does not download a whole archive.

The module also holds what every source that reads web addresses shares (the feed
source and the Telegram source import it): the address check a person's input gets
(``address_normalise``), a GET that follows at most three redirects itself, each new
address going through ``HttpClient`` and so through the address guard
(``page_get``), the translation of HTTP answers into ``SourceError`` (``answer_error``)
and lazy interpolation of translated messages (``lazy_format``).

trafilatura is handed the bytes smmdesk downloaded; it never fetches anything itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import lxml.html
import trafilatura
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from lxml import etree

from smmdesk.lib import netguard
from smmdesk.lib.http import HttpClient, HttpFailure, retry_after_seconds
from smmdesk.lib.links import safe_http_url
from smmdesk.sources.base import FEED, Batch, Field, Item, Source, SourceError

log = logging.getLogger("smmdesk.sources")

MAX_REDIRECTS = 3
MAX_BODY = 5 * 1024 * 1024  # a page or a feed larger than this is not read
TIMEOUT = 20.0
MAX_ARTICLES = 10  # articles fetched per run in listing mode, at most
DEFAULT_ARTICLES = 5
SEEN_LINKS = 500  # link hashes kept in a listing's cursor
URL_LIMIT = 1000  # listening.Item.url
ID_LIMIT = 300  # listening.Item.external_id
_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# Links inside these are the site's own navigation, not its articles.
_CHROME = ("nav", "header", "footer", "aside", "form", "menu")
_NOT_ARTICLES = frozenset({"tag", "tags", "category", "categories", "author", "authors",
                           "page", "login", "signin", "register", "search", "feed", "rss",
                           "about", "contacts", "contact", "privacy", "terms", "cart"})
_FILES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".zip", ".mp3", ".mp4",
          ".xml", ".rss", ".css", ".js", ".doc", ".docx", ".xls", ".xlsx")

UNREACHABLE = _("The site could not be reached; smmdesk will try again later.")
INTERNAL = _("This address is inside your network; smmdesk only reads public sites.")


def lazy_format(message, **values):
    """``message % values``, translated when shown rather than when the error is raised:
    a worker has no person's language, the page that shows the error has."""
    return lazy(lambda: str(message) % values, str)()


def short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def bounded_id(value: str) -> str:
    """An id that fits listening's column: a longer one is replaced by its hash."""
    return value if len(value) <= ID_LIMIT else "sha256:" + short_hash(value, 40)


def http_client() -> HttpClient:
    """No retries inside a fetch: a source never sleeps for a limit, the scheduler waits."""
    return HttpClient(timeout=TIMEOUT, retries=0)


# --- addresses -------------------------------------------------------------------------

def _https(url: str) -> str:
    """Plain http is read as https: the address guard lets plain http through only to a
    development machine, and nearly every public site answers on https."""
    if url.lower().startswith("http://") and not (netguard.private_network_allowed()
                                                   or netguard.plain_http_allowed()):
        return "https://" + url[len("http://"):]
    return url


def guard_check(url: str) -> None:
    """The address guard's verdict, in words a person can act on."""
    try:
        netguard.check_url(url)
    except netguard.BlockedAddress as exc:
        if "does not resolve" in str(exc):
            raise SourceError(_("smmdesk could not find this site; check the address.")) \
                from exc
        raise SourceError(INTERNAL) from exc


def address_normalise(value: object) -> str:
    """A person's address as smmdesk will request it: https, host in lower case, no
    fragment, public; SourceError with the reason otherwise."""
    raw = value.strip() if isinstance(value, str) else ""
    if not raw:
        raise SourceError(_("Enter the address of the page."))
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SourceError(_("This is not a web address.")) from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise SourceError(_("Only web addresses (https://…) can be read."))
    if parts.username or parts.password:
        raise SourceError(_("An address with a user name or password in it cannot be read."))
    netloc = host.lower() if port is None else f"{host.lower()}:{port}"
    if ":" in host:  # an IPv6 literal keeps its brackets
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    url = _https(urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, "")))
    if not safe_http_url(url, max_length=URL_LIMIT):
        raise SourceError(_("This is not a web address."))
    guard_check(url)
    return url


# --- requests --------------------------------------------------------------------------

def answer_error(response: httpx.Response) -> SourceError | None:
    """None for a success (or 304); otherwise what to tell the person and whether trying
    later may help."""
    status = response.status_code
    if status < 300 or status == 304:
        return None
    if status == 429:
        return SourceError(_("The site asks smmdesk to slow down; it will try again later."),
                           transient=True, retry_after=retry_after_seconds(response))
    if status >= 500:
        return SourceError(lazy_format(_("The site had a problem on its side (HTTP "
                                         "%(status)s); smmdesk will try again later."),
                                       status=status),
                           transient=True, retry_after=retry_after_seconds(response))
    if status in (404, 410):
        return SourceError(lazy_format(_("The site says there is no such page (HTTP "
                                         "%(status)s). Check the address."), status=status))
    if status in (401, 403):
        return SourceError(lazy_format(_("The site refuses to show this page to smmdesk "
                                         "(HTTP %(status)s)."), status=status))
    return SourceError(lazy_format(_("The site answered with an error (HTTP %(status)s)."),
                                   status=status))


def redirect_target(url: str, location: str) -> str:
    target = _https(urljoin(url, location.strip()))
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise SourceError(_("The site redirects to an address that is not a web page."))
    return target


def page_get(client: HttpClient, url: str, *, headers: dict | None = None) -> httpx.Response:
    """GET ``url``, following up to three redirects; each address is requested through
    ``client``, so the address guard checks it (a refused one reads as unreachable)."""
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            response = client.request("GET", url, headers=headers or {})
        except HttpFailure as exc:
            raise SourceError(UNREACHABLE, transient=True) from exc
        location = response.headers.get("location")
        if response.status_code not in _REDIRECTS or not location:
            break
        url = redirect_target(url, location)
    else:
        raise SourceError(_("The site sends smmdesk through too many redirects."))
    error = answer_error(response)
    if error:
        raise error
    if len(response.content) > MAX_BODY:
        raise SourceError(_("This page is too large for smmdesk to read."))
    return response


def final_url(response: httpx.Response) -> str:
    return str(response.request.url) if response.request else str(response.url)


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def markup(response: httpx.Response) -> str | bytes:
    """The page as text when the server names its charset, else the bytes, so that the
    parser reads ``<meta charset>`` (a windows-1251 page is not guessed as UTF-8)."""
    if "charset=" in response.headers.get("content-type", "").lower():
        return response.text
    return response.content


def looks_like_html(response: httpx.Response) -> bool:
    if media_type(response) in _HTML_TYPES:
        return True
    head = response.content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def html_tree(source: str | bytes, base_url: str) -> lxml.html.HtmlElement | None:
    try:
        tree = lxml.html.document_fromstring(source, base_url=base_url)
    except (etree.ParserError, ValueError):
        return None
    return tree


def html_language(tree: lxml.html.HtmlElement | None) -> str:
    return language_code(tree.get("lang", "") if tree is not None else "")


def language_code(value: str | None) -> str:
    """"ru-RU" -> "ru": the primary subtag, as the nlp app names languages."""
    code = (value or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and len(code) <= 8 else ""


# --- extraction ------------------------------------------------------------------------

class Extract:
    """What trafilatura found on a page: the main text and its metadata."""

    def __init__(self, *, text: str, title: str, author: str, date: datetime | None,
                 language: str):
        self.text, self.title, self.author = text, title, author
        self.date, self.language = date, language

    def full_text(self) -> str:
        """The title, then the body (trafilatura often repeats the heading first)."""
        if self.title and not self.text.startswith(self.title):
            return f"{self.title}\n\n{self.text}"
        return self.text


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def extract(source: str | bytes, url: str) -> Extract | None:
    """The page's main text with trafilatura (no fetching: it gets the markup), or None
    when it finds none. trafilatura is not told the address: given one, it takes the date
    from a /2026/11/20/ in it (midnight) over the page's own timestamp."""
    try:
        doc = trafilatura.bare_extraction(
            source, url=None, with_metadata=True, include_comments=True, include_tables=True,
            prune_xpath="//noscript",  # "enable JavaScript to run this app" is not content
            date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S%z",
                                    "original_date": True, "extensive_search": False})
    except Exception:  # trafilatura raises assorted errors on broken markup
        log.warning("trafilatura could not read %s", url, exc_info=True)
        return None
    text = "\n".join(line.strip() for line in (getattr(doc, "text", "") or "").splitlines()
                     if line.strip())
    if not text:
        return None
    tree = html_tree(source, url)
    return Extract(text=text, title=(doc.title or "").strip(), author=(doc.author or "").strip(),
                   date=_date(doc.date), language=language_code(doc.language)
                   or html_language(tree))


# --- listing pages ---------------------------------------------------------------------

def _site(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def _in_chrome(element) -> bool:
    return any(parent.tag in _CHROME for parent in element.iterancestors())


def _article_like(path: str) -> bool:
    """A path that names one article: not the front page, not a file, not a tag or
    category index, and a last segment that looks like a slug or an id."""
    segments = [s for s in path.lower().split("/") if s]
    if not segments or path.lower().endswith(_FILES):
        return False
    if any(s in _NOT_ARTICLES for s in segments):
        return False
    last = segments[-1].rsplit(".", 1)[0]
    return len(segments) >= 2 or any(c.isdigit() for c in last) or "-" in last or len(last) > 12


def article_links(tree: lxml.html.HtmlElement, page_url: str) -> list[str]:
    """Links to articles of the same site on a listing page, in page order, once each."""
    site = _site(urlsplit(page_url).hostname)
    found: dict[str, None] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or _in_chrome(anchor):
            continue
        try:
            parts = urlsplit(urljoin(page_url, href))
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or _site(parts.hostname) != site:
            continue
        url = _https(urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query,
                                 "")))
        if url.rstrip("/") != page_url.rstrip("/") and _article_like(parts.path) \
                and safe_http_url(url, max_length=URL_LIMIT):
            found.setdefault(url)
    return list(found)


# --- the source ------------------------------------------------------------------------

def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _max(value: object) -> int:
    try:
        number = int(value) if value not in (None, "") else DEFAULT_ARTICLES
    except (TypeError, ValueError) as exc:
        raise SourceError(_("The number of articles per check must be a whole number.")) \
            from exc
    return max(1, min(MAX_ARTICLES, number))


def _seen(cursor: str) -> list[str] | None:
    """The link hashes a listing's cursor keeps; None before the first run."""
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
    except ValueError:
        return None
    links = data.get("links") if isinstance(data, dict) else None
    return [str(h) for h in links] if isinstance(links, list) else None


class WebPageSource(Source):
    kind = "webpage"
    title = _("Web page")
    modes = frozenset({FEED})
    fields = (
        Field("url", _("Page address"),
              help=_("A news section, a blog post or a forum thread, e.g. "
                     "https://example.com/news/")),
        Field("links", _("This page lists articles"), required=False,
              help=_("Read the articles it links to instead of the page itself.")),
        Field("max", _("Articles per check"), required=False,
              help=_("How many new articles to read each time, at most 10.")),
    )
    every = timedelta(minutes=15)

    def validate(self, config: dict) -> dict:
        url = address_normalise((config or {}).get("url"))
        if not _flag(config.get("links")):
            return {"url": url, "links": False}
        return {"url": url, "links": True, "max": _max(config.get("max"))}

    def probe(self, config: dict, secret: str = "") -> str:
        config = self.validate(config)
        with http_client() as client:
            response = self._page(client, config["url"])
            url = final_url(response)
            if config["links"]:
                tree = html_tree(markup(response), url)
                links = article_links(tree, url) if tree is not None else []
                if not links:
                    raise SourceError(_("smmdesk found no links to articles on this page. "
                                        "Add it without “This page lists articles” "
                                        "to watch its own text."))
                return ngettext("Web page with %(count)s article link",
                                "Web page with %(count)s article links",
                                len(links)) % {"count": len(links)}
            found = extract(markup(response), url)
        if found is None:
            raise SourceError(_("smmdesk found no readable text on this page."))
        return ngettext("Web page “%(title)s”, %(count)s character",
                        "Web page “%(title)s”, %(count)s characters",
                        len(found.text)) % {"title": found.title or url, "count": len(found.text)}

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        with http_client() as client:
            response = self._page(client, config["url"])
            if config.get("links"):
                return self._listing(client, response, config, cursor, since)
        return self._changed(response, config["url"], cursor)

    def _page(self, client: HttpClient, url: str) -> httpx.Response:
        response = page_get(client, url)
        if media_type(response) in _FEED_TYPES:
            raise SourceError(_("This address is a news feed; add it as a feed source "
                                "instead."))
        if not looks_like_html(response):
            raise SourceError(_("This address does not lead to a web page."))
        return response

    def _changed(self, response: httpx.Response, url: str, cursor: str) -> Batch:
        """Page mode: one item when the extracted text differs from the last one seen."""
        found = extract(markup(response), final_url(response))
        if found is None:
            raise SourceError(_("smmdesk found no readable text on this page."))
        digest = short_hash(" ".join(found.full_text().split()))
        if digest == cursor:
            return Batch(items=[])
        when = (found.date if not cursor else None) or datetime.now(UTC)
        return Batch(items=[self._item(found, url, bounded_id(f"{url}#{digest[:12]}"), when)],
                     cursor=digest)

    def _listing(self, client: HttpClient, response: httpx.Response, config: dict,
                 cursor: str, since: datetime | None) -> Batch:
        url = final_url(response)
        tree = html_tree(markup(response), url)
        links = article_links(tree, url) if tree is not None else []
        seen = _seen(cursor)
        first = seen is None
        known = set(seen or ())
        new = [link for link in links if short_hash(link) not in known]
        take = new[:config.get("max") or DEFAULT_ARTICLES]
        items, done = self._articles(client, take, since)
        marked = [short_hash(link) for link in (links if first else done)]
        kept = list(dict.fromkeys(marked + [short_hash(x) for x in links if x not in new]
                                  + (seen or [])))[:SEEN_LINKS]
        more = not first and len(done) == len(take) < len(new)  # not after a failure
        return Batch(items=items, cursor=json.dumps({"links": kept}), more=more)

    def _articles(self, client: HttpClient, links: list[str], since: datetime | None
                  ) -> tuple[list[Item], list[str]]:
        """Each article's item; ``done`` are the links settled (read, or gone for good).
        A transient failure stops the run: the rest come next time."""
        items: list[Item] = []
        done: list[str] = []
        for link in links:
            try:
                response = page_get(client, link)
            except SourceError as exc:
                if exc.transient:
                    break
                done.append(link)
                continue
            done.append(link)
            found = extract(markup(response), final_url(response)) \
                if looks_like_html(response) else None
            if found is None or (since and found.date and found.date < since):
                continue
            items.append(self._item(found, link, bounded_id(link), found.date))
        return items, done

    @staticmethod
    def _item(found: Extract, url: str, external_id: str, when: datetime | None) -> Item:
        return Item(external_id=external_id, url=safe_http_url(url, max_length=URL_LIMIT),
                    text=found.full_text(), published_at=when, title=found.title[:500],
                    author=found.author[:200], language=found.language, kind="article",
                    media="text")
