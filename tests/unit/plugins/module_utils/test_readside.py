# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the read-side helpers: dates, audit types, the job-range rule, paging, paths."""

from __future__ import annotations

import datetime
import random
import threading
import time

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime, parse_day, parse_range
from ansible_collections.cloutility.cloutility.plugins.module_utils.raw_api import api_path, query_params
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import (
    audit_type_name,
    audit_type_numbers,
    first_job_completed,
    job_range,
    name_audit_entries,
    name_report_warnings,
    name_warnings,
    warning_type_index,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.invoice_file import compare_checksum, file_checksums
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import node_info

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


def test_audit_types():
    assert audit_type_numbers(None) == [0, 100, 200, 300, 400]
    assert audit_type_numbers([]) == [0, 100, 200, 300, 400]
    assert audit_type_numbers(['delete', 'Create', 'create']) == [100, 300]
    with pytest.raises(CloutilityError, match='modify'):
        audit_type_numbers(['update'])
    assert [audit_type_name(n) for n in (0, 100, 200, 300, 400, '200', {'id': 400}, 999, None)] == \
        ['info', 'create', 'modify', 'delete', 'error', 'modify', 'error', None, None]
    entries = name_audit_entries([{'type': 200}, {'type': 100, 'typeName': 'Create'}, {'type': 7}])
    assert entries == [{'type': 200, 'typeName': 'modify'}, {'type': 100, 'typeName': 'Create'}, {'type': 7}]


def test_first_job_completed_reads_only_completed():
    assert first_job_completed({'completed': '2023-07-09T18:49:00Z', 'status': '', 'duration': 0}) == \
        datetime.datetime(2023, 7, 9, 18, 49, tzinfo=UTC)
    assert first_job_completed(None) is None
    assert first_job_completed({'completed': ''}) is None
    assert first_job_completed({'completed': '0001-01-01T00:00:00'}) is None
    assert first_job_completed({'completed': 'garbage'}) is None


def test_job_range_rule():
    first = datetime.datetime(2023, 7, 9, 18, 49, tzinfo=UTC)
    early = datetime.datetime(2000, 1, 1, tzinfo=UTC)
    later = datetime.datetime(2023, 8, 1, tzinfo=UTC)
    end = datetime.datetime(2023, 9, 1, tzinfo=UTC)
    # Before the first job: moved up to its completion.
    assert job_range(early, end, first) == (first, end, True, False)
    # Exactly at it, or after: unchanged (the API accepts >=).
    assert job_range(first, end, first) == (first, end, False, False)
    assert job_range(later, end, first) == (later, end, False, False)
    # Ends before the first job: nothing to ask.
    assert job_range(early, datetime.datetime(2020, 1, 1, tzinfo=UTC), first)[3] is True
    # No job at all: nothing to ask.
    assert job_range(early, end, None) == (early, end, False, True)
    # A first completion with sub-millisecond precision: the start sent (milliseconds) must not precede it.
    precise = first.replace(microsecond=123456)
    begin = job_range(early, end, precise)[0]
    assert begin >= precise and format_datetime(begin).endswith('.124Z')


def test_name_warnings():
    index = warning_type_index([{'id': 1, 'name': 'NoActivity'}, {'id': 2, 'name': 'FailedBackup'}])
    report = {'warnings': [{'type': {'id': 2, 'name': 'FailedBackup'}}, {'typeId': 1}, {'typeId': 9}, {'message': 'x'}]}
    name_warnings(report, index)
    assert [w.get('typeName') for w in report['warnings']] == ['FailedBackup', 'NoActivity', None, None]
    assert [w.get('typeId') for w in report['warnings']] == [2, 1, 9, None]
    assert name_warnings(None, index) is None


@pytest.mark.parametrize('given, expected', [
    ('bunits/22', 'bunits/22'),
    ('/bunits/22', 'bunits/22'),
    ('/v1/bunits/22/consumers', 'bunits/22/consumers'),
    ('v1/fullVersion', 'fullVersion'),
])
def test_api_path(given, expected):
    assert api_path(given) == expected


@pytest.mark.parametrize('given, message', [
    ('', 'required'),
    ('https://portal.example.com/v1/bunits', 'relative'),
    ('bunits?x=1', 'query'),
    ('bunits/../oauth', '..'),
    ('/v1/oauth', 'oauth'),
    # the '..' rule on the decoded path (issue 20)
    ('bunits/%2e%2e/oauth', '..'),
    ('bunits/%2E%2E/22', '..'),
    ('bunits/%252e%252e/22', '..'),
    ('bunits/.%2e/22', '..'),
    ('bunits/..%5C22', '..'),
    ('bunits%2F..%2F22', '..'),
    ('%6fauth', 'oauth'),
])
def test_api_path_refuses(given, message):
    with pytest.raises(CloutilityError, match=message.replace('?', r'\?').replace('.', r'\.')):
        api_path(given)


def test_query_params():
    assert query_params({'a': True, 'b': [0, 100], 'c': None, 'd': 5, 'e': 'x'}) == \
        {'a': 'true', 'b': ['0', '100'], 'd': '5', 'e': 'x'}
    assert query_params(None) == {}


def test_compare_checksum():
    sums = file_checksums(b'%PDF-1.4 test')
    assert compare_checksum({'sha256': sums['sha256']}, sums) is True
    assert compare_checksum({'sha256': 'ab' * 32}, sums) is False
    assert compare_checksum({'md5': sums['md5'].upper()}, sums) is True
    assert compare_checksum({'checksum': 'sha1:' + sums['sha1']}, sums) is True
    assert compare_checksum({'fileName': 'a.pdf', 'size': 13}, sums) is None


# --------------------------------------------------------------------------- warning type names are a bonus
NO_ROUTE = "No HTTP resource was found that matches the request URI 'https://portal.example/v1/nodewarningtypes'."


class WarningTypesClient:
    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def get_all(self, path, params=None):
        assert path == 'nodewarningtypes'
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _reports():
    return [{'warnings': [{'type': {'id': 2}, 'message': 'failed'}]}, {'warnings': []}, {}]


def test_warning_types_read_once_when_needed():
    client = WarningTypesClient([{'id': 2, 'name': 'FailedBackup'}])
    reports = _reports() + _reports()
    assert name_report_warnings(client, reports) == 'read'
    assert client.calls == 1
    assert [w['typeName'] for r in reports for w in r.get('warnings', [])] == ['FailedBackup', 'FailedBackup']
    assert [w['typeId'] for r in reports for w in r.get('warnings', [])] == [2, 2]


def test_warning_types_not_read_when_not_needed():
    client = WarningTypesClient(AssertionError('must not be read'))
    assert name_report_warnings(client, [{'warnings': []}, {}, {'status': {'id': 1}}]) == 'not_needed'
    named = [{'warnings': [{'type': {'id': 3, 'name': 'HighStorage'}}]}]  # the portal embeds the name
    assert name_report_warnings(client, named) == 'not_needed'
    assert named[0]['warnings'][0]['typeName'] == 'HighStorage' and named[0]['warnings'][0]['typeId'] == 3
    assert client.calls == 0


@pytest.mark.parametrize('answer', [CloutilityApiError('GET', '/v1/nodewarningtypes', 404, NO_ROUTE),
                                    CloutilityApiError('GET', '/v1/nodewarningtypes', 404, 'No warning types')])
def test_warning_types_missing_leaves_ids(answer):
    reports = _reports()
    assert name_report_warnings(WarningTypesClient(answer), reports) == 'unavailable'
    assert reports[0]['warnings'] == [{'type': {'id': 2}, 'typeId': 2, 'message': 'failed'}]


def test_warning_types_other_errors_fail():
    with pytest.raises(CloutilityApiError):
        name_report_warnings(WarningTypesClient(CloutilityApiError('GET', '/v1/nodewarningtypes', 500, 'boom')), _reports())


# --------------------------------------------------------------------------- node_info: concurrent, same result
class NodesClient:
    """Consumers 1..N of unit 7; even ones have a node, every third of those is activated. Answers in random order."""

    def __init__(self, count, seed=1):
        self.count = count
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = []

    def get_all(self, path, params=None):
        if path == 'bunits/7/consumers':
            return [{'id': number, 'name': 'unit-%d' % (number % 5)} for number in range(1, self.count + 1)]
        assert path.endswith('/node/filespaces') and params == {'tsmSync': 'false'}
        return [{'name': '/', 'of': int(path.split('/')[3])}]

    def get_object(self, path, params=None, what=None, keys=()):  # the real client also checks the shape
        return self.get(path, params)

    def get(self, path, params=None):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.calls.append(path)
            delay = self.random.random() / 500
        try:
            time.sleep(delay)
            consumer_id = int(path.split('/')[3])
            if consumer_id % 2:
                raise CloutilityApiError('GET', '/v1/' + path, 404, 'Consumer %d has no node' % consumer_id)
            node = {'id': consumer_id * 10, 'tsmPassword': 'secret-%d' % consumer_id}
            if consumer_id % 3 == 0:
                node.update(tsmName='N%d' % consumer_id, activatedDate='2024-01-01T00:00:00Z')
            return node
        finally:
            with self.lock:
                self.in_flight -= 1


class Tree:
    def resolve(self, ref):
        return {'id': 7, 'name': 'Unit'}


@pytest.mark.parametrize('filespaces', [False, True])
def test_node_info_concurrent_equals_one_at_a_time(filespaces):
    params = dict(bunit=None, consumer=None, consumer_id=None, filespaces=filespaces, tsm_sync=False)
    serial_client = NodesClient(120)
    serial = node_info(serial_client, Tree(), params, workers=1)
    parallel_client = NodesClient(120, seed=2)
    parallel = node_info(parallel_client, Tree(), params, workers=8)
    assert parallel == serial
    assert [node['consumer_id'] for node in serial['nodes']] == list(range(2, 121, 2))
    assert serial_client.most_in_flight == 1
    assert 1 < parallel_client.most_in_flight <= 8
    assert sorted(parallel_client.calls) == sorted(serial_client.calls)
    assert {node['tsmPassword'] for node in parallel['nodes']} == {'********'}
    if filespaces:
        assert [node['filespaces'] != [] for node in serial['nodes']] == [number % 3 == 0 for number in range(2, 121, 2)]


def test_node_info_first_error_in_order_after_every_read():
    class Failing(NodesClient):
        def get(self, path, params=None):
            consumer_id = int(path.split('/')[3])
            if consumer_id in (40, 90):
                raise CloutilityApiError('GET', '/v1/' + path, 503, 'busy %d' % consumer_id)
            return super().get(path, params)
    client = Failing(100)
    with pytest.raises(CloutilityApiError) as err:
        node_info(client, Tree(), dict(bunit=None), workers=8)
    assert 'busy 40' in str(err.value)
    assert len(client.calls) == 98  # every other read ran to its end
