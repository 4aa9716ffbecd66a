from .events import Birth, Contraception, Marriage, ResidencePeriod
from .people import Household, Person

__all__ = ["Birth", "Contraception", "Household", "Marriage", "Person", "ResidencePeriod"]
