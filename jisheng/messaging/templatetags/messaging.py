from typing import Any

from django import template

from ..queries import case_notices_list

register = template.Library()


@register.inclusion_tag("messaging/case_notices.html")
def case_messages(subject_type: str, subject_id: str) -> dict[str, Any]:
    """The notices sent to the applicant about this case, for the case page."""
    return {"notices": case_notices_list(subject_type, subject_id)}
