"""The account a resident types into a benefit application is sealed at rest (SM4-GCM) and found by
its keyed SM3 index; the pages and the bank files read it as typed."""

import datetime
from decimal import Decimal

from django.db import connection

from jisheng.benefits.models import Application

from .factories import person

CARD = "6228480402564890018"


def _application(area, account: str) -> Application:
    child = person(area, "李小宝", "1", datetime.date(2025, 3, 1))
    return Application.objects.create(
        person=child,
        area=area,
        programme_id="childcare_subsidy",
        year=2025,
        version="2025",
        status=Application.Status.ELIGIBLE,
        amount=Decimal("3600.00"),
        reasons="",
        account_kind="bank_card",
        bank_account=account,
        account_holder="李秀英",
    )


def test_the_account_is_stored_sealed_and_read_back_as_typed(areas):
    application = _application(areas["village_a"], CARD)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bank_account, bank_account_index FROM benefits_application WHERE id = %s",
            [application.pk],
        )
        stored, index = cursor.fetchone()
    assert stored.startswith("sm4gcm:1:") and CARD not in stored
    assert len(index) == 64 and CARD not in index
    again = Application.objects.get(pk=application.pk)
    assert again.bank_account == CARD and again.masked_account.endswith("0018")


def test_an_application_is_found_by_its_accounts_blind_index(areas):
    application = _application(areas["village_a"], CARD)
    field = Application._meta.get_field("bank_account")
    assert list(Application.objects.filter(bank_account_index=field.index_of(CARD))) == [application]
    assert not Application.objects.filter(bank_account_index=field.index_of("6228480402564890026")).exists()


def test_an_application_without_an_account_stores_nothing(areas):
    application = _application(areas["village_a"], "")
    assert Application.objects.filter(pk=application.pk, bank_account="", bank_account_index="").exists()
