"""The columns of each kind of import, with the Chinese headers people actually use for them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .reader import header_text


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation
    aliases: tuple[str, ...]
    required: bool = False


VILLAGE = Column(
    "village_code",
    _("village code"),
    ("村代码", "村居代码", "现居住地代码", "区划代码", "村(居)代码", "居住地代码", "村编码"),
)

KINDS: dict[str, list[Column]] = {
    "persons": [
        Column("name", pgettext_lazy("person", "name"), ("姓名", "名字", "户主姓名"), True),
        Column(
            "id_number", _("resident ID number"), ("身份证号", "身份证号码", "公民身份号码", "身份证"), True
        ),
        Column("sex", _("sex"), ("性别",)),
        Column("birth_date", _("date of birth"), ("出生日期", "出生年月", "生日")),
        Column("ethnicity", _("ethnicity"), ("民族", "民族代码")),
        Column("marital_status", _("marital status"), ("婚姻状况", "婚姻状态", "婚否")),
        Column("phone", _("phone"), ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式")),
        Column("household_number", _("household number"), ("户号", "户编号", "户籍编号")),
        Column("relation_to_head", _("relation to head"), ("与户主关系", "与户主的关系", "关系")),
        VILLAGE,
        Column("address", _("address"), ("地址", "住址", "现住址", "家庭住址")),
        Column("hukou_type", _("household registration type"), ("户口性质", "户籍性质", "户口类型")),
        Column("status", _("status"), ("人员状态", "状态", "在册状态")),
    ],
    "households": [
        Column("number", _("household number"), ("户号", "户编号", "户籍编号"), True),
        VILLAGE,
        Column("address", _("address"), ("地址", "住址", "家庭住址")),
        Column("hukou_type", _("household registration type"), ("户口性质", "户籍性质", "户口类型")),
    ],
    "marriages": [
        Column(
            "husband_id",
            _("husband's ID number"),
            ("丈夫身份证号", "男方身份证号", "男方身份证号码", "丈夫身份证号码"),
            True,
        ),
        Column(
            "wife_id",
            _("wife's ID number"),
            ("妻子身份证号", "女方身份证号", "女方身份证号码", "妻子身份证号码"),
            True,
        ),
        Column("date", _("date of marriage"), ("结婚日期", "登记日期", "婚姻登记日期"), True),
        Column("kind", _("kind"), ("婚姻类型", "初婚再婚", "婚次")),
        Column(
            "certificate_number", _("marriage certificate number"), ("结婚证号", "结婚证字号", "结婚证编号")
        ),
        Column("divorce_date", _("date of divorce"), ("离婚日期",)),
    ],
    "births": [
        Column(
            "mother_id", _("mother's ID number"), ("母亲身份证号", "母亲身份证号码", "产妇身份证号"), True
        ),
        Column("father_id", _("father's ID number"), ("父亲身份证号", "父亲身份证号码")),
        Column("child_name", _("child's name"), ("子女姓名", "婴儿姓名", "孩子姓名", "姓名"), True),
        Column("child_id", _("child's ID number"), ("子女身份证号", "婴儿身份证号", "孩子身份证号")),
        Column("date", _("date of birth"), ("出生日期", "生育日期", "分娩日期"), True),
        Column("birth_order", _("birth order"), ("孩次", "胎次", "生育孩次")),
        Column("sex", _("sex"), ("性别", "婴儿性别", "子女性别"), True),
        Column("weight_grams", _("birth weight (g)"), ("出生体重", "体重", "出生体重(克)")),
        Column("has_defect", _("birth defect"), ("出生缺陷", "是否缺陷")),
        Column("place", _("place of birth"), ("出生地点", "分娩地点", "接生单位")),
    ],
    "contraception": [
        Column("id_number", _("resident ID number"), ("身份证号", "身份证号码", "育龄妇女身份证号"), True),
        Column("method", _("method"), ("避孕方法", "节育措施", "避孕措施", "方法"), True),
        Column("start_date", _("start date"), ("开始日期", "落实日期", "采取日期", "起始日期"), True),
        Column("end_date", _("end date"), ("结束日期", "停止日期", "终止日期")),
        Column("provider", _("provider"), ("服务机构", "手术单位", "落实单位", "提供机构")),
    ],
}


def columns_of(kind: str) -> list[Column]:
    return KINDS[kind]


def known_headers(kind: str) -> set[str]:
    return {alias for column in KINDS[kind] for alias in column.aliases}


def guess_mapping(kind: str, headers: list[str]) -> dict[str, int]:
    """Field key → column index, from the headers; each column is used at most once."""
    mapping: dict[str, int] = {}
    used: set[int] = set()
    texts = [header_text(h) for h in headers]
    for column in KINDS[kind]:
        for alias in column.aliases:
            if alias in texts and texts.index(alias) not in used:
                mapping[column.key] = texts.index(alias)
                used.add(mapping[column.key])
                break
    return mapping


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
