"""The API's request spans (services/tracing.py installs the provider): the Litestar plugin
that makes each request a server span joining its caller's trace, and the hook that names the
span by its route. Here, not in services/tracing.py, so that only services/api imports
Litestar."""

from __future__ import annotations

from typing import Any

from services import tracing

# Requests not worth a trace each: probes and scrapes arrive every few seconds.
UNTRACED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]

# What the instrumentation copies from the URL: the path holds ids and a group's name, the
# query a search's words (?q=), which the access log leaves out for the same reason.
URL_ATTRIBUTES = ("http.url", "url.full", "http.target", "url.path", "url.query")


def litestar_plugins() -> list[Any]:
    """The Litestar plugin that traces requests, when tracing is on; none when off."""
    provider = tracing.provider()
    if provider is None:
        return []
    # imported here: a process with tracing off never loads the instrumentation
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return [
        OpenTelemetryPlugin(
            OpenTelemetryConfig(
                tracer_provider=provider,
                exclude=UNTRACED_PATHS,
                # a span per ASGI message would outnumber the queries
                exclude_spans=["receive", "send"],
                scope_span_details_extractor=_span_details,
                server_request_hook_handler=_withhold_url,
            )
        )
    ]


def _span_details(scope: Any) -> tuple[str, dict[str, Any]]:
    # The method only, until the route is known (``name_request_span``): a path holds ids
    # and a group's name, which is the tenant's free text.
    return str(scope.get("method", "")) or "request", {}


def _withhold_url(span: Any, scope: Any) -> None:
    if span.is_recording():
        found = getattr(span, "attributes", None) or {}
        span.set_attributes({key: "" for key in URL_ATTRIBUTES if key in found})


async def name_request_span(message: Any, scope: Any) -> None:
    """``before_send``: name the request's span by its route's template, as the access log
    names the request."""
    if not tracing.enabled() or message["type"] != "http.response.start":
        return
    from opentelemetry import trace

    template = scope.get("path_template")
    span = trace.get_current_span()
    if template and span.is_recording():
        span.update_name(f"{scope['method']} {template}")
        span.set_attributes({"http.route": template, "http.target": template})
