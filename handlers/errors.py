"""Named domain errors; the edge turns each into one Chinese sentence."""

from __future__ import annotations


class DomainError(Exception):
    """An expected refusal; str(error) is the Chinese sentence shown to the user."""


class TicketNotFound(DomainError):
    pass


class TransitionRefused(DomainError):
    pass


class NotYourTicket(DomainError):
    pass


class BadCommand(DomainError):
    pass


class NotYourUnit(DomainError):
    pass
