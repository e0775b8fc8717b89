"""Where a webhook may be sent: the check made when an admin registers a URL and again
before every POST (a name may point elsewhere by then).

* https only (plain http only in dev mode, CONFER_DEV_MODE=1); no user:password in the URL;
* the host is resolved and EVERY address it resolves to must be public: no loopback,
  private (RFC 1918, unique-local fc00::/7), link-local (169.254/16 with the cloud
  metadata address, fe80::/10), shared (100.64/10), multicast, reserved or unspecified
  addresses, and none hidden in IPv6 forms (::ffff:a.b.c.d, 6to4, Teredo, NAT64);
* networks listed in NOTIFY_WEBHOOK_ALLOW_NETWORKS (CIDR, comma separated) are let
  through anyway (an on-premises subscriber);
* the sender connects to the address checked here, never resolving again (a name
  rebound to an inside address between the check and the connect cannot move it), and
  follows no redirect.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from services.common.config import dev_mode

ALLOW_ENV = "NOTIFY_WEBHOOK_ALLOW_NETWORKS"
NAT64 = ipaddress.ip_network("64:ff9b::/96")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the admin)."""


def _resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_networks: tuple = ()
    resolver: Callable[[str, int], list[str]] = field(default=_resolve, compare=False)
    ca_certs: str | None = None  # a CA bundle other than the system's (tests)

    @classmethod
    def from_env(cls) -> "TargetPolicy":
        raw = os.environ.get(ALLOW_ENV) or ""
        try:
            networks = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in raw.split(",") if n.strip())
        except ValueError as exc:
            raise ValueError(f"{ALLOW_ENV}: {exc}") from None
        return cls(allow_http=dev_mode(), allow_networks=networks)

    def allowed(self, ip: Address) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow_networks)


@dataclass(frozen=True)
class Target:
    """A checked URL and the addresses it may be reached at."""
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def why_forbidden(ip: Address) -> str | None:
    """Why no webhook may go to `ip` (None when it is a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = why_forbidden(embedded)
            return f"{inner} (inside the IPv6 address {ip})" if inner else None
    for test, reason in ((ip.is_unspecified, "unspecified"), (ip.is_loopback, "loopback"),
                         (ip.is_link_local, "link-local (cloud metadata lives there)"),
                         (ip.is_multicast, "multicast"), (ip.is_private, "private"),
                         (ip.is_reserved, "reserved")):
        if test:
            return f"{ip} is a {reason} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_url(url: str, policy: TargetPolicy | None = None) -> Target:
    """The checked target of `url`, or TargetRefused saying why it may not be used."""
    policy = policy or TargetPolicy.from_env()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused("webhooks are sent over https only")
    if parts.username or parts.password:
        raise TargetRefused("the URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in policy.resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise TargetRefused(f"{host} cannot be resolved ({type(exc).__name__})") from None
    if not addresses:
        raise TargetRefused(f"{host} resolves to no address")
    for ip in addresses:
        reason = why_forbidden(ip)
        if reason and not policy.allowed(ip):
            raise TargetRefused(f"{host} may not receive webhooks: {reason}")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, host, port, path, tuple(dict.fromkeys(str(a) for a in addresses)))
