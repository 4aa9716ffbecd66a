"""Moves arriving by import: a township clerk's .xlsx (or .csv) of departures or arrivals.

The file is bounded at upload (``jisheng.core.uploads``) and read in a background job of
``jisheng.core.jobs`` (or in the request when ``MIGRANTS_IMPORT_SYNC`` is set, as the tests do) with the
registry import's reader: the workbook's declared dimensions and unpacked size are checked before it is
parsed (``registry.imports.guard``), the header row is found among title rows, and cells are kept as the
clerk typed them for the messages. Each row then goes through the same service as the form
(``departure_record`` / ``arrival_record``) inside one transaction: when any row is refused, nothing is
written and every refusal is listed, naming the row and the column as the file calls them.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_tasks import task

from jisheng.core import jobs
from jisheng.core.sealed_files import open_sealed
from jisheng.core.text import InputError, check_id_number, clean_text, parse_date, simplified
from jisheng.registry.imports.reader import UnreadableFile, find_table, header_text, read_cells, typed

from .models import MoveImport, Reason

TASK_PATH = "jisheng.migrants.imports.move_import_task"
MAX_ROWS = 5000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation: the header of the template
    header: str  # the Chinese header of the template
    aliases: tuple[str, ...]
    required: bool = False


DEPARTURE_COLUMNS = [
    Column("id_number", gettext_lazy("resident ID number"), "身份证号", ("身份证号码", "公民身份号码"), True),
    Column("name", pgettext_lazy("person", "name"), "姓名", ("名字",)),
    Column("left_on", gettext_lazy("left on"), "外出日期", ("离开日期", "流出日期", "外出时间"), True),
    Column(
        "destination",
        pgettext_lazy("migrant", "destination"),
        "去向",
        ("流入地", "外出地点", "目的地", "去向代码"),
        True,
    ),
    Column("reason", pgettext_lazy("migrant", "reason"), "外出原因", ("原因",)),
    Column("address", gettext_lazy("address there"), "外出地址", ("现居住地址", "居住地址")),
    Column("employer", gettext_lazy("employer"), "工作单位", ("务工单位", "单位")),
    Column("phone", gettext_lazy("phone there"), "外出联系电话", ("联系电话", "电话", "手机")),
    Column("contact_phone", gettext_lazy("contact phone left at home"), "家中联系电话", ("家中电话",)),
    Column("contraception", gettext_lazy("contraceptive measure"), "避孕措施", ("节育措施", "避孕方法")),
    Column("agreement", gettext_lazy("agreement signed"), "是否签订协议", ("签订协议", "签订合同", "合同")),
]

ARRIVAL_COLUMNS = [
    Column("village", gettext_lazy("village"), "村", ("村名", "居住村", "现居住村", "村代码", "村居")),
    Column("id_number", gettext_lazy("resident ID number"), "身份证号", ("身份证号码", "公民身份号码"), True),
    Column("name", pgettext_lazy("person", "name"), "姓名", ("名字",)),
    Column("arrived_on", gettext_lazy("arrived on"), "流入日期", ("到达日期", "来到日期", "流入时间"), True),
    Column("origin", pgettext_lazy("migrant", "coming from"), "户籍地", ("户籍地代码", "来自", "流出地")),
    Column("phone", gettext_lazy("phone"), "联系电话", ("电话", "手机")),
    Column("address", gettext_lazy("address here"), "现居住地址", ("居住地址", "地址")),
    Column("employer", gettext_lazy("employer"), "工作单位", ("务工单位", "单位")),
    Column("contraception", gettext_lazy("contraceptive measure"), "避孕措施", ("节育措施", "避孕方法")),
    Column("pregnant", gettext_lazy("pregnant"), "是否怀孕", ("怀孕",)),
    Column(
        "certificate",
        pgettext_lazy("migrant certificate", "certificate number"),
        "婚育证明编号",
        ("婚育证明", "证明编号"),
    ),
]

COLUMNS: dict[str, list[Column]] = {
    MoveImport.Kind.DEPARTURES: DEPARTURE_COLUMNS,
    MoveImport.Kind.ARRIVALS: ARRIVAL_COLUMNS,
}

YES = {"是", "有", "已签", "已签订", "签订", "y", "yes", "1", "true", "√", "✓"}
NO = {"否", "无", "没有", "未签", "未签订", "n", "no", "0", "false", ""}
REASONS = {
    "务工": Reason.WORK,
    "打工": Reason.WORK,
    "工作": Reason.WORK,
    "经商": Reason.BUSINESS,
    "做生意": Reason.BUSINESS,
    "上学": Reason.STUDY,
    "学习": Reason.STUDY,
    "投亲": Reason.FAMILY,
    "随迁": Reason.FAMILY,
    "其他": Reason.OTHER,
}


class RowRefused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def row_error(row: int, column: str, reason: str) -> str:
    if column:
        return _("Row %(row)s, “%(column)s”: %(reason)s") % {"row": row, "column": column, "reason": reason}
    return _("Row %(row)s: %(reason)s") % {"row": row, "reason": reason}


@dataclass
class Sheet:
    """The rows of a file, each cell under its column key; ``labels`` are the headers as typed."""

    rows: list[tuple[int, dict[str, Any]]]
    labels: dict[str, str]


def read_sheet(path: Path, kind: str) -> Sheet:
    """Read the file (checked by the guard before parsing); refuses with UnreadableFile a file that
    cannot be read, has none of the required columns or too many rows."""
    cells = read_cells(path)
    columns = COLUMNS[kind]
    known = {header_text(c.header) for c in columns} | {header_text(a) for c in columns for a in c.aliases}
    table = find_table(cells, known)
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    texts = [simplified(h) for h in table.headers]
    for column in columns:
        for name in (column.header, *column.aliases):
            target = header_text(name)
            if target in texts and texts.index(target) not in positions.values():
                positions[column.key] = texts.index(target)
                labels[column.key] = table.labels[texts.index(target)]
                break
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise UnreadableFile(
            _("The file has no column %(names)s; use the template's headers.") % {"names": "、".join(missing)}
        )
    if not table.rows:
        raise UnreadableFile(_("The file has no rows below its headers."))
    if len(table.rows) > MAX_ROWS:
        raise UnreadableFile(_("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS})
    rows = [
        (number, {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()})
        for number, cells in table.rows
    ]
    return Sheet(rows=rows, labels=labels)


# --- reading one row -----------------------------------------------------------------------------------


def text_of(value: Any) -> str:
    return clean_text(typed(value))


def yes_no(value: Any, label: str) -> bool:
    text = text_of(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowRefused(label, _("write 是 or 否, not “%(value)s”") % {"value": text_of(value)})


def a_date(value: Any, label: str) -> datetime.date:
    try:
        day = parse_date(value)
    except InputError as exc:
        raise RowRefused(label, exc.reason) from exc
    assert day is not None
    return day


def an_id(value: Any, label: str) -> str:
    try:
        return check_id_number(text_of(value)).number
    except InputError as exc:
        raise RowRefused(label, exc.reason) from exc


def a_measure(value: Any, label: str) -> str:
    from .services import CONTRACEPTION_CHOICES

    text = text_of(value)
    if not text or text in CONTRACEPTION_CHOICES:
        return text
    wanted = simplified(text).replace(" ", "")
    with translation.override("zh-hans"):
        for code, name in CONTRACEPTION_CHOICES.items():
            if str(name).replace(" ", "") == wanted:
                return code
    raise RowRefused(label, _("unknown measure “%(value)s”") % {"value": text})


def a_reason(value: Any, label: str) -> str:
    text = simplified(text_of(value)).replace(" ", "")
    if not text:
        return Reason.WORK
    if text in Reason.values:
        return text
    if text in REASONS:
        return REASONS[text]
    with translation.override("zh-hans"):
        for code, name in Reason.choices:
            if str(name) == text:
                return code
    raise RowRefused(label, _("unknown reason “%(value)s”") % {"value": text})


def refusal_text(refusal: ValidationError | PermissionDenied) -> str:
    if isinstance(refusal, ValidationError):
        return "；".join(refusal.messages)
    return str(refusal) or _("You may not take this step.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open_sealed(path) as handle:  # of what was uploaded, not of its sealed form
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the job ------------------------------------------------------------------------------------------


def progress_file(job: MoveImport) -> Path:
    return Path(f"{job.stored_path}.progress")


def progress_of(job: MoveImport) -> tuple[int, int]:
    """Rows done and in all while the job runs (its transaction hides them from the database)."""
    try:
        done, total = progress_file(job).read_text(encoding="ascii").split()
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, job.total_rows


def launch(job: MoveImport, *, user_pk: int) -> None:
    """Queue the job (or run it now when MIGRANTS_IMPORT_SYNC is set, as the tests do)."""
    if getattr(settings, "MIGRANTS_IMPORT_SYNC", False):
        run_job(job.pk, user_pk)
        return
    result = move_import_task.enqueue(job.pk, user_pk, translation.get_language() or "zh-hans")
    from .services import move_import_update

    move_import_update(job=job, task_id=str(result.id))


@task()
def move_import_task(job_pk: int, user_pk: int, language: str) -> str:
    """The queued reading and writing of one import (its path is TASK_PATH)."""
    with translation.override(language):
        run_job(job_pk, user_pk)
    return "ok"


def run_job(job_pk: int, user_pk: int) -> None:
    from jisheng.accounts.models import User

    from .services import move_import_update, move_import_write

    job = MoveImport.objects.get(pk=job_pk)
    if job.status not in (MoveImport.Status.QUEUED, MoveImport.Status.RUNNING):
        return  # already finished (a job run again after its worker died)
    user = User.objects.select_related("area").get(pk=user_pk)
    move_import_update(job=job, status=MoveImport.Status.RUNNING)
    stored = Path(job.stored_path)
    try:
        sheet = read_sheet(stored, job.kind)
    except UnreadableFile as problem:
        move_import_update(
            job=job, status=MoveImport.Status.FAILED, message=str(problem)[:255], finished_at=timezone.now()
        )
        return
    except Exception:  # any unreadable file: say so instead of leaving the job running
        move_import_update(
            job=job,
            status=MoveImport.Status.FAILED,
            message=_("The file could not be read as .xlsx or .csv.")[:255],
            finished_at=timezone.now(),
        )
        return
    move_import_update(job=job, total_rows=len(sheet.rows))

    def progress(done: int) -> None:
        progress_file(job).write_text(f"{done} {len(sheet.rows)}", encoding="ascii")

    move_import_write(job=job, sheet=sheet, progress=progress, by=user)


@jobs.on_abandoned(TASK_PATH)
def _abandoned(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    from .services import move_import_update

    job = MoveImport.objects.filter(pk=int(args[0] if args else kwargs["job_pk"])).first()
    if job is not None and job.status in (MoveImport.Status.QUEUED, MoveImport.Status.RUNNING):
        move_import_update(job=job, status=MoveImport.Status.FAILED, message=reason[:255])


# --- the template -------------------------------------------------------------------------------------


def template_workbook(kind: str) -> bytes:
    """An .xlsx with the Chinese headers and one example row (ID numbers as text)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = COLUMNS[kind]
    sheet.append([c.header for c in columns])
    example = {
        "id_number": "411723199505050023",
        "name": "刘桂芝",
        "left_on": "2026-03-01",
        "arrived_on": "2026-03-01",
        "destination": "441900 东莞市",
        "reason": "务工",
        "origin": "510100 成都市",
        "village": "王庄村",
        "employer": "某电子厂",
        "phone": "13912345678",
        "contact_phone": "13800138000",
        "agreement": "是",
        "pregnant": "否",
    }
    sheet.append([example.get(c.key, "") for c in columns])
    for cell in sheet[2]:
        cell.number_format = "@"
    for index, column in enumerate(columns):
        sheet.column_dimensions[chr(65 + index)].width = max(12, 2 * len(column.header) + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ProgressFn = Callable[[int], None]
