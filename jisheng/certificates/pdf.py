"""Chinese PDFs from HTML templates with WeasyPrint (fonts: Noto Serif CJK SC / Noto Sans CJK SC)."""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return bytes(HTML(string=html).write_pdf())


def certificate_pdf(certificate: Any) -> bytes:
    from .services import qr_text, verification_url
    from .signing import mask_id_number

    return render_pdf(
        "certificates/pdf/certificate.html",
        {
            "certificate": certificate,
            "qr": qr_data_uri(qr_text(certificate)),
            "verification_url": verification_url(certificate),
            "masked_id": mask_id_number(certificate.holder_id_number),
        },
    )
