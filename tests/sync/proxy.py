"""A loopback TCP proxy that counts the bytes a client sends and cuts every connection after each N bytes."""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to `upstream`; after every `cut_every` client bytes it drops the connection."""

    def __init__(self, upstream_port: int, cut_every: int) -> None:
        self.upstream_port = upstream_port
        self.cut_every = cut_every
        self.sent = 0  # client -> server bytes forwarded, headers included
        self.cuts = 0
        self.connections = 0
        self._since_cut = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(upstream, client), daemon=True).start()

    def _pump_up(self, client: socket.socket, upstream: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    room = self.cut_every - self._since_cut
                    data = data[:room]
                    self._since_cut += len(data)
                    self.sent += len(data)
                    cut = self._since_cut >= self.cut_every
                    if cut:
                        self._since_cut = 0
                        self.cuts += 1
                upstream.sendall(data)
                if cut:
                    break
        except OSError:
            pass
        # The client loses its connection now; the server still gets every byte forwarded, then EOF
        # (closing outright could reset the connection and drop bytes the server has not read yet).
        _close(client)
        try:
            upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _pump_down(self, upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        for s in (client, upstream):
            _close(s)

    def close(self) -> None:
        self._listener.close()


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
