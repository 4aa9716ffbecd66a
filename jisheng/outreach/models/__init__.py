"""What outreach keeps: visits and pairings, health services, supplies, campaigns, care gifts, projects."""

from .campaigns import Campaign
from .care import CareGift
from .health import HealthReferral, PrePregnancyCheck, Screening
from .projects import AllocationRun, FundEntry, Inspection, Milestone, Need, Project
from .supplies import StockLevel, StockMovement, SupplyItem
from .visits import Handoff, HelpRecord, Pairing, Visit

__all__ = [
    "AllocationRun",
    "Campaign",
    "CareGift",
    "FundEntry",
    "Handoff",
    "HealthReferral",
    "HelpRecord",
    "Inspection",
    "Milestone",
    "Need",
    "Pairing",
    "PrePregnancyCheck",
    "Project",
    "Screening",
    "StockLevel",
    "StockMovement",
    "SupplyItem",
    "Visit",
]
