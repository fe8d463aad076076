"""The bus: the ledger's role-routed events on NATS JetStream, and who reads them.

``relay`` follows the ledger and publishes; ``consumers`` holds the durable per-role consumers;
``sse`` streams a caller's roles to a browser; ``webhooks`` pushes them into a tenant's own
systems. docs/bus.md describes subjects, the message format and the stream's settings.
"""
