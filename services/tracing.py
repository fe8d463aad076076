"""OpenTelemetry tracing, off unless ``COMPLAINTS_TRACING_ENDPOINT`` names an OTLP/HTTP collector.

Off, nothing is installed: no tracer provider, no instrumentation, and every helper here
answers at once with nothing (no span, no header, no extra query). On, the process has one
provider that exports its spans in batches:

- the API's requests are server spans that join the caller's trace (W3C ``traceparent``;
  the Litestar plugin is services/api/tracing_plugin.py);
- asyncpg's queries are child spans of whatever span is current; a query outside any trace
  (a follower's sweep, a LISTEN) is not recorded, or the sweeps would bury the requests;
- an append records the current ``traceparent`` with its events (table ``event_traces``,
  services/store/ledger.py), because the relay publishes later, from the ledger;
- the relay's publish and a webhook's POST are spans of their own in that trace, and pass
  it on in a ``traceparent`` header.

The provider is this module's, not OpenTelemetry's global one, so that a process (or a test)
can install it and take it down again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"

_provider: Any = None  # opentelemetry.sdk.trace.TracerProvider while installed
_tracer: Any = None


def enabled() -> bool:
    return _provider is not None


def provider() -> Any:
    """The installed ``TracerProvider``, None when off (the API's request spans use it,
    services/api/tracing_plugin.py)."""
    return _provider


def install(endpoint: str | None, exporter: Any = None) -> Any:
    """Install tracing once per process when ``endpoint`` is set (``exporter`` replaces the
    OTLP one, e.g. the SDK's in-memory exporter); returns the provider, or None when off."""
    global _provider, _tracer
    if _provider is not None or not endpoint:
        return _provider
    # imported here: a process with tracing off never loads the SDK
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": "complaints"}), sampler=_sampler()
    )
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    else:
        # a test's exporter sees each span as it ends
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    _provider, _tracer = provider, provider.get_tracer("complaints")
    log.info("tracing on: spans go to %s", endpoint)
    return provider


def uninstall() -> None:
    """Flush and take tracing down (the process's end, or a test's)."""
    global _provider, _tracer
    if _provider is None:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()
    provider, _provider, _tracer = _provider, None, None
    provider.shutdown()


def _sampler() -> Any:
    from opentelemetry.sdk.trace.sampling import (
        ALWAYS_ON,
        Decision,
        ParentBased,
        Sampler,
        SamplingResult,
    )
    from opentelemetry.trace import get_current_span

    class NoLoneQueries(Sampler):
        """Every trace, except one that a database query would start on its own."""

        inner = ParentBased(ALWAYS_ON)

        def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None,
                          links=None, trace_state=None):  # fmt: skip
            lone = not get_current_span(parent_context).get_span_context().is_valid
            query = bool(attributes) and bool({"db.system", "db.system.name"} & set(attributes))
            if lone and query:
                return SamplingResult(Decision.DROP)
            return self.inner.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )

        def get_description(self) -> str:
            return "NoLoneQueries"

    return NoLoneQueries()


def current_traceparent() -> str | None:
    """The current span's ``traceparent``, for the events appended now; None when off or
    outside a trace."""
    if _provider is None:
        return None
    carrier: dict[str, str] = {}
    _inject(carrier)
    return carrier.get(TRACEPARENT)


def _inject(carrier: dict[str, str], context: Any = None) -> None:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    TraceContextTextMapPropagator().inject(carrier, context=context)


def _extract(traceparent: str | None) -> Any:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract(
        {TRACEPARENT: traceparent} if traceparent else {}
    )


class Spans:
    """Spans started together and ended together (the relay's pipelined publishes)."""

    def __init__(self) -> None:
        self._spans: list[Any] = []

    def start(
        self, name: str, traceparent: str | None, kind: str, attributes: Mapping[str, Any]
    ) -> dict[str, str]:
        """A span in the trace ``traceparent`` names (a new trace without one); returns the
        headers that carry it on, empty when tracing is off."""
        if _tracer is None:
            return {}
        from opentelemetry.trace import SpanKind, set_span_in_context

        span = _tracer.start_span(
            name, context=_extract(traceparent), kind=SpanKind[kind], attributes=dict(attributes)
        )
        self._spans.append(span)
        headers: dict[str, str] = {}
        _inject(headers, set_span_in_context(span))
        return headers

    def end(self, results: Sequence[object] = (), error: BaseException | None = None) -> None:
        """End each span: failed if its entry in ``results`` is an exception, or all of them
        with ``error``."""
        from opentelemetry.trace import Status, StatusCode

        for n, span in enumerate(self._spans):
            found = results[n] if n < len(results) else None
            failed = found if isinstance(found, BaseException) else error
            if failed is not None:
                span.set_status(Status(StatusCode.ERROR, type(failed).__name__))
            span.end()
        self._spans.clear()


@contextmanager
def span(
    name: str, traceparent: str | None, kind: str, attributes: Mapping[str, Any]
) -> Iterator[dict[str, str]]:
    """One span for the block, in the trace ``traceparent`` names; yields the headers that
    carry it on (empty when tracing is off)."""
    spans = Spans()
    headers = spans.start(name, traceparent, kind, attributes)
    try:
        yield headers
    except BaseException as error:
        spans.end(error=error)
        raise
    spans.end()
