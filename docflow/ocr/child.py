"""A child process for reading an untrusted file: started from multiprocessing's fork server (children fork
from a small clean server process, not from the threaded app), talked to through a one-way pipe, and always
ended and reaped, whatever happened. docflow.pdfcheck and docflow.ocr.render both read PDFs this way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass
class ChildEnd:
    """How the child ended: its exit code once reaped (negative: the signal that ended it)."""
    exitcode: int | None = None


@contextmanager
def limited_child(context: Any, target: Callable[..., None], args: tuple[Any, ...]
                  ) -> Iterator[tuple[Connection, ChildEnd]]:
    """Run ``target(sender, *args)`` in a child of ``context``; yield the receiving end of its pipe and the
    ChildEnd filled in on exit. A pipe the child closed early (EOFError) ends the block quietly; the child is
    killed if it still runs, then reaped."""
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(sender, *args), daemon=True)
    child.start()
    sender.close()
    end = ChildEnd()
    try:
        yield receiver, end
    except EOFError:
        pass
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        end.exitcode = child.exitcode
        child.close()
