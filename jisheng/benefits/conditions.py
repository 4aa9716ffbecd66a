"""The eligibility conditions a rule file may use, each explained in Chinese.

A condition has three parts: ``check`` (are the parameters in the file right?), ``prefilter`` (a coarse,
indexed SQL filter on Person that keeps every possible match, so the engine never walks the whole
registry in Python) and ``evaluate`` (the precise test over one subject's facts, with its reason, and
for near misses what is still missing).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q

STERILISATION = {"810", "820"}
SEX_CODES = {"male": "1", "female": "2"}
SEX_NAMES = {"1": "男", "2": "女"}
STATUS_NAMES = {"alive": "在本地居住", "away": "外出", "moved_out": "已迁出", "dead": "已死亡"}
HUKOU_NAMES = {"agri": "农业户口", "non_agri": "非农业户口", "unified": "居民户口", "": "未登记户口性质"}


@dataclass(frozen=True)
class ConditionSpec:
    test: str
    params: dict[str, Any]
    options: tuple[ConditionSpec, ...] = ()


@dataclass
class ChildFact:
    sex: str
    date: datetime.date
    status: str | None
    death_date: datetime.date | None
    disability_level: int | None

    def dead_by(self, day: datetime.date) -> bool:
        return self.status == "dead" and (self.death_date is None or self.death_date <= day)


@dataclass
class MarriageFact:
    date: datetime.date
    kind: str
    divorce_date: datetime.date | None
    husband_birth: datetime.date
    wife_birth: datetime.date
    spouse_id: int


@dataclass(slots=True)
class Subject:
    """What the engine knows of one person: the Person row and, when a condition needs them, their
    children (births as mother or father), marriages and contraception records (own and spouse's)."""

    pk: int
    name: str
    id_number: str
    sex: str
    birth_date: datetime.date
    status: str
    death_date: datetime.date | None
    disability_level: int | None
    hukou_type: str
    area_code: str
    household_id: int | None
    children: list[ChildFact] = field(default_factory=list)
    marriages: list[MarriageFact] = field(default_factory=list)
    contraception: list[tuple[str, datetime.date]] = field(default_factory=list)
    spouse_contraception: list[tuple[str, datetime.date]] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    year: int
    effective_from: datetime.date
    near_months: int = 3
    year_start: datetime.date = field(init=False)
    year_end: datetime.date = field(init=False)

    def __post_init__(self) -> None:
        # computed once: every condition of every candidate reads them
        object.__setattr__(self, "year_start", datetime.date(self.year, 1, 1))
        object.__setattr__(self, "year_end", datetime.date(self.year, 12, 31))

    def on(self, which: str) -> datetime.date:
        return self.year_start if which == "year_start" else self.year_end


@dataclass(frozen=True)
class Outcome:
    ok: bool
    text: str
    near: str = ""  # for a failed condition that will be met soon: what happens when


# --- date arithmetic ------------------------------------------------------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the birthday falls on 1 March
        return datetime.date(day.year + years, 3, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, 28))


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def months_under_age(birth: datetime.date, year: int, age: int, first: datetime.date) -> int:
    """Months of ``year`` (from ``first`` on) before the month of the ``age``-th birthday and not
    before the birth month: the national childcare-subsidy count (the birthday month is not paid)."""
    limit = (birth.year + age) * 12 + birth.month - 1  # month index of the birthday month
    start = max(year * 12, first.year * 12 + first.month - 1, birth.year * 12 + birth.month - 1)
    end = year * 12 + 12
    return max(0, min(end, limit) - start)


# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    params: dict[str, type | tuple[type, ...]]
    required: tuple[str, ...]
    needs: frozenset[str]
    evaluate: Callable[[Subject, Context, dict[str, Any]], Outcome]
    prefilter: Callable[[Context, dict[str, Any]], Q | None] = lambda ctx, params: None
    extra_check: Callable[[dict[str, Any]], list[str]] = lambda params: []

    def check(self, params: dict[str, Any]) -> list[str]:
        problems = []
        for key, value in params.items():
            expected = self.params.get(key)
            if expected is None:
                problems.append(f"未知参数 {key}（可用：{'、'.join(self.params) or '无'}）")
            elif not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
                problems.append(f"参数 {key} 的值 {value!r} 类型不对")
        problems += [f"缺少参数 {key}" for key in self.required if key not in params]
        if not problems:
            problems += self.extra_check(params)
        return problems


