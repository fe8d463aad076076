"""The complainant's side: pages and an API with no key, per tenant, under ``/public``.

A complainant files (intake), follows their case by its secret link or its tracking number and
a one-time code sent to them, and answers on it. Everything here is open to load; what a
request may see is decided by the link's secret or the code, never by a staff key. The pages
are rendered on the server (plain forms, no script), in the tenant's language or the one asked
for, and never show internal notes, restricted fields, staff names the policy keeps internal,
or other cases.

Imports ``services.api``'s shared parts; nothing imports it but ``app.py``.
"""

from services.api.public.intake import file_complaint_publicly, intake_form, intake_page
from services.api.public.pages import style
from services.api.public.status import public_status

__all__ = ["file_complaint_publicly", "intake_form", "intake_page", "public_status", "style"]
