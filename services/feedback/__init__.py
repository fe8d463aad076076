"""Messages to complainants: mail over SMTP (``mail``) and, where a tenant has one, its SMS or
WeChat gateway, a signed webhook (``gateway``); the templates they are written from
(``templates``), and the one-time codes sent to them. Imports settings, the store (one
tenant's rows) and the standard library's transports, never handlers, audit or the bus; the
sender that follows the ledger is a worker (services/workers/feedback.py)."""
