"""Which process runs a background job, and whether it is gone (后台任务的运行进程).

Report jobs and import jobs record their runner as ``host:pid:token``; the token is this process's
life, because a restarted server may get the same pid. When a server starts, the jobs of this host
whose process is gone can never finish and are marked failed (see reports.jobs and ingest.jobs).
"""

from __future__ import annotations

import os
import secrets
import socket

TOKEN = secrets.token_hex(4)
HOST = socket.gethostname()[:100]


def runner_id() -> str:
    return f"{HOST}:{os.getpid()}:{TOKEN}"


def orphaned(runner: str | None) -> bool:
    """True when the process named by ``runner`` is gone (or none was recorded)."""
    if not runner:
        return True
    host, _, rest = runner.partition(":")
    pid, _, token = rest.partition(":")
    if host != HOST or not pid.isdigit():
        return False  # another machine's job: only that machine can tell
    if int(pid) == os.getpid():
        return token != TOKEN  # this pid, an earlier life of it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's process
    return False
