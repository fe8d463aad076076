"""The exit codes of ``complaints``, and the errors an operator can fix, told in one line.

0: done. 1: a check found a problem (``audit verify``, ``policies docs --check``), or
``serve`` or ``worker`` stopped on a fault. 2: an operator error (a bad argument or setting, an
unknown tenant or case, a refused role, a database or bus that cannot be reached). 130:
interrupted (Ctrl-C).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

OK = 0
FAILED = 1
OPERATOR_ERROR = 2
INTERRUPTED = 130

HIDDEN = "***"
NATS_SCHEMES = frozenset({"nats", "tls", "ws", "wss"})


class OperatorError(Exception):
    """What stops a command for a reason the operator can fix: ``error: <message>`` on
    stderr, no traceback, exit 2."""


def redacted(url: str) -> str:
    """``url`` fit for a message: its password (or a bus token), in the address or the
    query, hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc
    credentials, _, host = netloc.rpartition("@")
    if parts.password is not None:
        netloc = f"{credentials.partition(':')[0]}:{HIDDEN}@{host}"
    elif credentials and parts.scheme in NATS_SCHEMES:  # nats://<token>@host
        netloc = f"{HIDDEN}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, HIDDEN if k == "password" else v) for k, v in pairs], safe="/*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def unreachable(what: str, urls: str, variable: str, configured: bool, cause: BaseException) -> str:
    """Why a command stopped: which server at which address, and the variable that names it
    (or that, unset, the embedded one of the data dir was meant)."""
    shown = ",".join(redacted(url.strip()) for url in urls.split(","))
    source = variable if configured else f"the embedded one: {variable} is unset"
    return f"cannot reach the {what} at {shown} ({source}): {described(cause)}"


def described(error: BaseException) -> str:
    return str(error) or type(error).__name__  # TimeoutError() says nothing
