"""The petitions' Chinese PDFs: the written notice of acceptance (Art. 23) and the written reply (Art. 32)."""

from __future__ import annotations

from jisheng.certificates.pdf import render_pdf

from .models import Matter, Opinion, PetitionerKind

OPINIONS = {Opinion.SUPPORT: "予以支持", Opinion.EXPLAIN: "做好解释工作", Opinion.NOT_SUPPORT: "不予支持"}


def _addressee(matter: Matter) -> str:
    file = matter.file
    if file.kind == PetitionerKind.ANONYMOUS:
        return "信访人"
    if file.kind == PetitionerKind.GROUP:
        return f"{file.name}（代表：{'、'.join(file.representatives)}）"
    return file.name


def acceptance_pdf(matter: Matter) -> bytes:
    responsible = str(matter.responsible) if matter.responsible else "—"
    return render_pdf(
        "petitions/pdf/acceptance.html",
        {"matter": matter, "addressee": _addressee(matter), "responsible": responsible},
    )


def reply_pdf(matter: Matter) -> bytes:
    return render_pdf(
        "petitions/pdf/reply.html",
        {
            "matter": matter,
            "addressee": _addressee(matter),
            "opinion": OPINIONS.get(Opinion(matter.opinion), ""),
        },
    )
