"""Which addresses a webhook may call.

Only administrators configure webhooks, so the CRM trusts the hosts they name,
private and loopback ones included (receivers of an on-premises CRM live in the
same network). What is refused always are link-local addresses and the cloud
metadata services (169.254.169.254 and friends): a webhook pointed there would hand
the server's cloud credentials to whoever reads the delivery log. The check runs
when the URL is saved (for an address written as an IP) and again before every
delivery on each address the host name resolves to, so a name that later resolves
to a blocked address is caught too. `CRM_WEBHOOK_BLOCKED_NETWORKS` replaces the list.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from crm.core.errors import DomainError

DEFAULT_BLOCKED_NETWORKS = (
    "0.0.0.0/8",
    "169.254.0.0/16",  # link-local, AWS/GCP/Azure/OpenStack metadata
    "100.100.100.200/32",  # Alibaba Cloud metadata
    "fe80::/10",
    "fd00:ec2::254/128",  # AWS metadata over IPv6
)


def blocked_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    names = getattr(settings, "CRM_WEBHOOK_BLOCKED_NETWORKS", DEFAULT_BLOCKED_NETWORKS)
    return [ipaddress.ip_network(n) for n in names]


def is_blocked(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in blocked_networks())


def check_url(url: str) -> str:
    """The URL, stripped, if a webhook may be sent there; else a `DomainError`."""
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the address to send events to."), field="url")
    if len(url) > 500:
        raise DomainError(_("The address is longer than 500 characters."), field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError(_("This is not a valid address."), field="url") from None
    if parts.scheme not in ("http", "https"):
        raise DomainError(
            _("The address must start with http:// or https://."), field="url"
        )
    if not parts.hostname:
        raise DomainError(_("The address has no host name."), field="url")
    if parts.username or parts.password:
        raise DomainError(
            _(
                "Do not put a user name or password in the address; the receiver "
                "checks the signature instead."
            ),
            field="url",
        )
    if port == 0:
        raise DomainError(_("This is not a valid address."), field="url")
    if is_blocked(parts.hostname):
        raise DomainError(
            _("Webhooks may not be sent to link-local or cloud metadata addresses."),
            field="url",
        )
    return url


def resolve_allowed(url: str) -> None:
    """Refuse to send when the host resolves to a blocked address (`OSError`)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_rest, sockaddr in socket.getaddrinfo(parts.hostname, port):
        if is_blocked(str(sockaddr[0])):
            raise OSError(
                _("The host resolves to a blocked address (%(address)s).")
                % {"address": sockaddr[0]}
            )
