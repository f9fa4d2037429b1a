"""One client connection of :mod:`wheelmill.serve.server`: its requests in, responses out.

Requests are read off the connection as they come (pipelined ones too), each answered
in order; a large file is streamed (``sendfile``: ``loop.sendfile``, or on uvloop the
kernel's own between waits for the client; else piece by piece) before the next
request is read. A repeated request's bytes may be answered from memory
(:mod:`._replay`). The connection tells the worker's :class:`~._guard.Watch` what it
waits for, so slow and idle clients are timed out.
"""

from __future__ import annotations

import asyncio
import time
from typing import BinaryIO, cast

from .._platform import net as _platform_net
from ._app import Response, error, head_bytes
from ._gate import AccessLog, Front, Gate, tail
from ._guard import HEAD, IDLE, Watch
from ._http import MAX_HEAD, body_length, date_and_server, parse_head
from ._replay import Replays
from ._upload import MAX_UPLOAD, Incoming

_CLOSE = b"Connection: close\r\n\r\n"
_TIMEOUT = error(408)
_PIECE = 256 * 1024  # bytes of a large file copied at a time (uvloop, no sendfile)
_MOST = 1 << 30  # bytes asked of one sendfile (the socket's free buffer is what it sends)
_NUDGE = 64 * 1024  # bytes written through the transport when the socket is full
_now = time.monotonic


def _wire(response: Response, length: int, keep_alive: bool, body: bytes = b"") -> bytes:
    """The response as sent: status line, headers, blank line, then ``body``."""
    end = b"\r\n" if keep_alive else _CLOSE
    return b"".join((head_bytes(response, length), date_and_server(), end, body))


