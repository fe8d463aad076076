"""Every error leaves as an RFC 9457 problem document, translated here and nowhere else."""

from __future__ import annotations

import enum
import logging
import re
import types
import typing
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_412_PRECONDITION_FAILED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from domain.errors import (
    DomainError,
    InvalidTransition,
    ReceiptOutOfRange,
    Refused,
    UnknownPolicy,
)
from domain.policies.base import UnknownCategory
from domain.policy import InvalidPolicyOption
from domain.tenant import UnitExists, UnitInUse, UnknownCalendar, UnknownKey, UnknownPerson
from domain.units import InvalidUnit, UnknownUnit
from domain.words import word
from services.api.auth import CsrfMismatch
from services.api.languages import CHINESE, ENGLISH, best_language
from services.api.problem_types import chinese_title, http_kind, type_uri
from services.api.request_context import request_id_of
from services.bus.destinations import ForbiddenDestination
from services.handlers.cases import OutsideScope, StaleVersion
from services.handlers.tenancy import UnknownRoles
from services.store.idempotency import IdempotencyMismatch
from services.store.ledger import Conflict
from services.store.repository import NotFound

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class FieldError(Exception):
    """A value that passed the schema but is wrong for this tenant (role, policy, person)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def route_of(request: Request) -> str:
    """The route's template for a log line, never the path: values in it (a group's name)
    are the tenant's free text."""
    return request.scope.get("path_template") or "(no route)"


def problem(
    status: int, title: str, detail: str, slug: str, **extra: Any
) -> Response[dict[str, Any]]:
    body = {
        "type": type_uri(slug),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def on_validation(request: Request, exc: ValidationException) -> Response:
    errors = [
        with_allowed_values(
            request, {"field": e.get("key") or "body", "reason": e.get("message", "invalid")}
        )
        for e in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(e, dict)
    ]
    malformed = not errors or all(e["field"] == "body" for e in errors)
    if malformed:
        return problem(
            HTTP_400_BAD_REQUEST,
            "Malformed request",
            str(exc.detail),
            "malformed",
            errors=errors or [{"field": "body", "reason": str(exc.detail)}],
        )
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Invalid request",
        "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
        "validation",
        errors=errors,
    )


def with_allowed_values(request: Request, error: dict[str, Any]) -> dict[str, Any]:
    """An unknown enum value's error lists the values the field takes, from the route's
    own signature (a query parameter's type, or the body's field)."""
    if not str(error["reason"]).startswith("Invalid enum value"):
        return error
    allowed = choices(field_type(request, error["field"]))
    if not allowed:
        return error
    return {**error, "reason": "must be one of: " + ", ".join(allowed), "allowed": allowed}


def field_type(request: Request, field: str) -> Any:
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except Exception:  # no route: nothing to say more
        return None
    if field in parameters:
        return parameters[field].annotation
    body = parameters.get("data")
    kind: Any = body.annotation if body is not None else None
    for name in field.split("."):
        kind = unwrapped(kind)
        hints = (
            msgspec.structs.fields(kind)
            if isinstance(kind, type) and issubclass(kind, msgspec.Struct)
            else ()
        )
        kind = next((f.type for f in hints if f.encode_name == name or f.name == name), None)
        if kind is None:
            return None
    return kind


