import io

from stdnum.cn import ric

from jisheng.registry import demo
from jisheng.registry.models import Birth, DuplicateCandidate, Person


def test_the_demo_county_is_valid_idempotent_and_has_planted_duplicates_waiting(areas):
    demo.populate(persons=600, seed=7, out=io.StringIO())
    assert Person.objects.count() == 600
    for number, birth, sex in Person.objects.exclude(id_number="").values_list(
        "id_number", "birth_date", "sex"
    ):
        assert ric.is_valid(number)
        assert ric.get_birth_date(number) == birth
        assert int(number[16]) % 2 == (1 if sex == "1" else 0)
    assert Person.objects.filter(name="张三", residence_area_id="411723101201").exists()
    assert DuplicateCandidate.objects.count() >= 3
    boys = Birth.objects.filter(sex="1").count()
    assert 0.75 < boys / Birth.objects.filter(sex="2").count() < 1.6
    demo.populate(persons=600, seed=7, out=io.StringIO())
    assert Person.objects.count() == 600


def test_the_same_seed_gives_the_same_people(areas, django_db_blocker):
    demo.populate(persons=200, seed=3, out=io.StringIO())
    first = list(Person.objects.order_by("id").values_list("name", "id_number", "residence_area_id"))
    Birth.objects.all().delete()
    DuplicateCandidate.objects.all().delete()
    from jisheng.registry.models import Contraception, Household, Marriage, ResidencePeriod

    Contraception.objects.all().delete()
    Marriage.objects.all().delete()
    ResidencePeriod.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    demo.populate(persons=200, seed=3, out=io.StringIO())
    assert list(Person.objects.order_by("id").values_list("name", "id_number", "residence_area_id")) == first
