# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of dates.py: the date and time forms the *_info modules accept."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, parse_day, parse_range

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 5, 10, 12, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize('value, expected', [
    ('2023-11-03T08:00:00Z', datetime.datetime(2023, 11, 3, 8, 0, tzinfo=UTC)),
    ('2023-11-03T09:00:00+01:00', datetime.datetime(2023, 11, 3, 8, 0, tzinfo=UTC)),
    ('2023-11-03T08:00:00', datetime.datetime(2023, 11, 3, 8, 0, tzinfo=UTC)),
    ('2023-11-03', datetime.datetime(2023, 11, 3, tzinfo=UTC)),
    ('2023-11-03T08:00:00.250Z', datetime.datetime(2023, 11, 3, 8, 0, 0, 250000, tzinfo=UTC)),
    ('now', NOW),
    ('NOW', NOW),
    ('today', datetime.datetime(2024, 5, 10, tzinfo=UTC)),
    ('-7d', NOW - datetime.timedelta(days=7)),
    ('-24h', NOW - datetime.timedelta(hours=24)),
    ('-30m', NOW - datetime.timedelta(minutes=30)),
    ('-90s', NOW - datetime.timedelta(seconds=90)),
    ('-2w', NOW - datetime.timedelta(weeks=2)),
    ('+1h', NOW + datetime.timedelta(hours=1)),
    ('- 3 days', NOW - datetime.timedelta(days=3)),
])
def test_parse_datetime(value, expected):
    assert parse_datetime(value, 'start', now=NOW) == expected


@pytest.mark.parametrize('value', [None, '', '   '])
def test_parse_datetime_empty(value):
    assert parse_datetime(value, now=NOW) is None


@pytest.mark.parametrize('value', ['yesterday', '7d', '-7y', '2023-13-01', '03/11/2023', 'last tuesday'])
def test_parse_datetime_refuses(value):
    with pytest.raises(CloutilityError) as err:
        parse_datetime(value, 'start', now=NOW)
    assert 'start' in str(err.value) and value in str(err.value) and '-7d' in str(err.value)


def test_format_datetime():
    assert format_datetime(datetime.datetime(2023, 11, 3, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))) == '2023-11-03T08:00:00Z'
    assert format_datetime(datetime.datetime(2023, 11, 3, 8, 0, 0, 250000, tzinfo=UTC)) == '2023-11-03T08:00:00.250Z'
    assert format_datetime(None) is None


def test_parse_range_defaults_and_order():
    start, end = parse_range(None, None, default_start='-24h', default_end='now', now=NOW)
    assert (start, end) == (NOW - datetime.timedelta(hours=24), NOW)
    start, end = parse_range('2024-05-01', None, now=NOW)
    assert end is None and start == datetime.datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(CloutilityError, match='after'):
        parse_range('-1d', '-2d', now=NOW)


def test_parse_day():
    assert parse_day('2024-05-01') == '2024-05-01'
    assert parse_day(None) is None
    for bad in ('2024-5-1', '2024-02-30', '05/2024', '2024-05-01T00:00:00Z'):
        with pytest.raises(CloutilityError, match='YYYY-MM-DD'):
            parse_day(bad, 'billing_date')
