"""The listening socket of the reference server and of the proxy."""

from __future__ import annotations

import socket

from .errors import KitError
from .i18n import _


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """Bind before serving, so "port in use" or an unknown host is one clear KitError instead of a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:  # UnicodeError: a host name no IDNA codec accepts
        raise KitError(_("cannot resolve host {host!r} ({strerror})").format(
            host=host, strerror=getattr(exc, "strerror", None) or exc)) from None
    family, *_rest, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise KitError(_("cannot listen on {host}:{port} ({strerror})").format(
            host=host, port=port, strerror=exc.strerror or exc)) from None
    return sock
