"""Person records: the people (and organisations) who are parties on cases."""

from domain.people.aggregate import Person
from domain.people.values import PersonDetails, PersonKind

__all__ = ["Person", "PersonDetails", "PersonKind"]
