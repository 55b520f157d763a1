"""Plan import: create or update by name, all or nothing."""

from decimal import Decimal

import pytest

from core.common.models import AuditEvent
from core.common.tabular import ImportRejected, Table
from core.memberships.importing import plans_import
from core.memberships.models import Plan
from fixtures.factories import FacilityFactory, PlanFactory

pytestmark = pytest.mark.django_db

HEADER = ["name", "price", "interval_count", "interval_unit", "perks", "class_credits", "facilities", "is_active"]


def table(*rows: list[str], headers=HEADER) -> Table:
    return Table(headers=list(headers), rows=[(i, list(row)) for i, row in enumerate(rows, start=2)])


def test_import_creates_new_plans_and_updates_existing_ones_by_name(admin_user):
    # given
    sauna, pool = FacilityFactory(name="Sauna"), FacilityFactory(name="Pool")
    quarterly = PlanFactory(name="Quarterly", price=Decimal("8000.00"), interval_count=3, perks="Old perks")
    # when
    result = plans_import(
        table=table(
            ["quarterly", "7,500", "3", "Months", "Towel", "4", "sauna, Pool", "no"],
            ["Day pass", "300", "1", "DAY", "", "", "", ""],
        ),
        by=admin_user,
        source="plans.xlsx",
    )
    # then
    assert (result.created, result.updated) == (1, 1)
    quarterly.refresh_from_db()
    assert quarterly.name == "quarterly" and quarterly.price == Decimal("7500.00")
    assert (quarterly.interval_unit, quarterly.perks, quarterly.class_credits) == ("MONTH", "Towel", 4)
    assert set(quarterly.facilities.all()) == {sauna, pool} and not quarterly.is_active
    assert quarterly.history.first().history_user == admin_user
    day = Plan.objects.get(name="Day pass")
    assert (day.price, day.interval_unit, day.class_credits, day.is_active) == (Decimal("300.00"), "DAY", 0, True)
    assert AuditEvent.objects.get(action="plans.imported").actor == admin_user


def test_columns_left_out_keep_existing_values(db):
    plan = PlanFactory(name="Annual", perks="Everything", class_credits=10, facilities=[FacilityFactory(name="Pool")])
    plans_import(table=table(["Annual", "30000", "1", "year"], headers=HEADER[:4]))
    plan.refresh_from_db()
    assert (plan.price, plan.perks, plan.class_credits) == (Decimal("30000.00"), "Everything", 10)
    assert [f.name for f in plan.facilities.all()] == ["Pool"]


def test_bad_rows_are_all_reported_and_nothing_is_written(db):
    # given
    FacilityFactory(name="Sauna")
    existing = PlanFactory(name="Monthly", price=Decimal("2000.00"))
    before = list(Plan.objects.values_list("name", "price"))
    rows = table(
        ["Monthly", "2500", "1", "month", "", "", "", ""],  # 2: fine on its own
        ["Cheap", "-5", "1", "month", "", "", "", ""],  # 3
        ["Weird", "ten", "1", "month", "", "", "", ""],  # 4
        ["Forever", "100", "0", "decade", "", "", "", ""],  # 5
        ["Spa", "100", "1", "week", "", "-1", "Sauna, Jacuzzi, Steam", "perhaps"],  # 6
        ["MONTHLY", "100", "1", "week", "", "", "", ""],  # 7
    )
    # when
    with pytest.raises(ImportRejected) as excinfo:
        plans_import(table=rows)
    # then
    assert excinfo.value.messages == [
        "Row 3: price -5 is negative.",
        "Row 4: price “ten” is not an amount of money; write it like 1500 or 1500.00.",
        "Row 5: interval_count 0 must be between 1 and 32767.",
        "Row 5: interval_unit “decade” must be one of day, week, month or year.",
        "Row 6: class_credits -1 must be between 0 and 32767.",
        "Row 6: facilities “Jacuzzi”, “Steam” do not exist; the facilities are: Sauna.",
        "Row 6: is_active “perhaps” must be yes or no.",
        "Row 7: name “MONTHLY” also appears in row 2.",
    ]
    assert list(Plan.objects.values_list("name", "price")) == before
    existing.refresh_from_db()
    assert existing.price == Decimal("2000.00")


def test_missing_columns_are_named(db):
    with pytest.raises(ImportRejected) as excinfo:
        plans_import(table=table(["Monthly", "100"], headers=["name", "cost"]))
    (message,) = excinfo.value.messages
    assert "missing price, interval_count, interval_unit; unknown “cost”" in message
