from .events import Birth, Contraception, Marriage, ResidencePeriod
from .people import Household, Person
from .review import DuplicateCandidate, ImportJob

__all__ = [
    "Birth",
    "Contraception",
    "DuplicateCandidate",
    "Household",
    "ImportJob",
    "Marriage",
    "Person",
    "ResidencePeriod",
]