def unwrapped(kind: Any) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None``."""
    while True:
        if typing.get_origin(kind) is typing.Annotated:
            kind = typing.get_args(kind)[0]
            continue
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1:
            kind = args[0]
            continue
        return kind


def choices(kind: Any) -> list[str]:
    kind = unwrapped(kind)
    if typing.get_origin(kind) is typing.Literal:
        return [str(v) for v in typing.get_args(kind)]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [str(member.value) for member in kind]
    return []


def on_http(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == HTTP_404_NOT_FOUND and (field := malformed_path_id(request)):
        return problem(
            HTTP_400_BAD_REQUEST,
            "Malformed request",
            f"{field}: must be a UUID",
            "malformed",
            errors=[{"field": field, "reason": "must be a UUID"}],
        )
    headers = dict(exc.headers or {})
    response = problem(
        exc.status_code,
        HTTPStatus(exc.status_code).phrase,
        str(exc.detail),
        http_kind(exc.status_code),
    )
    response.headers.update(headers)
    if exc.status_code == HTTP_401_UNAUTHORIZED:
        response.headers["WWW-Authenticate"] = 'Bearer realm="complaints"'  # RFC 6750 §3
    return response


def malformed_path_id(request: Request) -> str | None:
    """The path parameter at fault when a path would match a route but for an id that is
    not a UUID (the router then finds no route: a 404 that should say why)."""
    path = request.scope.get("path", "")
    for pattern, names in uuid_routes(request.app):
        if match := pattern.fullmatch(path):
            for name in names:
                try:
                    UUID(match.group(name))
                except ValueError:
                    return name
    return None


def uuid_routes(app: Any) -> list[tuple[re.Pattern[str], list[str]]]:
    """Each route with UUID parameters as a pattern taking any segment there, made once."""
    cached = app.state.get("uuid_routes")
    if cached is None:
        cached = []
        for route in app.routes:
            names = [n for n, p in route.path_parameters.items() if p.type is UUID]
            if names:
                parts = [segment_pattern(part) for part in route.path.split("/")]
                cached.append((re.compile("/".join(parts)), names))
        app.state["uuid_routes"] = cached
    return cached


PARAMETER = re.compile(r"\{(\w+):\w+\}")


def segment_pattern(part: str) -> str:
    if match := PARAMETER.fullmatch(part):
        return f"(?P<{match.group(1)}>[^/]+)"
    return re.escape(part)


def on_refused(_: Request, exc: Refused) -> Response:
    return problem(
        HTTP_403_FORBIDDEN, "Refused by the tenant's procedure", str(exc), "refused", rule=exc.rule
    )


def on_csrf(_: Request, exc: CsrfMismatch) -> Response:
    return problem(
        HTTP_403_FORBIDDEN,
        "CSRF token missing or wrong",
        str(exc),
        "csrf",
        errors=[{"field": "X-CSRF-Token", "reason": "must be the session's CSRF token"}],
    )


def on_not_found(_: Request, exc: NotFound) -> Response:
    return problem(HTTP_404_NOT_FOUND, "Not found", str(exc), "not-found")


def on_conflict(_: Request, exc: Exception) -> Response:
    return problem(HTTP_409_CONFLICT, "Conflict", str(exc) or "stale write", "conflict")


def on_stale_version(_: Request, exc: StaleVersion) -> Response:
    return problem(HTTP_412_PRECONDITION_FAILED, "Precondition failed", str(exc), "precondition")


def on_invalid_transition(_: Request, exc: InvalidTransition) -> Response:
    return problem(HTTP_409_CONFLICT, "Not allowed in the case's state", str(exc), "state")


def on_field_error(_: Request, exc: FieldError) -> Response:
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Invalid request",
        str(exc),
        "validation",
        errors=[{"field": exc.field, "reason": exc.reason}],
    )


def on_forbidden_destination(request: Request, exc: ForbiddenDestination) -> Response:
    return on_field_error(request, FieldError("url", exc.reason))


def on_unknown_category(request: Request, exc: UnknownCategory) -> Response:
    return on_field_error(request, FieldError("category", str(exc)))


def on_invalid_option(request: Request, exc: InvalidPolicyOption) -> Response:
    return on_field_error(request, FieldError(f"options.{exc.name}", exc.reason))


def on_unknown_roles(request: Request, exc: UnknownRoles) -> Response:
    return on_field_error(request, FieldError("roles", str(exc)))


def on_unknown_calendar(request: Request, exc: UnknownCalendar) -> Response:
    return on_field_error(request, FieldError(exc.field, exc.reason))


def on_unknown_person(request: Request, exc: UnknownPerson) -> Response:
    return on_field_error(request, FieldError("person_id", "unknown person"))


def on_unknown_key(request: Request, exc: UnknownKey) -> Response:
    return on_not_found(request, NotFound("key", str(exc)))


def on_unknown_unit(request: Request, exc: UnknownUnit) -> Response:
    # a unit the body named (a case's); one in the path is NotFound (services/handlers/tenancy.py)
    return on_field_error(request, FieldError("unit", f"no unit {exc.unit_id}"))


def on_invalid_unit(request: Request, exc: InvalidUnit) -> Response:
    return on_field_error(request, FieldError(exc.field, exc.reason))


def on_outside_scope(request: Request, exc: OutsideScope) -> Response:
    return on_field_error(request, FieldError("unit", str(exc)))


def on_receipt_out_of_range(request: Request, exc: ReceiptOutOfRange) -> Response:
    return on_field_error(request, FieldError("received_at", str(exc)))


def on_too_deep(_: Request, exc: RecursionError) -> Response:
    # msgspec gives up on JSON nested past its stack while Litestar reads the body
    return problem(
        HTTP_400_BAD_REQUEST,
        "Malformed request",
        "the body is nested too deeply to read",
        "validation",
        errors=[{"field": "body", "reason": "nested too deeply"}],
    )


def on_unknown_policy(request: Request, exc: UnknownPolicy) -> Response:
    return on_field_error(request, FieldError("policy", str(exc)))


def on_domain(_: Request, exc: DomainError) -> Response:
    return problem(HTTP_422_UNPROCESSABLE_ENTITY, "Invalid request", str(exc), "domain")


def on_idempotency(_: Request, exc: IdempotencyMismatch) -> Response:
    return problem(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "Idempotency-Key reused",
        "this Idempotency-Key was used for a different request",
        "idempotency",
        errors=[{"field": "Idempotency-Key", "reason": "used for another request"}],
    )


def on_unavailable(request: Request, exc: Exception) -> Response:
    """The database went away (restart, failover, full pool): nothing was acknowledged, so
    the client retries, with the same Idempotency-Key, after the pause."""
    log.warning("database unavailable on %s %s", request.method, route_of(request), exc_info=exc)
    response = problem(
        HTTP_503_SERVICE_UNAVAILABLE,
        "Service unavailable",
        "the database is not reachable; retry after the pause given",
        "unavailable",
    )
    response.headers["Retry-After"] = "2"
    return response


def on_interface_error(request: Request, exc: asyncpg.InterfaceError) -> Response:
    # asyncpg's "connection is closed" / "pool is closing" are outages; the rest are bugs
    if "closed" in str(exc) or "closing" in str(exc):
        return on_unavailable(request, exc)
    return on_unexpected(request, exc)


def on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, route_of(request), exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal error",
        "the request failed; nothing was written",
        "internal",
    )


# A connection that failed or was cut, a server shutting down, starting up or out of slots.
UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, timed out
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError and the rest of class 08
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    # a connection the server cut mid-statement is left in a state asyncpg reports this way
    asyncpg.InternalClientError,
)

_HANDLERS = {
    **dict.fromkeys(UNAVAILABLE, on_unavailable),
    asyncpg.InterfaceError: on_interface_error,
    ValidationException: on_validation,
    HTTPException: on_http,
    Refused: on_refused,
    CsrfMismatch: on_csrf,
    NotFound: on_not_found,
    Conflict: on_conflict,
    StaleVersion: on_stale_version,
    UnknownCategory: on_unknown_category,
    InvalidTransition: on_invalid_transition,
    FieldError: on_field_error,
    ForbiddenDestination: on_forbidden_destination,
    UnknownPolicy: on_unknown_policy,
    ReceiptOutOfRange: on_receipt_out_of_range,
    RecursionError: on_too_deep,
    InvalidPolicyOption: on_invalid_option,
    UnknownRoles: on_unknown_roles,
    UnknownPerson: on_unknown_person,
    UnknownCalendar: on_unknown_calendar,
    UnknownKey: on_unknown_key,
    UnknownUnit: on_unknown_unit,
    InvalidUnit: on_invalid_unit,
    OutsideScope: on_outside_scope,
    UnitExists: on_conflict,  # the unit id is taken
    UnitInUse: on_conflict,  # live units under it, or retired already
    DomainError: on_domain,
    IdempotencyMismatch: on_idempotency,
    Exception: on_unexpected,
}


def with_request_id(
    handler: Callable[[Request, Any], Response],
) -> Callable[[Request, Any], Response]:
    """Every problem document names the request it answers (also in ``X-Request-ID``)."""

    def handle(request: Request, exc: Exception) -> Response:
        response = handler(request, exc)
        if isinstance(response.content, dict):
            request_id = request_id_of(request.scope)
            response.content["request_id"] = request_id
            # this occurrence: the request, never the path (which may hold a tenant's words)
            response.content["instance"] = f"urn:complaints:request:{request_id}"
        return in_language(request, response)

    return handle


HANDLERS = {kind: with_request_id(handler) for kind, handler in _HANDLERS.items()}


def status_for(request: Request, exc: Exception) -> int:
    """The status the problem document for ``exc`` carries, for an answer that is no
    problem document (a complainant's HTML page): one table of statuses for both. The most
    specific handler wins, as Litestar picks it (by the exception's MRO)."""
    handler = next(_HANDLERS[kind] for kind in type(exc).__mro__ if kind in _HANDLERS)
    return handler(request, exc).status_code


def language_of(request: Request) -> str:
    """English, unless the request's Accept-Language prefers Chinese."""
    return best_language(request.headers.get("accept-language", ""), default=ENGLISH)


def in_language(request: Request, response: Response) -> Response:
    """The problem's words in the caller's language; ``type``, ``status``, the fields'
    names, ``allowed`` and ``rule`` stay as they are, for clients that branch on them."""
    lang = language_of(request)
    response.headers["Content-Language"] = lang
    response.headers.setdefault("Vary", "Accept-Language")
    if lang == CHINESE and isinstance(response.content, dict):
        in_chinese(response.content)
    return response


def in_chinese(body: dict[str, Any]) -> None:
    kind = str(body.get("type", "")).rsplit("/", 1)[-1]
    body["title"] = chinese_title(kind, str(body.get("title", "")))
    detail = str(body.get("detail", ""))
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        said = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in errors)
        body["errors"] = [{**e, "reason": chinese_text(str(e.get("reason", "")))} for e in errors]
        if detail == said:  # the detail only lists the fields: list them in Chinese
            body["detail"] = "；".join(f"{e['field']}：{e['reason']}" for e in body["errors"])
            return
    rule = body.get("rule")
    ruled = word("rule", rule, 1) if isinstance(rule, str) else None
    if ruled is not None and ruled != rule:
        # a refusal in the procedure's own words: the rule the plan wrote, not our English
        body["detail"] = f"{rule}：{ruled}"
        return
    body["detail"] = chinese_text(detail)


# The reasons and details the API and its framework write, in Chinese; anything else (a
# domain rule's own explanation, a policy's reason) is left as written.
CHINESE_PHRASES: dict[str, str] = {
    "must be a UUID": "必须是 UUID",
    "Invalid UUID": "必须是 UUID",
    "Invalid RFC3339 encoded datetime": "必须是 RFC 3339 日期时间（带时区偏移）",
    "send the body as JSON, with Content-Type: application/json": (
        "请求体须为 JSON，并带 Content-Type: application/json"
    ),
    "Request Entity Too Large": "请求体超过服务允许的大小",
    "Not Found": "此路径下没有接口",
    "Method Not Allowed": "此接口不接受该请求方法",
    "send Authorization: Bearer <API key>, or sign in (POST /v1/session)": (
        "请发送 Authorization: Bearer <API 密钥>，或先登录（POST /v1/session）"
    ),
    "unknown or revoked API key": "API 密钥未知或已被吊销",
    "the session has ended: sign in again (POST /v1/session)": (
        "会话已结束：请重新登录（POST /v1/session）"
    ),
    "only the platform administrator may do this": "只有平台管理员可以执行此操作",
    "this needs a tenant's API key": "此操作需要租户的 API 密钥",
    "only the tenant administrator may do this": "只有租户管理员可以执行此操作",
    "only a key with the auditor role may do this": "只有具有审计员角色的密钥可以执行此操作",
    "an auditor's key reads and changes nothing": "审计员的密钥只能读取，不能修改",
    "this key holds no role to be notified for": "此密钥没有可接收通知的角色",
    "too many requests for this key or tenant; retry after the pause given": (
        "此密钥或租户的请求过多；请在 Retry-After 给出的时间后重试"
    ),
    "too many open streams for this key or tenant; close one, or retry after the pause": (
        "此密钥或租户打开的事件流过多；请关闭一个，或稍后重试"
    ),
    "stale write": "他人已先修改：请重新读取后重试",
    "must be the session's CSRF token": "必须是本会话的 CSRF 令牌",
    "used for another request": "已用于另一个请求",
    "this Idempotency-Key was used for a different request": (
        "此 Idempotency-Key 已用于另一个请求"
    ),
    "nested too deeply": "嵌套过深",
    "the body is nested too deeply to read": "请求体嵌套过深，无法读取",
    "the database is not reachable; retry after the pause given": (
        "数据库暂不可用；请在 Retry-After 给出的时间后重试"
    ),
    "the request failed; nothing was written": "请求失败，未写入任何内容",
    "unknown person": "未知人员",
}
# what NotFound names (services.store.repository), so a domain's "no …" is never taken for one
NOT_FOUND_KINDS = {
    "open case in group": "分组中的未结案件",
    "originating-bank report of complaint": "发起行报告，投诉案件",
    "complaint": "投诉案件",
    "tenant": "租户",
    "webhook": "Webhook",
    "key": "密钥",
    "problem type": "问题类型",
    "unit": "单位",
    "person": "人员",
}
CHINESE_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[dict[str, str]], str]]] = [
    (re.compile(r"Object missing required field `(?P<name>[^`]+)`"), "缺少必填字段 `{name}`"),
    (
        re.compile(r"Expected `(?P<kind>[^`]+)`, got `(?P<got>[^`]+)`"),
        "类型应为 `{kind}`，实际为 `{got}`",
    ),
    (
        re.compile(r"Expected `(?P<kind>[^`]+)` of length (?P<op>[<>]=?) (?P<n>\d+)"),
        "应为 `{kind}`，长度 {op} {n}",
    ),
    (
        re.compile(r"Expected `(?P<kind>[^`]+)` (?P<op>[<>]=?) (?P<n>\S+)"),
        "超出范围：应为 `{kind}` 且 {op} {n}",
    ),
    (re.compile(r"Object contains unknown field `(?P<name>[^`]+)`"), "未知字段 `{name}`"),
    (
        re.compile(r"Expected `(?P<kind>[^`]+)` matching regex (?P<regex>.+)"),
        "应为 `{kind}`，且须匹配 {regex}",
    ),
    (re.compile(r"must be one of: (?P<values>.*)"), "必须是以下值之一：{values}"),
    (re.compile(r"Invalid enum value (?P<value>.*)"), "不是允许的值：{value}"),
    (re.compile(r"must be 1 to (?P<n>\d+) characters"), "长度须为 1 到 {n} 个字符"),
    (re.compile(r"JSON is malformed: (?P<why>.*)"), "不是有效的 JSON：{why}"),
    (
        re.compile(r"no (?P<kind>" + "|".join(NOT_FOUND_KINDS) + r") (?P<ident>.+)"),
        lambda said: f"找不到{NOT_FOUND_KINDS[said['kind']]} {said['ident']}",
    ),
    (
        re.compile(r"If-Match expected (?P<expected>.+), the case is at version (?P<at>\d+)"),
        lambda said: (
            f"If-Match 要求{chinese_versions(said['expected'])}，案件当前为版本 {said['at']}"
        ),
    ),
]


def chinese_versions(expected: str) -> str:
    """``Precondition``'s words: "any version", "no version", "version 3 or 4"."""
    if expected in ("any version", "no version"):
        return "任意版本" if expected == "any version" else "无版本"
    return "版本 " + expected.removeprefix("version ").replace(" or ", " 或 ")


def chinese_text(text: str) -> str:
    if text in CHINESE_PHRASES:
        return CHINESE_PHRASES[text]
    for pattern, template in CHINESE_PATTERNS:
        if match := pattern.fullmatch(text):
            said = match.groupdict()
            return template(said) if callable(template) else template.format(**said)
    return text
