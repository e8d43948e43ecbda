"""The browsers' HTML socket (scenario 6): how to open it as a browser would.

Until the app has that socket this raises NotAvailable, and scenario 6 reports "not available".
"""

from __future__ import annotations

from .harness import NotAvailable


def html_socket_spec(server, room, token) -> dict:
    raise NotAvailable("the app has no HTML event socket yet")
