from .cases import (
    Application,
    ApplicationStatus,
    CaseEvent,
    Channel,
    Handover,
    Notice,
    Post,
    SubmittedFile,
)
from .catalogue import Category, Level, Material, QaEntry, ServiceItem, ServiceOffice
from .followup import Accountability, AccountabilityKind, Consultation, Rating, RatingLevel
from .tallies import CaseDeadlineTally, CaseTally

__all__ = [
    "Accountability",
    "AccountabilityKind",
    "Application",
    "ApplicationStatus",
    "CaseDeadlineTally",
    "CaseEvent",
    "CaseTally",
    "Category",
    "Channel",
    "Consultation",
    "Handover",
    "Level",
    "Material",
    "Notice",
    "Post",
    "QaEntry",
    "Rating",
    "RatingLevel",
    "ServiceItem",
    "ServiceOffice",
    "SubmittedFile",
]
