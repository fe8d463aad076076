"""Everything that talks to the world, in packages by capability (docs/architecture.md).

From the top down, each importing only those below it (``make lint`` checks it):
``cli`` (the ``complaints`` command) -> ``api`` (everything Litestar) -> ``workers`` (what
follows the ledger and the clock) -> ``runtime`` (the composition root) -> ``handlers``,
``audit``, ``bus`` (use cases, the auditor's tools, NATS; independent of each other) ->
``feedback`` (messages to complainants) -> ``store`` (the write side on asyncpg and
eventsourcing) -> ``engines`` -> ``settings``, ``clock``, ``logs``, ``metrics``,
``tracing``, ``standard_webhooks`` (leaves, independent of each other) -> ``projections``
-> ``domain``.
"""
