"""The gevent WSGI handler `manage.py run` serves with."""

from __future__ import annotations

import socket

from gevent import pywsgi


class NoDelayHandler(pywsgi.WSGIHandler):
    """Turns off Nagle's algorithm on each connection.

    pywsgi writes a response's headers and body in separate sends; with Nagle on, the body waits for the
    client's delayed ACK of the headers, adding ~40 ms to every request on a kept-alive connection — a phone's
    whole batch of sync pushes, or every PATCH of an upload.
    """

    def handle(self) -> None:
        try:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a unix socket): nothing to turn off
            pass
        super().handle()
