"""Every state change of the service hall. Split by theme; import from here."""

from .common import MAX_UPLOAD_BYTES, Upload
from .decisions import (
    application_approve,
    application_decline,
    application_handover,
    application_refuse,
    application_withdraw,
    refusal_overturn,
)
from .followup import (
    catalogue_item_update,
    catalogue_load,
    consultation_log,
    rating_appeal,
    rating_appeal_answer,
    rating_reply,
    rating_submit,
)
from .intake import (
    UnconditionalAcceptance,
    application_resubmit,
    application_submit,
    missing_materials,
    notice_issue,
    outstanding_materials,
)
from .materials import material_view_record
from .rules import (
    OtherAccountability,
    accountability_record_many,
    deadline_sweep,
    post_create,
    post_set_absent,
)

__all__ = [
    "MAX_UPLOAD_BYTES",
    "OtherAccountability",
    "UnconditionalAcceptance",
    "Upload",
    "accountability_record_many",
    "application_approve",
    "application_decline",
    "application_handover",
    "application_refuse",
    "application_withdraw",
    "application_resubmit",
    "application_submit",
    "catalogue_item_update",
    "catalogue_load",
    "consultation_log",
    "deadline_sweep",
    "material_view_record",
    "missing_materials",
    "notice_issue",
    "outstanding_materials",
    "post_create",
    "post_set_absent",
    "rating_appeal",
    "rating_appeal_answer",
    "rating_reply",
    "rating_submit",
    "refusal_overturn",
]
