"""The person file's sections are drawn in Python (``registry_file``): every value is escaped as the
template language escaped it, and the rows keep their markup."""

from __future__ import annotations

import datetime
import re

from jisheng.registry.models import Birth, Contraception, Person, ResidencePeriod
from jisheng.registry.tests.test_event_partitions import family, move

SCRIPT = "<script>alert(1)</script>"


def test_a_name_with_a_script_is_shown_escaped_in_every_section_of_the_file(areas, make_user, client_for):
    officer = make_user(areas["township_a"], "township_head")
    wife, husband = family(areas["village_a"], officer)
    move(wife, areas["village_b"], datetime.date(2021, 4, 1))
    child = Birth.objects.get(mother=wife).child
    Person.objects.filter(pk__in=[wife.pk, husband.pk, child.pk]).update(name=f"李{SCRIPT}")
    ResidencePeriod.objects.filter(person=wife).update(note=f"note {SCRIPT}")
    Contraception.objects.filter(person=wife).update(provider=f"clinic {SCRIPT}")
    page = client_for(make_user(areas["county"], "county_staff")).get(f"/registry/persons/{wife.pk}/")
    html = page.content.decode()
    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    # Her name (title, heading, household), the marriage's couple, the child (table and timeline),
    # the spouse in the timeline, each residence period's note and the provider.
    assert html.count(escaped) >= 10, html.count(escaped)
    assert f"<td><strong>李{escaped}</strong></td>" in html  # herself among the household's members
    assert f'<a href="/registry/persons/{child.pk}/">李{escaped}</a>' in html  # her child, linked
    assert len(re.findall(r'<p class="residence-period">\d{4}-\d{2}-\d{2}–', html)) == 2
    assert f"clinic {escaped}</p>" in html


def test_a_file_with_nothing_recorded_says_so_in_each_section(areas, make_user, client_for):
    from tests.factories import make_person

    alone = make_person(area=areas["village_a"], name="孙独", sex="1", birth=datetime.date(1980, 1, 1))
    page = client_for(make_user(areas["county"], "county_staff")).get(f"/registry/persons/{alone.pk}/")
    html = page.content.decode()
    assert html.count('<p class="muted">') >= 4  # no household, marriage, child or contraception
    assert "<tr><td>1980-01-01</td>" in html  # the timeline's birth
