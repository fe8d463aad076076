"""Use cases: load, decide through the policy, save. Complaints (``Cases``: filing, every
case command through ``Cases.act``, a group's decision, the watcher's miss), tenants and
their people and keys (``Tenancy``), data keys and offboarding (``DataKeys``), who a key
belongs to (``KeyAuthenticator``), tenants by id (``TenantDirectory``), policies by name,
reads of the views with read-your-writes (``ViewReads``), and browser sessions opened with
a key (``Sessions``).

May import feedback (what ``ComplainantAccess`` sends the complainant: codes by mail or the
tenant's gateway), store, the leaves (settings, clock, logs, metrics, tracing,
standard_webhooks), projections and domain, as pyproject.toml's layers contract allows; no
Litestar, no NATS (what a use case needs of the bus it is handed, e.g. ``DataKeys``' purge),
nothing of audit or bus beside it, and nothing of engines, which it has no use for.
"""

from services.handlers.api_keys import KeyAuthenticator, Principal, new_key, parse_key
from services.handlers.cases import Cases, OutsideScope, Precondition, StaleVersion, Written
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy
from services.handlers.sessions import Sessions
from services.handlers.tenancy import IssuedKey, Tenancy, TenantExists, UnknownRoles
from services.handlers.tenant_keys import DataKeys, Offboarded
from services.handlers.views import ViewReads

__all__ = [
    "Cases",
    "DataKeys",
    "IssuedKey",
    "KeyAuthenticator",
    "Offboarded",
    "OutsideScope",
    "Precondition",
    "Principal",
    "Sessions",
    "StaleVersion",
    "Tenancy",
    "TenantDirectory",
    "TenantExists",
    "UnknownRoles",
    "ViewReads",
    "Written",
    "load_policy",
    "new_key",
    "parse_key",
]