class Connection(asyncio.Protocol):
    def __init__(
        self, app: Front, watch: Watch, replays: Replays | None, log: AccessLog | None
    ) -> None:
        self.app = app
        self.watch = watch
        self.replays = replays  # repeated requests answered from their bytes (._replay)
        self.log = log if replays is not None else None  # for those answers' log lines
        self.log_start = "- - - ["  # the log line's start for this client
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False  # streaming a file
        self.paused = False  # the client reads slower than it asks: answer no more for now
        self.throttled = False  # reading paused until the buffered requests are answered
        self.discard = 0  # bytes of a request body still to skip
        self.incoming: Incoming | None = None  # an upload's body being read
        self.task: asyncio.Task[None] | None = None
        self.drained: asyncio.Future[None] | None = None  # set when writing may go on
        self.waiting = 0  # what the watch times: HEAD, IDLE or nothing (0)
        watch.live.add(self)  # it counts against the cap from now until connection_lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but act as one
        self.transport = transport = cast(asyncio.Transport, transport)
        if isinstance(self.app, Gate):  # auth or logging on: it needs the client's address
            self.app = bound = self.app.bind(transport.get_extra_info("peername"))
            self.log_start = f"{bound.peer} - - ["  # no user: replays are for no auth only
        self.watch.wait(self, HEAD)

    def connection_lost(self, exc: Exception | None) -> None:
        self.watch.forget(self)
        if self.task is not None:
            self.task.cancel()

    def abort(self) -> None:
        """Drop the connection at once (server shutdown)."""
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.abort()

    def expire(self, timed_out: bool) -> None:
        """Close: the client took too long (a partial request gets a 408), or to make room."""
        transport = self.transport
        if transport is None:
            return
        if timed_out and (self.buffer or self.discard) and not transport.is_closing():
            transport.write(_wire(_TIMEOUT, len(_TIMEOUT.body), False, _TIMEOUT.body))
        if transport.get_write_buffer_size() or transport.is_closing():
            transport.abort()  # unread responses are dropped, not waited for
        else:
            transport.close()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)  # a file being copied: its next piece
        if not self.busy:
            self._process()

    def data_received(self, data: bytes) -> None:
        if self.incoming is not None:
            self._receive(data)
            return
        if (
            self.replays is not None
            and self.waiting == IDLE  # not streaming, nor skipping a body
            and not (self.buffer or self.paused)
            and self.transport is not None
            and not self.transport.is_closing()
        ):
            answer = self.replays.answer(data)
            if answer is not None:  # the same bytes as a request answered before: again
                out, replay = answer
                idle = self.watch.idle
                del idle[self]
                if isinstance(out, bytes):  # the whole answer, as sent: one write
                    self.transport.write(out)
                else:  # headers, then a cached body (or a whole one's rest): one writev
                    self.transport.writelines(out)
                if self.log is not None:
                    self.log.add(self.log_start, replay.log)
                idle[self] = _now()  # idle again, from now
                return
        self.buffer += data
        if not (self.busy or self.paused):
            self._process()
        elif len(self.buffer) > 4 * MAX_HEAD and self.transport is not None:
            self.transport.pause_reading()  # nothing more until what is here is answered
            self.throttled = True

    def _process(self) -> None:
        transport = self.transport
        buffer, at = self.buffer, 0
        try:
            while transport is not None and not transport.is_closing() and not self.paused:
                if self.discard:
                    skipped = min(self.discard, len(buffer) - at)
                    at, self.discard = at + skipped, self.discard - skipped
                    if self.discard:
                        break
                end = buffer.find(b"\r\n\r\n", at)
                if end - at > MAX_HEAD or (end < 0 and len(buffer) - at > MAX_HEAD + 3):
                    self._send(error(431), b"", keep_alive=False)  # however it was split
                    break
                if end < 0:
                    break
                if self.waiting == IDLE:  # Watch.done, inlined: every request comes by here
                    del self.watch.idle[self]
                    self.waiting = 0
                elif self.waiting:
                    self.watch.done(self)
                start, at = at, end + 4
                request = parse_head(buffer[start:end])
                length = body_length(request)
                if request is None or length is None:
                    self._send(error(400), error(400).body, keep_alive=False)
                    break
                keep = request.keep_alive and "transfer-encoding" not in request.headers
                if length and request.method == "POST" and self.app.body_limit(request):
                    if length > MAX_UPLOAD:
                        self._send(error(413), error(413).body, keep_alive=False)
                    else:  # an upload: its body is read, then answered (see _receive)
                        self.incoming = Incoming(request, length, keep)
                    break
                try:
                    response = self.app.respond(request)
                except Exception:  # never let one request take the worker down
                    response = error(500)
                # a request body (no GET needs one) is skipped; a chunked one ends the connection
                self.discard = length
                if self.replays is not None and response.head and not length and keep:
                    log = "" if self.log is None else tail(request, response)
                    self.replays.remember(buffer[start:at], request, response, log)
                if response.file is not None:
                    transport.write(_wire(response, response.count, keep))
                    if request.method == "HEAD":
                        if not keep:
                            transport.close()
                        continue
                    self.busy = True
                    self.task = asyncio.ensure_future(self._stream(response, keep))
                    return
                body = b"" if request.method == "HEAD" else response.body
                self._send(response, body, keep_alive=keep, length=len(response.body))
        finally:
            self.buffer = buffer[at:] if at else buffer
        if self.incoming is not None:
            data, self.buffer = self.buffer, b""
            self._receive(data)
            return
        if self.throttled and transport is not None and len(self.buffer) <= MAX_HEAD:
            self.throttled = False
            transport.resume_reading()
        # waiting for the client: to send (the rest of) a request, or to read the responses
        if (self.buffer or self.discard) and not self.paused:
            self.watch.wait(self, HEAD)
        elif self.waiting != IDLE:  # Watch.wait, inlined for the usual way back to idle
            if self.waiting:
                self.watch.done(self)
            self.watch.idle[self] = _now()
            self.waiting = IDLE

    def _receive(self, data: bytes) -> None:
        """An upload's body: each piece must come within the head timeout; answered whole."""
        assert self.incoming is not None
        self.watch.done(self)
        self.watch.wait(self, HEAD)
        rest = self.incoming.feed(data)
        if rest is not None:
            incoming, self.incoming = self.incoming, None
            response = self.app.upload(incoming.request, incoming.body())
            self._send(response, response.body, keep_alive=incoming.keep_alive)
            self.buffer = rest
            self._process()

    def _send(
        self, response: Response, body: bytes, *, keep_alive: bool, length: int | None = None
    ) -> None:
        assert self.transport is not None
        self.transport.write(
            _wire(response, len(body) if length is None else length, keep_alive, body)
        )
        if not keep_alive:
            self.transport.close()

    async def _stream(self, response: Response, keep_alive: bool) -> None:
        assert self.transport is not None and response.file is not None
        loop = asyncio.get_running_loop()
        self.watch.files += 1  # the file's descriptor counts against the cap
        try:
            with open(response.file, "rb") as stream:
                if _platform_net.FAST_LOOP:  # uvloop has no loop.sendfile
                    await self._copy(stream, response.offset, response.count)
                else:
                    await loop.sendfile(self.transport, stream, response.offset, response.count)
        except (OSError, RuntimeError):
            self.transport.close()
            return
        finally:
            self.watch.files -= 1
            self.task = None
        self.busy = False
        if not keep_alive:
            self.transport.close()
        self._process()

    async def _copy(self, stream: BinaryIO, offset: int, count: int) -> None:
        """``count`` bytes of ``stream`` from ``offset`` on (uvloop, which has no
        ``loop.sendfile``): sent by the kernel straight from the file to the socket while
        nothing waits in the transport's buffer; when the socket is full, a small piece
        goes through the transport, which waits for the client, and the kernel takes
        over again once it is sent. Without ``sendfile``: a piece at a time, each once
        the client has read enough of the one before."""
        transport = self.transport
        assert transport is not None
        sock = transport.get_extra_info("socket") if _platform_net.CAN_SENDFILE else None
        out = -1 if sock is None else sock.fileno()
        if out >= 0:  # paused while anything is buffered: the kernel sends only after it
            transport.set_write_buffer_limits(high=0)
        try:
            source = stream.fileno()
            while count > 0:
                if out >= 0 and not transport.get_write_buffer_size():
                    # as much as the socket takes now: its buffer bounds the turn
                    sent = _platform_net.send_file(out, source, offset, min(count, _MOST))
                    if sent is not None:
                        if not sent:
                            raise OSError(f"{stream.name}: shorter than it was")
                        offset, count = offset + sent, count - sent
                        await asyncio.sleep(0)  # the worker's other connections, in turn
                        continue
                stream.seek(offset)
                piece = stream.read(min(count, _PIECE if out < 0 else _NUDGE))
                if not piece:
                    raise OSError(f"{stream.name}: shorter than it was")
                offset, count = offset + len(piece), count - len(piece)
                transport.write(piece)
                if self.paused:
                    self.drained = asyncio.get_running_loop().create_future()
                    await self.drained
        finally:
            if out >= 0 and not transport.is_closing():
                transport.set_write_buffer_limits()  # the defaults again
