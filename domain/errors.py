"""The short hierarchy of domain exceptions."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule of the model."""


class InvalidTransition(DomainError):
    """The case is not in a state that allows this action."""


class Refused(DomainError):
    """The tenant's policy refuses the action; ``rule`` names the procedure rule (e.g. H12)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class NothingToRecord(InvalidTransition):
    """The case's procedure records nothing for this command on the case as it stands (a
    step the policy has no use for): refused like any command the state does not allow."""


class ReceiptOutOfRange(DomainError):
    """A complaint's ``received_at`` lies before 2000 or more than a day ahead of now."""


class UnknownPolicy(DomainError):
    """No policy is installed under the requested name and version."""


class NotActing(RuntimeError):
    """A case event was to be recorded outside ``acting(person, now)`` (domain/acting.py), so
    nobody said who acted or when. A fault of the calling code, not of the request, so it is
    no :class:`DomainError`: nothing takes it for a refused command."""
