"""The synthetic county: households of realistic size, valid ID numbers, marriages, births,
contraception, deaths, people living away and a few planted duplicates, deterministic for a seed.

Shapes follow a rural Henan county: about 3.2 persons a household, most couples with two children,
a sex ratio at birth rising with the birth order (≈105 first, ≈118 second, ≈130 third), IUD and
female sterilisation as the common methods, one adult in eight working away. The rows are generated
in Python and written with ``bulkload`` (COPY / executemany): a million persons in a few minutes.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from .bulkload import indexes_rebuilt_after, insert_rows, next_ids, now, reset_sequences
from .codes import ContraceptiveMethod, HukouType, MaritalStatus, PersonStatus, Relation, Sex
from .models import Birth, Contraception, Household, Marriage, Person, ResidencePeriod
from .models.people import id_tail_index
from .validation import Refusal, identity_from_id, normalize_id_number, search_columns

COUNTY_PREFIX = "411723"
# ID numbers keep the code of the place of first registration: 平舆县 was 412827 (驻马店地区) until 2000.
OLD_COUNTY_PREFIX = "412827"
CHUNK_HOUSEHOLDS = 20_000

SURNAMES = (
    "王" * 14
    + "李" * 12
    + "张" * 12
    + "刘" * 9
    + "陈" * 7
    + "杨" * 6
    + "赵" * 5
    + "黄" * 4
    + "周" * 4
    + "吴" * 4
    + "徐" * 3
    + "孙" * 3
    + "胡" * 3
    + "朱" * 3
    + "高" * 3
    + "林" * 2
    + "何" * 2
    + "郭" * 3
    + "马" * 3
    + "罗" * 2
    + "梁" * 2
    + "宋" * 2
    + "郑" * 2
    + "谢" * 2
    + "韩" * 2
    + "唐" * 2
    + "冯" * 2
    + "于" * 2
    + "董" * 2
    + "萧"
    + "程"
    + "曹"
    + "袁"
    + "邓"
    + "许"
    + "傅"
    + "沈"
    + "曾"
    + "彭"
    + "吕"
    + "苏"
    + "卢"
    + "蒋"
    + "蔡"
    + "贾"
    + "丁"
    + "魏"
    + "薛"
    + "叶"
    + "阎"
    + "余"
    + "潘"
    + "杜"
    + "戴"
    + "夏"
    + "钟"
    + "汪"
    + "田"
    + "任"
    + "姜"
    + "范"
    + "方"
    + "石"
    + "姚"
    + "谭"
    + "廖"
    + "邹"
    + "熊"
    + "金"
    + "陆"
    + "郝"
    + "孔"
    + "白"
    + "崔"
    + "康"
    + "毛"
    + "邱"
    + "秦"
    + "江"
    + "史"
    + "顾"
    + "侯"
    + "邵"
    + "孟"
    + "龙"
    + "万"
    + "段"
    + "单"
    + "解"
    + "查"
)
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文斌成峰东亮海兵新立松"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英华玲桂兰红梅琳燕洁萍雪琴云莉倩婷颖慧佳玉凤荣春晓月丹璐"
METHODS = [
    (ContraceptiveMethod.IUD, 52),
    (ContraceptiveMethod.FEMALE_STERILISATION, 26),
    (ContraceptiveMethod.CONDOM, 10),
    (ContraceptiveMethod.MALE_STERILISATION, 3),
    (ContraceptiveMethod.ORAL, 3),
    (ContraceptiveMethod.IMPLANT, 3),
    (ContraceptiveMethod.INJECTION, 2),
    (ContraceptiveMethod.OTHER, 1),
]
CHILDREN_PER_COUPLE = [(0, 4), (1, 30), (2, 50), (3, 13), (4, 3)]
BOY_SHARE_BY_ORDER = {1: 105 / 205, 2: 118 / 218, 3: 130 / 230}
PROVIDERS = ("县妇幼保健院", "乡镇卫生院", "县人民医院", "村卫生室")


def sealed_person_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A generated person row as the table stores it: ID number and phone sealed (SM4), the ID's
    last four characters as their keyed index (rows are kept in the clear until written)."""
    id_field, phone_field = Person._meta.get_field("id_number"), Person._meta.get_field("phone")
    number, phone = row[7], row[12]
    return (
        *row[:6],
        id_tail_index(number[-4:]) if number else "",
        id_field.get_prep_value(number) if number else "",
        *row[8:12],
        phone_field.get_prep_value(phone) if phone else "",
        *row[13:],
    )


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Rows:
    households: list[tuple[Any, ...]] = field(default_factory=list)
    persons: list[tuple[Any, ...]] = field(default_factory=list)
    residence: list[tuple[Any, ...]] = field(default_factory=list)
    marriages: list[tuple[Any, ...]] = field(default_factory=list)
    births: list[tuple[Any, ...]] = field(default_factory=list)
    contraception: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Generator:
    rng: random.Random
    villages: list[str]
    person_id: int
    household_id: int
    marriage_id: int
    birth_id: int
    contraception_id: int
    residence_id: int
    household_index: int
    used_ids: set[str]
    # The county runs up to the day it is generated (births, marriages and methods included), so a
    # month's report or benchmark right after generation has that month's events; a seed gives the
    # same county for the same day.
    today: datetime.date
    sequence: dict[tuple[datetime.date, str], int] = field(default_factory=lambda: defaultdict(int))
    stamp: datetime.datetime = field(default_factory=now)
    rows: Rows = field(default_factory=Rows)
    generated: int = 0
    people_by_village: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    # ---- single values -------------------------------------------------------------------------
    def name(self, sex: str, surname: str | None = None) -> str:
        chars = MALE_CHARS if sex == Sex.MALE else FEMALE_CHARS
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.7 else "")
        return (surname or self.rng.choice(SURNAMES)) + given

    def id_number(self, birth: datetime.date, sex: str) -> str:
        """A valid ID of this county, unique: the sequence number counts up per birth date and sex."""
        while True:
            self.sequence[(birth, sex)] += 1
            n = self.sequence[(birth, sex)]
            seq = 2 * n - 1 if sex == Sex.MALE else 2 * n
            prefix = COUNTY_PREFIX if birth.year >= 2000 else OLD_COUNTY_PREFIX
            body = f"{prefix}{birth:%Y%m%d}{seq % 1000:03d}"
            if seq % 1000 == 0:
                continue
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth_between(self, oldest: int, youngest: int) -> datetime.date:
        days = self.rng.randint(youngest * 365, oldest * 365 + 364)
        return self.today - datetime.timedelta(days=days)

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choices("0123456789", k=9))

    def weighted(self, pairs: list[tuple[Any, int]]) -> Any:
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights)[0]

    # ---- rows ----------------------------------------------------------------------------------
    def person(
        self,
        *,
        name: str,
        sex: str,
        birth: datetime.date,
        village: str,
        household_id: int | None,
        relation: str,
        marital: str,
        hukou: str,
        address: str,
        status: str = PersonStatus.ALIVE,
        death: datetime.date | None = None,
        id_number: str | None = None,
    ) -> int:
        pk = self.person_id
        self.person_id += 1
        number = id_number or self.id_number(birth, sex)
        pinyin, initials, alt_pinyin, alt_initials, simplified_key = search_columns(name)
        age = (self.today - birth).days // 365
        if status == PersonStatus.ALIVE and 18 <= age <= 45 and self.rng.random() < 0.12:
            status = PersonStatus.AWAY
        phone = (
            self.phone()
            if 18 <= age <= 70 and status != PersonStatus.DEAD and self.rng.random() < 0.8
            else ""
        )
        row = (
            pk, name, pinyin, initials, alt_pinyin, alt_initials, "", number, sex, birth,
            "03" if self.rng.random() < 0.005 else "01", marital, phone, hukou, village, village, address,
            household_id, relation, status, death, None, None, self.stamp, self.stamp, simplified_key,
        )  # fmt: skip
        self.rows.persons.append(row)
        self.rows.residence.append((self.residence_id, pk, village, birth, death, ""))
        self.residence_id += 1
        self.generated += 1
        if self.rng.random() < 0.01:
            self.people_by_village[village].append(row)
        return pk

    def household(self, limit: int) -> None:
        """One household of at most ``limit`` persons."""
        rng = self.rng
        village = rng.choice(self.villages)
        self.household_index += 1
        hid = self.household_id
        self.household_id += 1
        number = f"{village[6:]}{self.household_index:07d}"
        address = f"{rng.randint(1, 30)}组{rng.randint(1, 120)}号"
        hukou = self.weighted(
            [(HukouType.AGRICULTURAL, 85), (HukouType.NON_AGRICULTURAL, 10), (HukouType.UNIFIED, 5)]
        )
        self.rows.households.append((hid, number, village, address, hukou, self.stamp))
        common = {"village": village, "household_id": hid, "hukou": hukou, "address": address}
        if limit < 3 or rng.random() < 0.08:
            self._single(common)
            return
        surname = rng.choice(SURNAMES)
        husband_birth = self.birth_between(78, 24)
        wife_birth = min(
            husband_birth + datetime.timedelta(days=rng.randint(-700, 1500)),
            self.today - datetime.timedelta(days=21 * 365),
        )
        husband_age = (self.today - husband_birth).days // 365
        dead_husband = husband_age > 68 and rng.random() < 0.2
        death = self.today - datetime.timedelta(days=rng.randint(30, 3000)) if dead_husband else None
        husband = self.person(
            name=self.name(Sex.MALE, surname), sex=Sex.MALE, birth=husband_birth, relation=Relation.HEAD,
            marital=MaritalStatus.MARRIED, status=PersonStatus.DEAD if dead_husband else PersonStatus.ALIVE, death=death, **common,
        )  # fmt: skip
        wife = self.person(
            name=self.name(Sex.FEMALE), sex=Sex.FEMALE, birth=wife_birth, relation=Relation.SPOUSE,
            marital=MaritalStatus.WIDOWED if dead_husband else MaritalStatus.MARRIED, **common,
        )  # fmt: skip
        married = max(add_years(husband_birth, 22), add_years(wife_birth, 20))
        married += datetime.timedelta(days=rng.randint(0, 6 * 365))
        married = min(married, self.today - datetime.timedelta(days=30))
        self.rows.marriages.append(
            (
                self.marriage_id,
                husband,
                wife,
                married,
                "21",
                f"豫驻平{married.year}{self.marriage_id % 100000:05d}",
                None,
                village,
            )
        )
        self.marriage_id += 1
        children = min(self.weighted(CHILDREN_PER_COUPLE), limit - 2)
        last_birth = None
        day = married + datetime.timedelta(days=rng.randint(300, 900))
        for order in range(1, children + 1):
            if day > self.today or (day - wife_birth).days > 44 * 365:
                break
            boy = rng.random() < BOY_SHARE_BY_ORDER.get(order, 0.56)
            sex = Sex.MALE if boy else Sex.FEMALE
            age = (self.today - day).days // 365
            child = self.person(
                name=self.name(sex, surname), sex=sex, birth=day, relation=Relation.CHILD,
                marital=MaritalStatus.MARRIED if age >= 26 else MaritalStatus.UNMARRIED, **common,
            )  # fmt: skip
            self.rows.births.append(
                (self.birth_id, child, wife, husband, day, order, sex, int(rng.gauss(3300, 420)), None,
                 rng.random() < 0.008, "", rng.choice(PROVIDERS), village)
            )  # fmt: skip
            self.birth_id += 1
            last_birth = day
            day += datetime.timedelta(days=rng.randint(500, 2200))
        wife_age = (self.today - wife_birth).days // 365
        if last_birth is not None and 15 <= wife_age <= 49 and not dead_husband and rng.random() < 0.88:
            method = self.weighted(METHODS)
            start = min(last_birth + datetime.timedelta(days=rng.randint(60, 400)), self.today)
            person = husband if method == ContraceptiveMethod.MALE_STERILISATION else wife
            self.rows.contraception.append(
                (self.contraception_id, person, method, start, None, rng.choice(PROVIDERS), village)
            )
            self.contraception_id += 1
        if husband_age < 58 and self.generated and rng.random() < 0.35 and limit - 2 - children >= 1:
            parent_birth = husband_birth - datetime.timedelta(days=rng.randint(22 * 365, 32 * 365))
            old = (self.today - parent_birth).days // 365
            dead = old > 75 and rng.random() < 0.3
            self.person(
                name=self.name(Sex.FEMALE), sex=Sex.FEMALE, birth=parent_birth, relation=Relation.PARENT,
                marital=MaritalStatus.WIDOWED, status=PersonStatus.DEAD if dead else PersonStatus.ALIVE,
                death=self.today - datetime.timedelta(days=rng.randint(30, 2000)) if dead else None, **common,
            )  # fmt: skip

    def _single(self, common: dict[str, Any]) -> None:
        sex = self.rng.choice((Sex.MALE, Sex.FEMALE))
        elderly = self.rng.random() < 0.6
        birth = self.birth_between(90, 65) if elderly else self.birth_between(40, 20)
        self.person(
            name=self.name(sex), sex=sex, birth=birth, relation=Relation.HEAD,
            marital=MaritalStatus.WIDOWED if elderly else MaritalStatus.UNMARRIED, **common,
        )  # fmt: skip

    def plant_duplicate(self, kind: int) -> bool:
        """A second record of someone already generated: one digit of the ID's sequence misread, the
        same name and birth date under a new ID, or two ID digits swapped (with the check digit
        recomputed, as a careful typist would). Never the same ID twice: the registry keeps one live
        person per ID number, so a county's duplicates are the ones that slipped past that."""
        villages = [v for v, rows in self.people_by_village.items() if rows]
        if len(villages) < 2:
            return False
        source_village = self.rng.choice(villages)
        original = self.people_by_village[source_village].pop()
        other = self.rng.choice([v for v in self.villages if v != source_village])
        name, sex, birth, number = original[1], original[8], original[9], original[7]
        if kind == 0:
            new_number = self.misread(number)
            if not new_number:
                return False
            self.used_ids.add(new_number)
        elif kind == 1:
            new_number = self.id_number(birth, sex)
        else:
            new_number = self.transposed(number)
            if not new_number:
                return False
            self.used_ids.add(new_number)
            birth = identity_from_id(new_number).birth_date
        self.person(
            name=name, sex=sex, birth=birth, village=other, household_id=None, relation="",
            marital=original[11], hukou=original[13], address="", id_number=new_number,
        )  # fmt: skip
        return True

    def misread(self, number: str) -> str:
        """The ID with one sequence digit misread (a 3 for an 8), birth date and sex unchanged, or ""."""
        for i in (14, 15):
            for digit in self.rng.sample("0123456789", 10):
                if digit == number[i]:
                    continue
                body = number[:i] + digit + number[i + 1 : 17]
                candidate = body + ric.calc_check_digit(body + "0")
                if candidate not in self.used_ids and body[14:17] != "000":
                    return candidate
        return ""

    def transposed(self, number: str) -> str:
        """The ID with two adjacent digits swapped (birth date or sequence, never the sex digit),
        still a valid ID, or "" when no swap gives one."""
        positions = list(range(6, 15))
        self.rng.shuffle(positions)
        for i in positions:
            if number[i] == number[i + 1]:
                continue
            body = number[:i] + number[i + 1] + number[i] + number[i + 2 : 17]
            candidate = body + ric.calc_check_digit(body + "0")
            try:
                normalize_id_number(candidate)
                born = identity_from_id(candidate).birth_date
            except Refusal:
                continue
            # A swap in the year can land in the future (2030, 2206): a typist's slip the registry
            # would refuse, so it is no duplicate a county could hold.
            if born > self.today or born.year < 1900:
                continue
            if candidate not in self.used_ids:
                return candidate
        return ""

    def check(self) -> None:
        """The rows pass the checks an import applies: a valid ID whose birth date and sex are the
        person's, nobody born in the future or dead before birth. A generator bug fails loudly here
        instead of planting impossible persons in every benchmark."""
        for row in self.rows.persons:
            name, number, sex, birth, death = row[1], row[7], row[8], row[9], row[20]
            identity = identity_from_id(number)
            problem = ""
            if identity.birth_date != birth or identity.sex != sex:
                problem = "ID disagrees with birth date or sex"
            elif birth > self.today:
                problem = "born in the future"
            elif death is not None and not birth <= death <= self.today:
                problem = "impossible date of death"
            if problem:
                raise ValueError(f"generated person {name} {number}: {problem}")

    def flush(self) -> None:
        self.check()
        insert_rows(Household, self.rows.households)
        insert_rows(Person, [sealed_person_row(row) for row in self.rows.persons])
        insert_rows(ResidencePeriod, self.rows.residence)
        insert_rows(Marriage, self.rows.marriages)
        insert_rows(Birth, self.rows.births)
        insert_rows(Contraception, self.rows.contraception)
        self.rows = Rows()


