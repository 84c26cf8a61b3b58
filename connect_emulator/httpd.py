"""The HTTP transport: a threading HTTP/1.1 server that hands each request to one function.

:class:`HttpServer` knows nothing of Connect. It reads a request (``Content-Length`` or chunked
body), calls its ``handle(method, path, headers, body)`` and carries out the answer: a
:class:`~connect_emulator.wire.Response` is written back on the keep-alive connection, a
:class:`~connect_emulator.wire.Hangup` ends the connection without a response (closed, or reset
with a TCP RST), optionally after holding it open for a while, as a Region in an outage does.

Why the care with threads and sockets: every connection has its own handler thread, and a held
connection keeps its thread for up to ``hold_seconds`` (30 s by default for an outage). Those
threads are daemon threads, so they never keep the test process alive, and
:meth:`HttpServer.stop_serving` wakes every holding thread and shuts every open connection, so
``Emulator.stop()`` returns at once and leaves no sockets behind (idle keep-alive ones included).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connect_emulator.wire import Hangup, Response

#: ``handle(method, raw path, headers, body)`` -> what to answer.
Handle = Callable[[str, str, Mapping[str, str], bytes], "Response | Hangup"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ConnectEmulator/1.0"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms stalls
    server: HttpServer

    def version_string(self) -> str:
        return self.server_version

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        answer = self.server.handle(self.command, self.path, dict(self.headers.items()), body)
        if isinstance(answer, Hangup):
            self._hang_up(answer)
            return
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _hang_up(self, hangup: Hangup) -> None:
        self.close_connection = True
        if hangup.hold_seconds > 0:
            self.server.stopping.wait(hangup.hold_seconds)
        with contextlib.suppress(OSError):
            if hangup.reset:  # linger 0: close() sends RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpServer(ThreadingHTTPServer):
    """One listening socket; each connection is served by a daemon thread calling ``handle``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handle: Handle) -> None:
        self.handle = handle
        #: Set by :meth:`stop_serving`: wakes every connection held by a :class:`Hangup`.
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (it timed out, or an outage reset the connection) is
        how these connections end, not an emulator fault: never print a traceback for it (in a
        test it would land in the output of whatever command is being run)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def stop_serving(self) -> None:
        """Stop the serving loop (when one runs), end held and idle connections, close the socket."""
        self.stopping.set()
        self.shutdown()
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.server_close()
