"""The address guard: smmdesk calls public https addresses only.

Addresses come from people (a webhook URL, a Bluesky or Mastodon server) and from networks
(the PDS a DID document names, the upload URL VK hands out). Without a guard any of them
could make the server call itself, the machines beside it or a cloud's metadata service
(169.254.169.254), and tell the caller what answered.

``check_url`` refuses a URL unless its scheme is https and every address its host
resolves to is public. Resolution goes through ``getaddrinfo``, which also turns the
other spellings of an address (``2130706433``, ``0x7f.1``, ``127.1``) into the address
itself, so the check sees what a connection would reach. An address is public when
``ipaddress`` calls it global and nothing else: loopback, private, shared (100.64/10),
link-local, multicast, reserved and unspecified are refused, and so are IPv6 forms that
carry an IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4, Teredo)
when that address is not public. A host with one bad address among good ones is refused
as a whole: the resolver, not we, would pick which one is used.

Checking a name and then connecting to it would resolve it twice, and a name can answer
a public address to the check and a private one to the connection (DNS rebinding). So
the check that counts happens at connect time: ``guarded_transport`` is an httpx
transport whose network backend resolves the host, checks every address, and opens the
socket to one of exactly those addresses. TLS still verifies the certificate against the
host name (httpcore passes the name, not the address, as SNI), and the connection pool
keeps connections per host name. Connections are made by this backend only: proxies from
the environment are not used, because a proxy would connect where it likes.

``SMMDESK_ALLOW_PRIVATE_NETWORK`` (development and tests only) lets plain http and
private addresses through, for a test server on loopback or a lab network.

``SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE=1`` (environment or Django setting; development only)
is the narrower switch for a test server of a federated network (a GoToSocial or Akkoma
on a lab machine): plain http and private addresses, but only when every address of the
host is a private test address (loopback, RFC 1918, unique local) — never a public
address over plain http, never link-local (169.254/16, the metadata service). Without
it a person who types ``http://`` is told that only https is allowed.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

log = logging.getLogger("smmdesk.http")
Resolver = Callable[[str, int], list[str]]
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_DEFAULT_PORTS = {"https": 443, "http": 80}


class BlockedAddress(Exception):
    """The address may not be called. The reason is for the server log only: a person
    is told the same thing whether an address is refused, closed or silent."""


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise BlockedAddress(f"{host} does not resolve: {exc}") from exc
    return [info[4][0] for info in infos]


_resolver: Resolver = system_resolver


def set_resolver(resolver: Resolver) -> None:
    """Tests resolve names with a table instead of the DNS."""
    global _resolver
    _resolver = resolver


def private_network_allowed() -> bool:
    return bool(getattr(settings, "SMMDESK_ALLOW_PRIVATE_NETWORK", False))


def plain_http_allowed() -> bool:
    """The deployment's explicit development switch (see the module)."""
    return bool(getattr(settings, "SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", False)) \
        or os.environ.get("SMMDESK_ALLOW_PLAIN_HTTP_PRIVATE", "") == "1"


def is_test_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A lab or loopback address a development server may have: private or loopback,
    not link-local, multicast, unspecified or a disguised form of another address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return is_test_address(ip.ipv4_mapped)
    return (ip.is_private or ip.is_loopback) and not (
        ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo else None


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global unicast, and not a disguise for an address that is not."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64:  # DNS64 on an IPv6-only network: the IPv4 address is what counts
            return is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or ip in _NAT64_LOCAL:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_loopback or ip.is_link_local or ip.is_private)


def public_url(url: str) -> bool:
    """Whether a network on the internet could fetch ``url``: a public address, or a
    host name that is not a local one (``.local``, ``.internal``...). No DNS lookup: the
    network resolves it, not us. For media the network downloads itself (Instagram,
    Threads, TikTok photos), refused before the post is sent."""
    host = urlsplit(url or "").hostname or ""
    if not host or host == "localhost" or host.endswith((".local", ".localhost",
                                                         ".internal")):
        return False
    try:
        return is_public(ipaddress.ip_address(host))
    except ValueError:
        return "." in host


def checked_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, once each; BlockedAddress when there is none
    or when any of them is not public."""
    if not host:
        raise BlockedAddress("no host")
    addresses = list(dict.fromkeys(_resolver(host, port)))
    if not addresses:
        raise BlockedAddress(f"{host} does not resolve")
    if private_network_allowed():
        return addresses
    lab = plain_http_allowed()
    for address in addresses:
        ip = _ip(host, address)
        if not is_public(ip) and not (lab and is_test_address(ip)):
            raise BlockedAddress(f"{host} resolves to {ip}, which is not a public address")
    return addresses


def _ip(host: str, address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as exc:
        raise BlockedAddress(f"{host} resolved to {address!r}") from exc


def check_url(url: str | httpx.URL) -> None:
    """Refuse (BlockedAddress) a URL smmdesk may not call: not https (http only with
    the development setting), no host, or a host with an address that is not public."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, TypeError, UnicodeError) as exc:
        raise BlockedAddress(f"not a URL: {exc}") from exc
    allowed = {"https", "http"} if private_network_allowed() or plain_http_allowed() \
        else {"https"}
    if parsed.scheme not in allowed:
        raise BlockedAddress(f"the scheme {parsed.scheme!r} is not allowed")
    addresses = checked_addresses(host, parsed.port or _DEFAULT_PORTS[parsed.scheme])
    if parsed.scheme == "http" and not private_network_allowed():
        for address in addresses:  # plain http only to a lab machine, never across the net
            if not is_test_address(_ip(host, address)):
                raise BlockedAddress(f"plain http to {host}, which is not a private address")


class GuardedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to addresses it has just checked (see the module)."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host, port)
        except BlockedAddress as exc:
            log.warning("refused to connect: %s", exc)
            raise httpcore.ConnectError(f"blocked address: {exc}") from exc
        failure: Exception = httpcore.ConnectError(f"{host}: no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure


def guarded_transport(*, max_connections: int = 100,
                      max_keepalive_connections: int = 20) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through ``GuardedBackend``. httpx does
    not take a network backend as an argument, so its pool is replaced by one built the
    same way with ours; ``tests/lib/test_netguard.py`` checks that the backend is used."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=max_connections,
        max_keepalive_connections=max_keepalive_connections, keepalive_expiry=5.0,
        network_backend=GuardedBackend())
    return transport
