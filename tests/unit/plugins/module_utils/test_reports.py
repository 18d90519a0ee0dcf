# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of reports.py: audit types, the job-range rule, warning names, and the reads of the report, job and
audit log modules against the simulator."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime
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

UTC = datetime.timezone.utc


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
    assert first_job_completed({'completed': '0001-01-01T00:00:00'}) is None
    for answer in ({'completed': ''}, {'completed': 'garbage'}, {'completed': None}, {'href': '/x', 'id': 1, 'name': 'maintenance'}, []):
        with pytest.raises(CloutilityError, match='not a date: that is not the first job'):
            first_job_completed(answer, 'GET https://portal.example/v1/bunits/1/consumers/2/jobs/first')


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


# --------------------------------------------------------------------------- the reads of the modules, against the simulator
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import auditlog_info, job_info, report_info  # noqa: E402

WEB01 = dict(bunit='Customers/Contoso', consumer='web01', consumer_id=None)


def test_report_info_latest(sim):
    client, tree = sim.reader()
    result = report_info(client, tree, dict(WEB01, start=None, end=None, status=True, warnings=True, latest=True, user_id=None))
    assert result['consumer'] == {'id': 408, 'name': 'web01'} and result['bunit_id'] == 94 and not result['changed']
    assert isinstance(result['report'], dict) and 'reports' not in result
    assert result['warning_type_names'] in ('read', 'not_needed', 'unavailable')
    assert sim.routes()['GET /v1/bunits/{id}/consumers/{id}/reports/latest'] == 1


def test_report_info_range(sim):
    client, tree = sim.reader()
    params = dict(WEB01, start='2024-05-01', end='2024-05-08', status=True, warnings=False, latest=False, user_id=None)
    result = report_info(client, tree, params)
    assert (result['start'], result['end']) == ('2024-05-01T00:00:00Z', '2024-05-08T00:00:00Z')
    assert isinstance(result['reports'], list) and result['warning_type_names'] == 'not_needed'
    assert 'GET /v1/nodewarningtypes' not in sim.routes()


def test_a_bad_range_is_refused_before_any_request(sim):
    client, tree = sim.reader()
    reads = dict(report=(report_info, dict(status=True, warnings=True, latest=False, user_id=None)), job=(job_info, {}),
                 audit=(auditlog_info, dict(types=None, include_descendants=False, order='newest_first', limit=None)))
    for read, extra in reads.values():
        with pytest.raises(CloutilityError, match='is after'):
            read(client, tree, dict(WEB01, start='-1d', end='-2d', **extra))
    with pytest.raises(CloutilityError, match='Unknown audit log type'):
        auditlog_info(client, tree, dict(WEB01, start=None, end=None, types=['update'], include_descendants=False, order='newest_first',
                                         limit=None))
    assert sim.counters()['total'] == 0


def test_job_info_moves_the_start_up_to_the_first_job(sim):
    client, tree = sim.reader()
    result = job_info(client, tree, dict(WEB01, start='2000-01-01', end='now'))
    window = result['range']
    assert window['requested_start'] == '2000-01-01T00:00:00Z' and result['first_job_completed'] is not None
    assert window['adjusted'] is True and window['start'] >= result['first_job_completed'] and window['queried'] is True
    routes = sim.routes()
    assert routes['GET /v1/bunits/{id}/consumers/{id}/jobs/first'] == 1
    assert routes['GET /v1/bunits/{id}/consumers/{id}/jobs'] == -(-len(result['jobs']) // 100)  # every page of 100, once


def test_job_info_asks_for_no_range_before_the_first_job(sim):
    client, tree = sim.reader()
    result = job_info(client, tree, dict(WEB01, start='2000-01-01', end='2000-01-02'))
    assert result['jobs'] == [] and result['range']['queried'] is False
    assert 'GET /v1/bunits/{id}/consumers/{id}/jobs' not in sim.routes()


@pytest.mark.parametrize('body', ['object', 'no_items'])
def test_job_info_reads_a_first_job_that_is_no_job_as_an_error_not_as_no_job(sim, body):
    """A maintenance page as a JSON object on jobs/first was read as "no job yet": an empty, wrong answer."""
    client, tree = sim.reader()
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/408/jobs/first$', 'body': body, 'status': 200}]})
    with pytest.raises(CloutilityError) as caught:
        job_info(client, tree, dict(WEB01, start='-24h', end='now'))
    assert 'jobs/first' in str(caught.value) and 'without completed, where a JSON object (the first job) is due' in str(caught.value)
    assert 'GET /v1/bunits/{id}/consumers/{id}/jobs' not in sim.routes()
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/408/jobs/first$', 'status': 404}]})
    assert job_info(client, tree, dict(WEB01, start='-24h', end='now'))['first_job_completed'] is None   # 404: no job


def test_auditlog_info_honours_types_and_limit(sim):
    client, tree = sim.reader()
    params = dict(WEB01, start=None, end=None, types=['create', 'modify'], include_descendants=True, order='oldest_first', limit=1)
    result = auditlog_info(client, tree, params)
    assert result['types'] == [100, 200] and len(result['entries']) <= 1
    assert all(entry.get('typeName') in ('create', 'modify') for entry in result['entries'])
    assert result['total'] >= len(result['entries'])
    assert sim.routes()['GET /v1/bunits/{id}/consumers/{id}/auditlogs'] == 1