def generate(
    *,
    villages: list[str],
    persons: int,
    seed: int,
    start: int,
    log: Callable[[str], None],
    reserved: frozenset[str] = frozenset(),
    today: datetime.date | None = None,
) -> int:
    """Add persons until ``persons`` exist in the county (``start`` already do); returns how many were added."""
    from django.db import transaction

    existing = set(
        Person.objects.filter(birth_date__gte=datetime.date(1900, 1, 1)).values_list("id_number", flat=True)
    ) | set(reserved)
    household_start = Household.objects.filter(area__code__startswith=COUNTY_PREFIX).count()
    gen = Generator(
        rng=random.Random(seed * 1_000_003 + start),
        villages=sorted(villages),
        person_id=next_ids(Person),
        household_id=next_ids(Household),
        marriage_id=next_ids(Marriage),
        birth_id=next_ids(Birth),
        contraception_id=next_ids(Contraception),
        residence_id=next_ids(ResidencePeriod),
        household_index=household_start,
        used_ids=existing,
        today=today or timezone.localdate(),
    )
    target = persons - start
    planted_target = max(3, target // 1000) if target >= 100 else 0
    planted = 0
    tables = (Household, Person, ResidencePeriod, Marriage, Birth, Contraception)
    with transaction.atomic(), indexes_rebuilt_after(*tables):
        households_in_chunk = 0
        while gen.generated < target - planted_target:
            gen.household(limit=target - planted_target - gen.generated)
            households_in_chunk += 1
            if households_in_chunk >= CHUNK_HOUSEHOLDS:
                gen.flush()
                households_in_chunk = 0
                log(f"  {start + gen.generated:,} persons")
        attempts = 0
        while planted < planted_target and attempts < planted_target * 5:
            attempts += 1
            if gen.plant_duplicate(planted % 3):
                planted += 1
        while gen.generated < target:
            gen.household(limit=1)
        gen.flush()
        reset_sequences(*tables)
    analyze()
    return gen.generated


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load. Without them SQLite guesses that the area
    range of a search is selective and scans the area index instead of the name or ID index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
