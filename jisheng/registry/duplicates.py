"""Probable duplicate persons: finding them across the deployment, merging or keeping them apart.

Finding is one pass over (id, name, ID number, birth date, village) of every unmerged person, grouped
in Python three ways: the same ID number; the same name and birth date in different villages; and
ID numbers that are the same multiset of digits under the same name, checked for one swap of two
adjacent digits (the typing error a check digit recomputed by hand does not catch). A pair once
marked distinct or merged is never proposed again. Nothing is merged without a person's decision.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .models import Birth, Contraception, DuplicateCandidate, Household, Marriage, Person, ResidencePeriod
from .validation import Refusal, clean_text

# A name group bigger than this (张伟 in a big county) is compared by sorted digits only, never pairwise.
MAX_GROUP = 50


def is_adjacent_transposition(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def find_pairs(rows: list[tuple[int, str, str, Any, str]]) -> dict[tuple[int, int], str]:
    """rows: (pk, name, id_number, birth_date, village code) → {(smaller pk, larger pk): reason}."""
    pairs: dict[tuple[int, int], str] = {}
    by_id: dict[str, list[int]] = defaultdict(list)
    by_name_birth: dict[tuple[str, Any], list[tuple[int, str]]] = defaultdict(list)
    by_digits: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, name, id_number, birth_date, village in rows:
        if id_number:
            by_id[id_number].append(pk)
            by_digits[(name, "".join(sorted(id_number[:17])))].append((pk, id_number))
        by_name_birth[(name, birth_date)].append((pk, village))
    for pks in by_id.values():
        for a, b in combinations(sorted(pks)[:MAX_GROUP], 2):
            pairs.setdefault((a, b), DuplicateCandidate.Reason.SAME_ID)
    for members in by_name_birth.values():
        if len(members) < 2 or len(members) > MAX_GROUP:
            continue
        for (a, village_a), (b, village_b) in combinations(sorted(members), 2):
            if village_a != village_b:
                pairs.setdefault((a, b), DuplicateCandidate.Reason.SAME_NAME_BIRTH)
    for members in by_digits.values():
        if len(members) < 2 or len(members) > MAX_GROUP:
            continue
        for (a, id_a), (b, id_b) in combinations(sorted(members), 2):
            if is_adjacent_transposition(id_a[:17], id_b[:17]):
                pairs.setdefault((a, b), DuplicateCandidate.Reason.TRANSPOSED_ID)
    return pairs


def common_area(code_a: str, code_b: str) -> Area:
    """The smallest area holding both villages (so only staff who see both see the pair)."""
    area = Area.objects.get(code=code_a)
    while area.parent_id is not None and not code_b.startswith(area.prefix):
        area = area.parent  # type: ignore[assignment]
    return area


@transaction.atomic
def duplicates_scan(*, by: Actor) -> int:
    """Look for new probable duplicates everywhere; returns how many new pairs await review."""
    rows = list(
        Person.objects.filter(merged_into__isnull=True).values_list(
            "pk", "name", "id_number", "birth_date", "residence_area_id"
        )
    )
    villages = {pk: village for pk, _n, _i, _b, village in rows}
    known = set(DuplicateCandidate.objects.values_list("person_a_id", "person_b_id"))
    areas: dict[tuple[str, str], Area] = {}
    new = []
    for (a, b), reason in find_pairs(rows).items():
        if (a, b) in known:
            continue
        key = (villages[a], villages[b])
        if key not in areas:
            areas[key] = common_area(*key)
        new.append(DuplicateCandidate(person_a_id=a, person_b_id=b, reason=reason, area=areas[key]))
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
    record(
        by=by,
        action="registry.duplicates_scan",
        object_type="registry.duplicatecandidate",
        after={"persons": len(rows), "new_pairs": len(new)},
    )
    return len(new)


def _pending(candidate: DuplicateCandidate) -> None:
    if candidate.status != DuplicateCandidate.Status.PENDING:
        raise Refusal(_("status"), _("this pair was already decided"))


@transaction.atomic
def duplicate_mark_distinct(*, candidate: DuplicateCandidate, note: str, by: Actor) -> DuplicateCandidate:
    """Remember that the two records are different people, so the pair is not proposed again."""
    permissions.ensure(by, Capability.RESOLVE_DUPLICATES, candidate.area_id)
    _pending(candidate)
    candidate.status = DuplicateCandidate.Status.DISTINCT
    candidate.note = clean_text(note)
    candidate.decided_by = getattr(by, "username", "")
    candidate.decided_at = timezone.now()
    candidate.save()
    record(by=by, action="registry.duplicate_distinct", obj=candidate, reason=candidate.note)
    return candidate


@transaction.atomic
def duplicate_merge(*, candidate: DuplicateCandidate, survivor: Person, note: str, by: Actor) -> Person:
    """Keep ``survivor``; move every event of the other record to it and mark the other merged."""
    permissions.ensure(by, Capability.RESOLVE_DUPLICATES, candidate.area_id)
    _pending(candidate)
    if survivor.pk not in (candidate.person_a_id, candidate.person_b_id):
        raise Refusal(_("survivor"), _("must be one of the two records"))
    duplicate = Person.objects.get(
        pk=candidate.person_b_id if survivor.pk == candidate.person_a_id else candidate.person_a_id
    )
    moved = {
        "births_as_mother": Birth.objects.filter(mother=duplicate).update(mother=survivor),
        "births_as_father": Birth.objects.filter(father=duplicate).update(father=survivor),
        "marriages_as_husband": Marriage.objects.filter(husband=duplicate).update(husband=survivor),
        "marriages_as_wife": Marriage.objects.filter(wife=duplicate).update(wife=survivor),
        "contraception": Contraception.objects.filter(person=duplicate).update(person=survivor),
        "residence_periods": ResidencePeriod.objects.filter(person=duplicate).update(person=survivor),
    }
    own_birth = Birth.objects.filter(child=duplicate).first()
    if own_birth is not None and not Birth.objects.filter(child=survivor).exists():
        own_birth.child = survivor
        own_birth.save(update_fields=["child"])
        moved["own_birth"] = 1
    if survivor.household_id is None and duplicate.household_id is not None:
        survivor.household = Household.objects.get(pk=duplicate.household_id)
        survivor.relation_to_head = duplicate.relation_to_head
        survivor.save(update_fields=["household", "relation_to_head", "updated_at"])
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    candidate.status = DuplicateCandidate.Status.MERGED
    candidate.note = clean_text(note)
    candidate.decided_by = getattr(by, "username", "")
    candidate.decided_at = timezone.now()
    candidate.save()
    record(
        by=by,
        action="registry.duplicate_merge",
        obj=candidate,
        before={"survivor": survivor.pk, "merged": duplicate.pk},
        after=moved,
        reason=candidate.note,
    )
    return survivor
