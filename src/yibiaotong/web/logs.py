"""Server-side hygiene: logs never carry a full ID or mobile number; pages forbid foreign resources."""

from __future__ import annotations

import logging
import traceback

from yibiaotong.access.redact import redact

_installed = False


def install_redaction() -> None:
    """Redact every log record of this process (request lines carry search words; tracebacks carry
    SQL parameters). A record factory sees records from every logger, whatever handlers uvicorn sets up."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        # arguments are redacted one by one, keeping their shape: uvicorn's access formatter unpacks them
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


# default-src 'self': no script, style, font or image from anywhere else (intranets have no internet anyway)
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
                                 b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Plain ASGI middleware (cheaper than BaseHTTPMiddleware on every request)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        # pages and API answers carry personal data: no browser or proxy may keep a copy
        extra = HEADERS if scope["path"].startswith("/static/") else [*HEADERS, (b"cache-control", b"no-store")]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return await self.app(scope, receive, send_with_headers)
