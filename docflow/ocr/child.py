"""A child process for reading an untrusted file: started from multiprocessing's fork server (children fork
from a small clean server process, not from the threaded app), under CPU-time and address-space limits,
talked to through a one-way pipe with a wall-clock bound, and always ended and reaped, whatever happened.
docflow.pdfcheck and docflow.ocr.render both read PDFs this way, through the one fork server made here."""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

# The fork server imports this once, for every child: pypdf and pdfium (docflow.ocr.layer), whichever of the
# upload check and the OCR worker starts it first.
PRELOAD = ["docflow.pdfcheck"]


@dataclass(frozen=True)
class ChildLimits:
    """What one child may use: CPU seconds and address space; it is waited for twice its CPU time and 5 s
    (the CPU limit ends a busy child, the wall-clock bound one that waits instead)."""
    cpu_seconds: int = 20
    memory_mb: int = 512

    @property
    def wall_seconds(self) -> float:
        return self.cpu_seconds * 2 + 5


@dataclass
class ChildEnd:
    """How the child ended: its exit code once reaped (negative: the signal that ended it)."""
    exitcode: int | None = None


class ChildPipe:
    """The receiving end of the child's pipe, read until the child's wall-clock deadline."""

    def __init__(self, receiver: Connection, deadline: float) -> None:
        self._receiver = receiver
        self._deadline = deadline

    def receive(self) -> Any | None:
        """The child's next message, or None when it sent none before the deadline. Raises EOFError when the
        child closed its end (limited_child ends the block quietly on it)."""
        if self._receiver.poll(max(0.0, self._deadline - time.monotonic())):
            return self._receiver.recv()
        return None


@contextmanager
def limited_child(target: Callable[..., None], args: tuple[Any, ...], limits: ChildLimits
                  ) -> Iterator[tuple[ChildPipe, ChildEnd]]:
    """Run ``target(sender, *args)`` in a child under ``limits``; yield its pipe and the ChildEnd filled in
    on exit. A pipe the child closed early (EOFError) ends the block quietly; the child is killed if it still
    runs, then reaped."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_limited, args=(limits, target, sender, *args), daemon=True)
    child.start()
    sender.close()
    end = ChildEnd()
    try:
        yield ChildPipe(receiver, time.monotonic() + limits.wall_seconds), end
    except EOFError:
        pass
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        end.exitcode = child.exitcode
        child.close()


@functools.cache
def _context() -> Any:
    # forkserver: children fork from a small clean server process, not from the threaded app (fork from a
    # threaded server can copy a held lock), and what PRELOAD imports is imported there once, not per child.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _limited(limits: ChildLimits, target: Callable[..., None], sender: Connection, *args: Any) -> None:
    """In the child: the limits first, then the work."""
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    target(sender, *args)
