"""Ending a process a test started in its own process group (start_new_session=True): nothing else is signalled."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_group(process: subprocess.Popen[bytes], *, grace_seconds: float = 30) -> None:
    """SIGTERM the process's group, then SIGKILL it when it has not ended within ``grace_seconds``."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
