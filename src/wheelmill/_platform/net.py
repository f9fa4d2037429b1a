"""What the server does differently per OS: listening sockets and the event loop.

Part of :mod:`wheelmill._platform` (which holds every OS-specific call), kept in a
module of its own for the server:

* :func:`balanced_listeners`: on Linux, each pre-forked worker listens on its own
  socket bound to the same port (``SO_REUSEPORT``), and the kernel spreads new
  connections evenly over them. With one shared socket every worker wakes for a new
  connection and the first awake accepts the whole burst, so one worker can end up
  holding every connection while the others idle. Linux only lets sockets of the same
  user join the port. macOS and the BSDs have ``SO_REUSEPORT`` without that balancing
  (the last socket bound takes every connection): they share one socket.
* :func:`real_path`: ``os.path.realpath``, from the kernel on Linux (it resolved the
  path when opening it) rather than by a walk of ``lstat`` calls in Python, one per
  component: a tenth of the time on a wheel's first request.
* :func:`send_file`: a file's bytes sent to a socket by the kernel (``sendfile``: Linux,
  macOS, the BSDs), no copy through the process; :data:`CAN_SENDFILE` says where.
* :func:`run`: an event loop, uvloop's where it is installed (Linux, macOS; the
  ``serve`` extra installs it there), else the standard library's.
* :class:`Changes`: whether anything changed in watched files and directories since
  last asked (Linux: ``inotify``), so a repeated answer need not ``stat`` its file;
  :meth:`Changes.open` gives ``None`` elsewhere (the server then calls ``stat``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Coroutine
from typing import Any

LINUX = sys.platform.startswith("linux")
#: Whether workers can each have a listening socket with the kernel balancing between them.
BALANCED = LINUX and hasattr(socket, "SO_REUSEPORT")


def reuse_port(sock: socket.socket) -> None:
    """Let more sockets bind ``sock``'s port, before it is bound (:data:`BALANCED` only)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


def balanced_listeners(sock: socket.socket, count: int) -> list[socket.socket]:
    """``sock`` (bound with :func:`reuse_port`) and ``count - 1`` more listening sockets on
    its address, non-blocking, for the kernel to balance connections over."""
    address = sock.getsockname()
    more: list[socket.socket] = []
    try:
        for _ in range(count - 1):
            other = socket.socket(sock.family, socket.SOCK_STREAM)
            more.append(other)
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            reuse_port(other)
            other.bind(address)
            other.listen(1024)
            other.setblocking(False)
    except OSError:
        for other in more:
            other.close()
        raise
    return [sock, *more]


_O_PATH = getattr(os, "O_PATH", None) if LINUX else None  # opens without reading


def real_path(path: str) -> str | None:
    """``path`` with every symbolic link resolved, as :func:`os.path.realpath`; ``None``
    when it cannot be resolved (it does not exist, a loop): take it as outside the tree."""
    if _O_PATH is not None:
        try:
            fd = os.open(path, _O_PATH | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass  # no /proc here: the portable way
        finally:
            os.close(fd)
    return os.path.realpath(path)


#: Whether :func:`send_file` can be used (elsewhere: read the file and write its bytes).
CAN_SENDFILE = hasattr(os, "sendfile") and sys.platform != "win32"


def send_file(sock: int, file: int, offset: int, count: int) -> int | None:
    """Send up to ``count`` bytes of ``file`` from ``offset`` to the non-blocking socket
    ``sock`` (descriptors): how many were sent, 0 at the file's end, ``None`` when the
    socket cannot take any now. Errors of the socket (the client left) are ``OSError``."""
    try:
        return os.sendfile(sock, file, offset, count)
    except BlockingIOError:
        return None


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` to its end on uvloop's event loop where uvloop is installed, else on
    the standard library's (:data:`FAST_LOOP`)."""
    if FAST_LOOP:
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)


def _has_uvloop() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


#: Whether the server runs on uvloop.
FAST_LOOP = _has_uvloop()


# inotify(7) event bits
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF, _IN_ONLYDIR, _IN_MASK_ADD = 0x400, 0x800, 0x1000000, 0x20000000
#: A file: its bytes or metadata (mtime, size, link count) changed, or it went away.
_FILE = _IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_DELETE_SELF | _IN_MOVE_SELF
#: A directory: a name in it came, went or was replaced, or it went away itself.
_NAMES = _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE | _IN_DELETE_SELF | _IN_MOVE_SELF


class Changes:
    """An ``inotify`` instance (Linux): :meth:`watch` files and directories, then
    :meth:`pending` says whether any changed since the last :meth:`drain`.

    The kernel queues an event before the call that made the change returns, so a
    change made before a client sent its request is pending when the request is read.
    A full queue (``IN_Q_OVERFLOW``) is an event too: nothing is missed, only merged."""

    def __init__(self, fd: int) -> None:
        import ctypes
        import fcntl
        import termios

        self.fd = fd
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._ioctl = fcntl.ioctl
        self._fionread = termios.FIONREAD
        self._count = bytearray(4)

    @classmethod
    def open(cls) -> Changes | None:
        """A new instance, or ``None`` where there is no ``inotify`` (or none left)."""
        if not LINUX:
            return None
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        except (OSError, AttributeError):
            return None
        return None if fd < 0 else cls(fd)

    def watch(self, path: str, *, directory: bool, contents: bool = True) -> bool:
        """Watch ``path`` (following symbolic links): a file for any change to it; a
        directory for names coming and going in it, and with ``contents`` for changes to
        its files too. ``False`` if it cannot be watched (gone, no permission, the
        user's watch limit reached)."""
        mask = (_NAMES | _IN_ONLYDIR | (_FILE if contents else 0)) if directory else _FILE
        added = self._libc.inotify_add_watch(self.fd, os.fsencode(path), mask | _IN_MASK_ADD)
        return int(added) >= 0

    def pending(self) -> bool:
        """Whether any event waits to be read: one ``ioctl``, no allocation."""
        self._ioctl(self.fd, self._fionread, self._count)
        return self._count != b"\0\0\0\0"

    def drain(self) -> None:
        """Read and forget every pending event."""
        while True:
            try:
                if not os.read(self.fd, 65536):
                    return
            except BlockingIOError:
                return

    def close(self) -> None:
        os.close(self.fd)
