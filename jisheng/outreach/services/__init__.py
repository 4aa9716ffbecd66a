"""Every change outreach makes, one transaction and one audit event each (see each module)."""

from .campaigns import campaign_reached, campaign_record, gift_approve, gift_given, gift_propose
from .health import (
    health_reveal,
    prepregnancy_book,
    prepregnancy_done,
    referral_outcome,
    referral_record,
    screening_invite,
    screening_record,
)
from .projects import (
    allocation_preview,
    allocation_run,
    fund_enter,
    inspection_record,
    milestone_add,
    milestone_done,
    need_submit,
    project_assign,
    project_finish,
)
from .supplies import (
    stock_hand_out,
    stock_receive,
    stock_transfer,
    stock_write_off_expired,
    supply_item_define,
)
from .visits import (
    handoff_settle,
    handoff_take,
    help_record,
    pairing_end,
    pairing_start,
    visit_record,
)

__all__ = [
    "allocation_preview",
    "allocation_run",
    "campaign_reached",
    "campaign_record",
    "fund_enter",
    "gift_approve",
    "gift_given",
    "gift_propose",
    "handoff_settle",
    "handoff_take",
    "health_reveal",
    "help_record",
    "inspection_record",
    "milestone_add",
    "milestone_done",
    "need_submit",
    "pairing_end",
    "pairing_start",
    "prepregnancy_book",
    "prepregnancy_done",
    "project_assign",
    "project_finish",
    "referral_outcome",
    "referral_record",
    "screening_invite",
    "screening_record",
    "stock_hand_out",
    "stock_receive",
    "stock_transfer",
    "stock_write_off_expired",
    "supply_item_define",
    "visit_record",
]
