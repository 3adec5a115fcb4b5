"""Facts about an HTTP request that more than one app needs."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The sender's address. Behind the TLS proxy the settings trust (BEHIND_TLS_PROXY), the
    connection comes from the proxy, which appends the real sender to X-Forwarded-For: its last
    entry is the one a sender cannot forge."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return str(request.META.get("REMOTE_ADDR", ""))