def _status(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    wanted = p["in"]
    name = STATUS_NAMES.get(s.status, s.status)
    if s.status in wanted:
        return Outcome(True, f"人员状态为“{name}”")
    when = f"（{s.death_date.isoformat()}）" if s.status == "dead" and s.death_date else ""
    return Outcome(False, f"人员状态为“{name}”{when}")


def _age(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    day = ctx.on(p.get("on", "year_end"))
    age = age_on(s.birth_date, day)
    if "at_least" in p:
        n = p["at_least"]
        if age >= n:
            return Outcome(True, f"{day.isoformat()} 时年满 {n} 周岁（{age} 岁）")
        birthday = add_years(s.birth_date, n)
        near = ""
        if birthday <= add_months(day, ctx.near_months):
            near = f"将于 {birthday.isoformat()} 年满 {n} 周岁"
        return Outcome(False, f"{day.isoformat()} 时 {age} 岁，未满 {n} 周岁", near)
    n = p["below"]
    if age < n:
        return Outcome(True, f"{day.isoformat()} 时 {age} 岁，未满 {n} 周岁")
    return Outcome(False, f"{day.isoformat()} 时已满 {n} 周岁（{age} 岁）")


def _age_prefilter(ctx: Context, p: dict[str, Any]) -> Q:
    day = ctx.on(p.get("on", "year_end"))
    if "at_least" in p:
        # widened by the near-miss window so that people who qualify soon are seen too
        return Q(birth_date__lte=add_years(add_months(day, ctx.near_months), -p["at_least"]))
    return Q(birth_date__gt=add_years(day, -p["below"]))


def _age_check(p: dict[str, Any]) -> list[str]:
    problems = []
    if ("at_least" in p) == ("below" in p):
        problems.append("须写 at_least 或 below 之一")
    if p.get("on", "year_end") not in {"year_end", "year_start"}:
        problems.append("on 须为 year_end 或 year_start")
    return problems


def _sex(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    return Outcome(s.sex == SEX_CODES[p["is"]], f"性别为{SEX_NAMES.get(s.sex, '未知')}")


def _hukou(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    return Outcome(s.hukou_type in p["in"], HUKOU_NAMES.get(s.hukou_type, s.hukou_type))


def _under_age_months(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    n = p["age"]
    if s.birth_date > ctx.year_end:
        return Outcome(False, f"{ctx.year} 年底尚未出生")
    months = months_under_age(s.birth_date, ctx.year, n, ctx.effective_from)
    if months == 0:
        return Outcome(
            False,
            f"{s.birth_date.isoformat()} 出生，{ctx.year} 年已无未满 {n} 周岁的月份（满 {n} 周岁当月起不计）",
        )
    return Outcome(True, f"{s.birth_date.isoformat()} 出生，{ctx.year} 年有 {months} 个月未满 {n} 周岁")


def _under_age_prefilter(ctx: Context, p: dict[str, Any]) -> Q:
    return Q(birth_date__gte=datetime.date(ctx.year - p["age"], 2, 1), birth_date__lte=ctx.year_end)


def _children(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    kids = [c for c in s.children if c.date <= ctx.year_end]
    count = len(kids)
    sexes = {c.sex for c in kids}
    text = f"共生育 {count} 个孩子"
    if count and len(sexes) == 1:
        text += f"，均为{'女孩' if sexes == {'2'} else '男孩'}"
    ok = count >= p.get("min", 0) and count <= p.get("max", 99)
    if "sex" in p and count:
        ok = ok and sexes == {SEX_CODES[p["sex"]]}
    if not ok:
        wanted = []
        if "min" in p or "max" in p:
            low, high = p.get("min", 0), p.get("max", 99)
            wanted.append(
                f"{low} 个" if low == high else f"{low}–{high} 个" if high < 99 else f"至少 {low} 个"
            )
        if "sex" in p:
            wanted.append("均为女孩" if p["sex"] == "female" else "均为男孩")
        text += f"（要求{'、'.join(wanted)}）"
    return Outcome(ok, text)


def _child_died(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    dead = [c for c in s.children if c.dead_by(ctx.year_end)]
    living = [c for c in s.children if c.date <= ctx.year_end and not c.dead_by(ctx.year_end)]
    if dead and not living:
        when = dead[0].death_date
        return Outcome(True, f"独生子女已死亡{f'（{when.isoformat()}）' if when else ''}，现无存活子女")
    if not dead:
        return Outcome(False, "无死亡子女")
    return Outcome(False, f"有 {len(living)} 个存活子女")


def _child_disabled(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    limit = p.get("max_level", 3)
    disabled = [
        c
        for c in s.children
        if not c.dead_by(ctx.year_end) and c.disability_level is not None and c.disability_level <= limit
    ]
    if disabled:
        return Outcome(True, f"子女为 {disabled[0].disability_level} 级残疾（{limit} 级以上）")
    return Outcome(False, f"无 {limit} 级以上残疾的子女")


def _sterilised(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    in_year = p.get("in_year", False)

    def fits(day: datetime.date) -> bool:
        return day <= ctx.year_end and (not in_year or day >= ctx.year_start)

    own = [d for m, d in s.contraception if m in STERILISATION and fits(d)]
    spouse = [d for m, d in s.spouse_contraception if m in STERILISATION and fits(d)]
    if own:
        return Outcome(True, f"本人于 {own[0].isoformat()} 实施绝育手术")
    if spouse:
        return Outcome(True, f"配偶于 {spouse[0].isoformat()} 实施绝育手术")
    return Outcome(False, f"本人及配偶{f'在 {ctx.year} 年' if in_year else ''}均无绝育手术记录")


def _contraception_in_year(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    hits = [(m, d) for m, d in s.contraception if m in p["methods"] and ctx.year_start <= d <= ctx.year_end]
    if hits:
        return Outcome(True, f"{hits[0][1].isoformat()} 实施节育手术（方法代码 {hits[0][0]}）")
    return Outcome(False, f"{ctx.year} 年无符合的节育手术记录")


def _marriage_in_year(s: Subject, ctx: Context) -> MarriageFact | None:
    return next((m for m in s.marriages if m.date.year == ctx.year), None)


def _married_in_year(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    marriage = _marriage_in_year(s, ctx)
    if marriage is None:
        return Outcome(False, f"{ctx.year} 年无结婚登记")
    if p.get("first_only", True) and marriage.kind != "21":
        return Outcome(False, f"{marriage.date.isoformat()} 登记结婚，但不是初婚")
    return Outcome(True, f"{marriage.date.isoformat()} 登记结婚（初婚）")


def _marriage_age(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    marriage = _marriage_in_year(s, ctx) or (s.marriages[-1] if s.marriages else None)
    if marriage is None:
        return Outcome(False, "无结婚登记")
    husband = age_on(marriage.husband_birth, marriage.date)
    wife = age_on(marriage.wife_birth, marriage.date)
    need_h, need_w = p.get("husband_at_least", 0), p.get("wife_at_least", 0)
    text = f"结婚时男方 {husband} 周岁、女方 {wife} 周岁"
    if husband >= need_h and wife >= need_w:
        return Outcome(True, text + f"（男满 {need_h}、女满 {need_w}）")
    return Outcome(False, text + f"（要求男满 {need_h}、女满 {need_w}）")


def _own_disability(s: Subject, ctx: Context, p: dict[str, Any]) -> Outcome:
    limit = p["max_level"]
    if s.disability_level is not None and s.disability_level <= limit:
        return Outcome(True, f"本人为 {s.disability_level} 级残疾")
    return Outcome(False, f"本人无 {limit} 级以上残疾")


# --- coarse SQL over births (correlated subqueries that use the mother and father indexes) -------


def _births_of_outer(ctx: Context) -> Any:
    from jisheng.registry.models import Birth

    return Birth.objects.filter(
        Q(mother_id=OuterRef("pk")) | Q(father_id=OuterRef("pk")), date__lte=ctx.year_end
    )


def _children_prefilter(ctx: Context, p: dict[str, Any]) -> Q | None:
    # Only "has a child" goes to SQL: an EXISTS is two index probes; counting and comparing sexes
    # in SQL cost more than the precise test in Python over the candidates that remain.
    if p.get("min", 0) > 0:
        return Q(Exists(_births_of_outer(ctx)))
    return None


def _child_died_prefilter(ctx: Context, p: dict[str, Any]) -> Q:
    return Q(Exists(_births_of_outer(ctx).filter(child__status="dead")))


def _child_disabled_prefilter(ctx: Context, p: dict[str, Any]) -> Q:
    return Q(Exists(_births_of_outer(ctx).filter(child__disability_level__lte=p.get("max_level", 3))))


CATALOGUE: dict[str, Definition] = {
    "status": Definition(
        {"in": list},
        ("in",),
        frozenset(),
        _status,
        lambda ctx, p: Q(status__in=p["in"]),
        lambda p: [f"未知状态 {v}" for v in p["in"] if v not in STATUS_NAMES],
    ),
    "age": Definition(
        {"at_least": int, "below": int, "on": str}, (), frozenset(), _age, _age_prefilter, _age_check
    ),
    "sex": Definition(
        {"is": str},
        ("is",),
        frozenset(),
        _sex,
        lambda ctx, p: Q(sex=SEX_CODES[p["is"]]),
        lambda p: [] if p["is"] in SEX_CODES else ["is 须为 male 或 female"],
    ),
    "hukou": Definition(
        {"in": list},
        ("in",),
        frozenset(),
        _hukou,
        lambda ctx, p: Q(hukou_type__in=p["in"]),
        lambda p: [f"未知户口性质 {v}" for v in p["in"] if v not in HUKOU_NAMES or not v],
    ),
    "under_age_months": Definition(
        {"age": int}, ("age",), frozenset(), _under_age_months, _under_age_prefilter
    ),
    "children": Definition(
        {"min": int, "max": int, "sex": str},
        (),
        frozenset({"children"}),
        _children,
        _children_prefilter,
        extra_check=lambda p: [] if p.get("sex", "female") in SEX_CODES else ["sex 须为 male 或 female"],
    ),
    "child_died": Definition({}, (), frozenset({"children"}), _child_died, _child_died_prefilter),
    "child_disabled": Definition(
        {"max_level": int}, (), frozenset({"children"}), _child_disabled, _child_disabled_prefilter
    ),
    "own_disability": Definition(
        {"max_level": int},
        ("max_level",),
        frozenset(),
        _own_disability,
        lambda ctx, p: Q(disability_level__lte=p["max_level"]),
    ),
    "sterilised": Definition({"in_year": bool}, (), frozenset({"contraception"}), _sterilised),
    "contraception_in_year": Definition(
        {"methods": list}, ("methods",), frozenset({"contraception"}), _contraception_in_year
    ),
    "married_in_year": Definition({"first_only": bool}, (), frozenset({"marriages"}), _married_in_year),
    "marriage_age": Definition(
        {"husband_at_least": int, "wife_at_least": int}, (), frozenset({"marriages"}), _marriage_age
    ),
}


def needs_of(specs: tuple[ConditionSpec, ...]) -> set[str]:
    needed: set[str] = set()
    for spec in specs:
        if spec.test == "any":
            needed |= needs_of(spec.options)
        else:
            needed |= CATALOGUE[spec.test].needs
    if "contraception" in needed:
        needed.add("marriages")  # a spouse's sterilisation counts for the couple
    return needed


def prefilter_of(specs: tuple[ConditionSpec, ...], ctx: Context) -> Q:
    query = Q()
    for spec in specs:
        if spec.test == "any":
            parts = [prefilter_of((option,), ctx) for option in spec.options]
            if all(parts):
                alternative = Q()
                for part in parts:
                    alternative |= part
                query &= alternative
            continue
        coarse = CATALOGUE[spec.test].prefilter(ctx, spec.params)
        if coarse is not None:
            query &= coarse
    return query


def evaluate(spec: ConditionSpec, subject: Subject, ctx: Context) -> Outcome:
    if spec.test == "any":
        outcomes = [evaluate(option, subject, ctx) for option in spec.options]
        met = [o for o in outcomes if o.ok]
        if met:
            return met[0]
        return Outcome(False, "；".join(o.text for o in outcomes))
    return CATALOGUE[spec.test].evaluate(subject, ctx, spec.params)
