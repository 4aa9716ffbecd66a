"""The hall's Chinese PDFs: the receipt (回执) and the one-time notice (一次性告知书)."""

from __future__ import annotations

from django.utils import timezone

from jisheng.certificates.pdf import render_pdf

from .models import Application, Notice


def receipt_pdf(application: Application) -> bytes:
    materials = application.item.materials.all()
    present = application.present_materials
    rows = [
        {
            "name": m.name,
            "state": "人口信息库核验"
            if m.code in application.fetched_materials
            else ("已收" if m.code in present else "未收"),
        }
        for m in materials
    ]
    return render_pdf(
        "hall/pdf/receipt.html", {"application": application, "rows": rows, "now": timezone.localtime()}
    )


def notice_pdf(notice: Notice) -> bytes:
    return render_pdf("hall/pdf/notice.html", {"notice": notice, "application": notice.application})
