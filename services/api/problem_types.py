"""The kinds of problem the API answers with, each a stable ``type`` URI that resolves.

A problem document's ``type`` is ``/problems/<kind>`` on the API itself (a URI reference,
RFC 9457 §3.1.1): ``GET`` it for the kind's title and what a client should do.
docs/problems.md describes the same kinds for people; a test keeps the two in step.
"""

from __future__ import annotations

from http import HTTPStatus

from litestar import Request, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

PROBLEMS_PATH = "/problems"

# kind -> (title, what it means and what to do)
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "malformed": (
        "Malformed request",
        "The body or a path parameter cannot be read at all (not JSON, nested too deeply, "
        "an id that is not a UUID). Fix the request; retrying it unchanged fails again.",
    ),
    "validation": (
        "Invalid request",
        "A field breaks the schema or a rule of the tenant (an unknown role, category or "
        "policy option). `errors` names each field and the reason.",
    ),
    "domain": (
        "Invalid request",
        "The command cannot apply to this case as it stands; `detail` says why.",
    ),
    "refused": (
        "Refused by the tenant's procedure",
        "The tenant's policy does not let the caller's roles do this now; `rule` names the "
        "rule of the procedure that refuses it.",
    ),
    "csrf": (
        "CSRF token missing or wrong",
        "A write sent with the session cookie must carry the session's CSRF token in "
        "`X-CSRF-Token` (`GET /v1/session` gives it); nothing was done.",
    ),
    "not-found": (
        "Not found",
        "No such resource for the caller's tenant (another tenant's resources are not found "
        "either).",
    ),
    "conflict": (
        "Conflict",
        "Someone changed the resource first: read it again and retry with its new ETag.",
    ),
    "precondition": (
        "Precondition failed",
        "If-Match named only versions the case has left: read the case again and send its ETag.",
    ),
    "state": (
        "Not allowed in the case's state",
        "The case's state does not allow this command (a closed case, a rung already left).",
    ),
    "idempotency": (
        "Idempotency-Key reused",
        "The Idempotency-Key was used before for a different request: use a new key for a "
        "new request.",
    ),
    "unavailable": (
        "Service unavailable",
        "The database or a bounded resource is busy or away; nothing was written. Retry after "
        "`Retry-After` seconds, with the same Idempotency-Key.",
    ),
    "internal": (
        "Internal error",
        "The request failed on our side and nothing was written; `request_id` lets an "
        "operator find it in the logs.",
    ),
    **{
        f"http-{status.value}": (status.phrase, status.description + ".")
        for status in (
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.METHOD_NOT_ALLOWED,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.TOO_MANY_REQUESTS,
            HTTPStatus.SERVICE_UNAVAILABLE,
        )
    },
}


# English title -> simplified Chinese, for a request whose Accept-Language prefers Chinese:
# each kind's title, and the HTTP phrases Litestar's own errors carry as theirs.
CHINESE_TITLES: dict[str, str] = {
    "Malformed request": "请求格式错误",
    "Invalid request": "请求无效",
    "Refused by the tenant's procedure": "租户的处理流程不允许此操作",
    "CSRF token missing or wrong": "CSRF 令牌缺失或错误",
    "Not found": "未找到",
    "Conflict": "冲突",
    "Precondition failed": "前提条件不成立",
    "Not allowed in the case's state": "案件当前状态不允许此操作",
    "Idempotency-Key reused": "Idempotency-Key 已被使用",
    "Service unavailable": "服务暂不可用",
    "Internal error": "内部错误",
    HTTPStatus.BAD_REQUEST.phrase: "请求格式错误",
    HTTPStatus.UNAUTHORIZED.phrase: "未认证",
    HTTPStatus.FORBIDDEN.phrase: "无权访问",
    HTTPStatus.NOT_FOUND.phrase: "未找到",
    HTTPStatus.METHOD_NOT_ALLOWED.phrase: "不支持该请求方法",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase: "请求体过大",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE.phrase: "不支持的媒体类型",
    HTTPStatus.TOO_MANY_REQUESTS.phrase: "请求过于频繁",
    HTTPStatus.SERVICE_UNAVAILABLE.phrase: "服务暂不可用",
    HTTPStatus.INTERNAL_SERVER_ERROR.phrase: "内部错误",
}


def chinese_title(kind: str, title: str) -> str:
    """The title in Chinese; a title not listed takes its kind's."""
    kind_title = PROBLEM_TYPES.get(kind, PROBLEM_TYPES["internal"])[0]
    return CHINESE_TITLES.get(title) or CHINESE_TITLES[kind_title]


def type_uri(kind: str) -> str:
    return f"{PROBLEMS_PATH}/{kind if kind in PROBLEM_TYPES else 'internal'}"


def http_kind(status: int) -> str:
    """The kind of a plain HTTP error; one we have not described is its status's class."""
    kind = f"http-{status}"
    if kind in PROBLEM_TYPES:
        return kind
    return "malformed" if 400 <= status < 500 else "internal"


@get(
    f"{PROBLEMS_PATH}/{{kind:str}}",
    operation_id="describeProblemType",
    exclude_from_auth=True,
    summary="What a problem type means",
    tags=["problems"],
    finds_nothing=True,  # documents its 404 (services/api/problem_docs.py)
)
async def problem_type(kind: FromPath[str]) -> dict[str, str]:
    if kind not in PROBLEM_TYPES:
        raise NotFoundException(f"no problem type {kind!r}")
    title, description = PROBLEM_TYPES[kind]
    return {"type": type_uri(kind), "title": title, "description": description}


# The methods whose body the API reads, and the media types it reads them as.
WRITES = frozenset({"POST", "PUT", "PATCH"})


async def require_json(request: Request) -> None:
    """A body the API would read as JSON must say it is JSON: anything else is a 415, before
    a handler sees it (``before_request``)."""
    if request.method not in WRITES or not has_body(request):
        return
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status_code=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            detail="send the body as JSON, with Content-Type: application/json",
        )


def has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")
