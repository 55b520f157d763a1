"""Repeat rules: expanded in local time, DST-correct, bad rules refused clearly."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from core.classes.recurrence import next_start, occurrences, parse_rule, preview

UTC = datetime.UTC


def expand(rule: str, *, starts_on, start_time=datetime.time(18, 0), after=None, before=None):
    after = after or datetime.datetime(2000, 1, 1, tzinfo=UTC)
    before = before or datetime.datetime(2100, 1, 1, tzinfo=UTC)
    return occurrences(starts_on=starts_on, start_time=start_time, recurrence=rule, after=after, before=before)


@pytest.mark.parametrize(
    ("zone", "monday_before_change"),
    [("Europe/London", datetime.date(2026, 3, 23)), ("America/New_York", datetime.date(2026, 3, 2))],
)
def test_weekly_class_stays_at_18_local_across_the_spring_change(settings, zone, monday_before_change):
    # given: a Monday 18:00 class in a zone whose clocks go forward on the Sunday after the first class
    settings.TIME_ZONE = zone
    # when
    starts = expand("FREQ=WEEKLY;BYDAY=MO;COUNT=3", starts_on=monday_before_change)
    # then: 18:00 on the wall clock every week; UTC moves an hour earlier after the change
    local = [s.astimezone(zoneinfo.ZoneInfo(zone)) for s in starts]
    assert [(d.date(), d.hour, d.minute) for d in local] == [
        (monday_before_change + datetime.timedelta(weeks=w), 18, 0) for w in range(3)
    ]
    offsets = [s.utcoffset() for s in local]
    assert offsets[1] - offsets[0] == datetime.timedelta(hours=1)
    # (subtracting in UTC: Python subtracts same-zone datetimes by the wall clock)
    assert starts[1].astimezone(UTC) - starts[0].astimezone(UTC) == datetime.timedelta(days=7, hours=-1)


def test_class_stays_at_18_local_across_the_autumn_change(settings):
    # given: London goes back an hour on Sunday 25 October 2026
    settings.TIME_ZONE = "Europe/London"
    # when
    starts = expand("FREQ=DAILY;COUNT=3", starts_on=datetime.date(2026, 10, 24))
    # then
    london = zoneinfo.ZoneInfo("Europe/London")
    assert [s.astimezone(london).strftime("%d %H:%M") for s in starts] == ["24 18:00", "25 18:00", "26 18:00"]
    assert [s.astimezone(UTC).hour for s in starts] == [17, 18, 18]


def test_a_time_skipped_by_the_clocks_becomes_the_real_clock_time(settings):
    # given: 02:30 does not exist in New York on 8 March 2026
    settings.TIME_ZONE = "America/New_York"
    # when
    starts = expand("FREQ=DAILY;COUNT=2", starts_on=datetime.date(2026, 3, 8), start_time=datetime.time(2, 30))
    # then: one hour later on the clock that day, 02:30 again the next
    ny = zoneinfo.ZoneInfo("America/New_York")
    assert [s.astimezone(ny).strftime("%d %H:%M") for s in starts] == ["08 03:30", "09 02:30"]


def test_until_a_date_includes_that_day():
    # given: every Monday and Wednesday until Monday 16 March
    rule = "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260316"
    # when
    starts = expand(rule, starts_on=datetime.date(2026, 3, 2))
    # then: the 18:00 class on the 16th is included
    assert [s.date().isoformat() for s in starts] == [
        "2026-03-02",
        "2026-03-04",
        "2026-03-09",
        "2026-03-11",
        "2026-03-16",
    ]


def test_until_in_utc_and_rrule_prefix_are_accepted(settings):
    # given
    settings.TIME_ZONE = "Asia/Dhaka"
    # when: 12:00Z on the 9th is 18:00 in Dhaka, so the class that evening is the last
    rule = parse_rule("RRULE:freq=weekly;byday=MO;until=20260309T120000Z", starts_on=datetime.date(2026, 3, 2),
                      start_time=datetime.time(18, 0))  # fmt: skip
    # then
    assert rule.text == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260309T180000"
    assert len(list(rule.rule)) == 2


def test_window_selects_occurrences_and_one_off_is_a_single_class():
    # given
    after = datetime.datetime(2026, 3, 8, tzinfo=UTC)
    before = datetime.datetime(2026, 3, 15, tzinfo=UTC)
    # when
    weekly = expand("FREQ=DAILY", starts_on=datetime.date(2026, 3, 1), after=after, before=before)
    one_off = expand("", starts_on=datetime.date(2026, 3, 10), after=after, before=before)
    # then
    assert len(weekly) == 7
    assert all(after <= s < before for s in weekly)
    assert len(one_off) == 1


def test_preview_and_next_start():
    # given
    kwargs = {
        "starts_on": datetime.date(2026, 3, 2),
        "start_time": datetime.time(7, 0),
        "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH",
    }
    # when
    shown = preview(count=4, **kwargs)
    following = next_start(after=shown[1], **kwargs)
    # then
    assert [s.strftime("%a %d") for s in shown] == ["Tue 03", "Thu 05", "Tue 10", "Thu 12"]
    assert following == shown[2]
    assert next_start(after=shown[-1], **{**kwargs, "recurrence": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"}) is None


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("every monday", "is not NAME=VALUE"),
        ("BYDAY=MO", "needs FREQ"),
        ("FREQ=SOMETIMES", "FREQ=SOMETIMES is not allowed"),
        ("FREQ=HOURLY;COUNT=3", "FREQ=HOURLY is not allowed"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalid 'BYDAY'"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20260601", "either COUNT or UNTIL"),
        ("FREQ=WEEKLY;UNTIL=next-june", "not a date"),
        ("FREQ=WEEKLY;UNTIL=20260101", "gives no dates on or after 02 Mar 2026"),
        ("DTSTART:20260302T180000\nRRULE:FREQ=DAILY", "single RRULE line"),
    ],
)
def test_invalid_rules_are_refused_with_an_example(rule, expected):
    # when
    with pytest.raises(ValidationError) as caught:
        parse_rule(rule, starts_on=datetime.date(2026, 3, 2), start_time=datetime.time(18, 0))
    # then
    message = caught.value.messages[0]
    assert expected in message
    assert "is not a repeat rule we can use" in message
    assert "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630" in message
