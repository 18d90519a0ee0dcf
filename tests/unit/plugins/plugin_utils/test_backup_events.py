# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup_events event source's engine against the simulator: one event per problem, a restart that neither
loses nor repeats, an answer that is not the resource that never becomes events, storage limits told once."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import time

import pytest
import requests

from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.tests.unit.eda_sources import load_source, source_path
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.backup_events import BackupWatch, Settings

CUSTOMERS = 'Acme Hosting/Customers'
SOURCE = source_path('backup_events')
FIRST_JOB = 'GET /v1/bunits/{id}/consumers/{id}/jobs/first'
WEB01, FILESERVER = 408, 431   # seed consumption units with activated nodes (Contoso/web01, Fabrikam/fileserver)


def settings(sim, tmp_path, **args):
    given = dict(sim.login, api_url=sim.api_url, token_cache=False, retries=0, bunits=[CUSTOMERS], since='-1h',
                 bookmark=str(tmp_path / 'bookmark.json'))
    given.update(args)
    return Settings(given, environ={})


def add_job(sim, consumer, status):
    answer = requests.post(sim.url + '/_sim/jobs', json=dict(consumer=consumer, status=status), timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def reasons(events, consumer_id=None):
    """The reasons of the source's own watch_incomplete events (of one consumption unit, or of none)."""
    return [event['cloutility']['reason'] for event in events if event['cloutility']['kind'] == 'watch_incomplete'
            and (event['cloutility']['consumer'] or {}).get('id') == consumer_id]


def problems_only(events):
    """The events other than watch_incomplete."""
    return [event for event in events if event['cloutility']['kind'] != 'watch_incomplete']


def ours(events, *jobs):
    """The events of these jobs (the seed's own nightly jobs may fail inside the window too)."""
    ids = set(job['id'] for job in jobs)
    return [event['cloutility'] for event in events if event['cloutility'].get('job', {}).get('id') in ids]


def test_one_event_per_problem_and_a_restart_repeats_none(sim, tmp_path):
    failed, missed = add_job(sim, WEB01, 'Failed'), add_job(sim, FILESERVER, 'Missed')
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert outcome.complete, outcome.errors
    events = ours(outcome.events, failed, missed)
    assert sorted((event['kind'], event['consumer']['id']) for event in events) == [('failed_job', WEB01), ('missed_job', FILESERVER)]
    failed_event = [event for event in events if event['kind'] == 'failed_job'][0]
    assert failed_event['bunit_path'] == CUSTOMERS + '/Contoso'
    assert failed_event['key'] == 'job:%d:%d' % (WEB01, failed['id'])
    assert failed_event['job']['status'] == 'Failed'
    watch.commit(outcome)
    saved = json.loads((tmp_path / 'bookmark.json').read_text())
    assert saved['until'] and 'job:%d:%d' % (WEB01, failed['id']) in saved['sent']
    assert 'password' not in json.dumps(saved).lower() and sim.login['password'] not in json.dumps(saved)

    # The same watch polls again, then a new process starts from the bookmark: neither repeats the jobs.
    again = watch.poll()
    assert ours(again.events, failed, missed) == []
    watch.commit(again)
    consumers = len(watch.consumers(BusinessUnitTree(watch.client)))
    before = sim.counters()['by_route'].get(FIRST_JOB, 0)
    watch.close()
    restarted = BackupWatch(settings(sim, tmp_path))
    cached = set(restarted.bookmark.first_job)
    assert {WEB01, FILESERVER} <= cached
    outcome = restarted.poll()
    assert outcome.complete and ours(outcome.events, failed, missed) == []
    # The first job's time of a unit with jobs comes from the bookmark: jobs/first is read only for units without one.
    assert sim.counters()['by_route'].get(FIRST_JOB, 0) - before == consumers - len(cached)

    # A problem after the restart is seen once.
    later = add_job(sim, WEB01, 'Warning')
    restarted.commit(outcome)
    events = ours(restarted.poll().events, later)
    assert [(event['kind'], event['consumer']['id']) for event in events] == [('warning_job', WEB01)]


def test_an_answer_that_is_not_the_resource_makes_no_event_and_keeps_the_bookmark(sim, tmp_path):
    failed = add_job(sim, WEB01, 'Failed')
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/jobs$' % WEB01, 'body': 'html', 'status': 200}]})
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert not outcome.complete
    assert any('/consumers/%d/jobs' % WEB01 in error and 'GET' in error for error in outcome.errors), outcome.errors
    assert ours(outcome.events, failed) == []
    assert not [event for event in problems_only(outcome.events) if event['cloutility']['consumer']['id'] == WEB01]
    assert reasons(outcome.events, WEB01) == ['read_failed']     # said, not silent
    watch.commit(outcome)
    saved = json.loads((tmp_path / 'bookmark.json').read_text())
    assert str(WEB01) not in saved['consumers']          # web01's time is read again
    assert str(FILESERVER) in saved['consumers']         # the others go on

    sim.simulator.clear_faults()
    outcome = watch.poll()
    assert outcome.complete
    assert [event['kind'] for event in ours(outcome.events, failed)] == ['failed_job']


def test_a_list_of_consumers_that_is_not_a_list_makes_no_event(sim, tmp_path):
    add_job(sim, WEB01, 'Failed')
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/bunits/\d+/consumers$', 'body': 'html', 'status': 200}]})
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert problems_only(outcome.events) == [] and not outcome.complete
    assert reasons(outcome.events) == ['list_failed']
    assert 'text/html' in outcome.errors[0] or 'HTML' in outcome.errors[0] or 'not' in outcome.errors[0]


def test_storage_over_limit_is_told_once_per_crossing(sim, tmp_path):
    def set_limit(value):
        with sim.simulator.lock:
            sim.state['consumers'][WEB01]['limitHighStorage'] = value

    watch = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit']))
    set_limit(0.5)
    outcome = watch.poll()
    storage = [event['cloutility'] for event in outcome.events]
    assert [(event['kind'], event['consumer']['id']) for event in storage] == [('storage_over_limit', WEB01)]
    assert 'limit' in storage[0]['message']
    watch.commit(outcome)
    assert watch.poll().events == []            # still over: told already
    set_limit(100000.0)
    outcome = watch.poll()
    assert outcome.events == []
    watch.commit(outcome)
    assert WEB01 not in watch.bookmark.over_limit
    set_limit(0.5)
    assert [event['cloutility']['consumer']['id'] for event in watch.poll().events] == [WEB01]  # over again: told again


@pytest.mark.parametrize('args, message', [
    (dict(bunits=[]), 'bunits must be a list'),
    (dict(kinds=['failed']), 'value of kinds must be one or more of: failed_job, .* Got no match for: failed'),
    (dict(interval=0), 'interval must be from 1'),
    (dict(since='yesterday-ish'), 'since'),
    (dict(job_statuses={'Failed': 'broken'}), 'job_statuses'),
])
def test_bad_arguments_are_refused_before_any_request(sim, tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        BackupWatch(settings(sim, tmp_path, **args))
    assert sim.counters()['total'] == 0


def test_missing_connection_names_the_variables(tmp_path):
    with pytest.raises(ValueError) as caught:
        Settings(dict(bunits=['x'], bookmark=str(tmp_path / 'b.json')), environ={})
    assert 'api_url' in str(caught.value) and 'CLOUTILITY_PASSWORD' in str(caught.value)
    options = Settings(dict(bunits=['x'], bookmark=str(tmp_path / 'b.json')), environ=dict(
        CLOUTILITY_API_URL='https://portal.example/v1', CLOUTILITY_CLIENT_ID='c', CLOUTILITY_ORIGIN='https://o',
        CLOUTILITY_USERNAME='u', CLOUTILITY_PASSWORD='p', CLOUTILITY_RETRIES='2')).connection
    assert options['api_url'] == 'https://portal.example/v1' and options['retries'] == 2


def test_a_bookmark_of_another_portal_is_refused(sim, tmp_path):
    (tmp_path / 'bookmark.json').write_text(json.dumps(dict(version=2, api_url='https://other.example/v1', until=None)))
    with pytest.raises(ValueError, match='belongs to https://other.example/v1'):
        BackupWatch(settings(sim, tmp_path))


def test_a_unit_listed_twice_or_a_job_seen_twice_is_one_event(sim, tmp_path):
    failed = add_job(sim, WEB01, 'Failed')
    watch = BackupWatch(settings(sim, tmp_path, bunits=[CUSTOMERS, CUSTOMERS + '/Contoso']))
    outcome = watch.poll()
    assert [event['kind'] for event in ours(outcome.events, failed)] == ['failed_job']
    routes = sim.routes()
    assert routes['GET /v1/bunits/{id}/consumers'] == len(set(sim.simulator.units_under(
        next(u['id'] for u in sim.state['businessUnits'].values() if u['name'] == 'Customers'))))
    unit, consumer = dict(id=94, path=CUSTOMERS + '/Contoso'), dict(id=WEB01, name='web01')
    again = watch.poll()
    watch._job_event(again, unit, consumer, 'failed_job', dict(id=424242, status='Failed'))
    watch._job_event(again, unit, consumer, 'failed_job', dict(id=424242, status='Failed'))
    assert [event['cloutility']['key'] for event in again.events].count('job:%d:424242' % WEB01) == 1


def test_kinds_leave_out_what_is_not_asked_for(sim, tmp_path):
    failed, missed = add_job(sim, WEB01, 'Failed'), add_job(sim, WEB01, 'Missed')
    outcome = BackupWatch(settings(sim, tmp_path, kinds=['missed_job'])).poll()
    assert [event['kind'] for event in ours(outcome.events, failed, missed)] == ['missed_job']
    assert 'GET /v1/bunits/{id}/consumers/{id}/reports/latest' not in sim.routes()   # storage not watched: no report read


def test_each_event_is_recorded_once_taken_so_a_killed_source_does_not_send_it_again(sim, tmp_path):
    failed, missed = add_job(sim, WEB01, 'Failed'), add_job(sim, FILESERVER, 'Missed')
    plugin = load_source(SOURCE)
    taken = []

    class KilledAfterOne:
        async def put(self, event):
            if taken:
                raise asyncio.CancelledError()
            taken.append(event)

    args = dict(sim.login, api_url=sim.api_url, token_cache=False, retries=0, bunits=[CUSTOMERS], since='-1h',
                bookmark=str(tmp_path / 'bookmark.json'), once=True, kinds=['failed_job', 'missed_job'])
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(plugin['main'](KilledAfterOne(), args))
    first = taken[0]['cloutility']['key']
    saved = json.loads((tmp_path / 'bookmark.json').read_text())
    assert first in saved['sent'] and saved['until'] is None     # taken: recorded; the poll itself not committed
    restarted = BackupWatch(settings(sim, tmp_path, kinds=['failed_job', 'missed_job']))
    keys = [event['key'] for event in ours(restarted.poll().events, failed, missed)]
    assert first not in keys and len(keys) == 1                  # the other one comes, the taken one does not


def test_once_false_as_text_keeps_polling_and_unknown_arguments_are_refused(sim, tmp_path):
    assert settings(sim, tmp_path, once='false').once is False
    assert settings(sim, tmp_path, once='yes').once is True
    with pytest.raises(ValueError, match='unknown argument intervall'):
        settings(sim, tmp_path, intervall=5)
    assert sim.counters()['total'] == 0


def test_a_bookmark_that_cannot_be_written_is_refused_before_any_request(sim, tmp_path):
    (tmp_path / 'a-file').write_text('x')
    with pytest.raises(ValueError, match='cannot be written.*bookmark'):
        BackupWatch(settings(sim, tmp_path, bookmark=str(tmp_path / 'a-file' / 'bookmark.json')))
    (tmp_path / 'bookmark.json').write_text(json.dumps(dict(version=99, api_url=sim.api_url)))
    with pytest.raises(ValueError, match='not a bookmark of this source'):
        BackupWatch(settings(sim, tmp_path))
    assert sim.counters()['total'] == 0


def test_sent_keys_are_dropped_once_no_window_can_reach_them(sim, tmp_path):
    watch = BackupWatch(settings(sim, tmp_path, overlap=60))
    watch.bookmark.sent = {'job:%d:1' % WEB01: '2020-01-01T00:00:00Z', 'job:%d:2' % WEB01: '2099-01-01T00:00:00Z'}
    watch.commit(watch.poll())
    assert sorted(watch.bookmark.sent) == ['job:%d:2' % WEB01]


def test_a_job_without_an_id_or_a_report_without_warnings_is_a_bad_answer_not_a_crash(sim, tmp_path, monkeypatch):
    from ansible_collections.cloutility.cloutility.plugins.plugin_utils import backup_events  # pylint: disable=import-outside-toplevel
    add_job(sim, WEB01, 'Failed')
    collect = backup_events.collect_optional

    def without_ids(client, path, params=None, limit=None):
        jobs, answer = collect(client, path, params, limit)
        return [dict((k, v) for k, v in job.items() if k != 'id') for job in jobs], answer

    monkeypatch.setattr(backup_events, 'collect_optional', without_ids)
    outcome = BackupWatch(settings(sim, tmp_path, kinds=['failed_job'])).poll()
    assert any('a job without an id' in error for error in outcome.errors), outcome.errors
    assert not [event for event in problems_only(outcome.events) if event['cloutility']['consumer']['id'] == WEB01]
    assert WEB01 not in outcome.read
    monkeypatch.undo()

    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/reports/latest$' % WEB01, 'body': 'object', 'status': 200}]})
    outcome = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit'], bookmark=str(tmp_path / 'b2.json'))).poll()
    assert any('a report without its warnings' in error for error in outcome.errors)
    assert WEB01 not in outcome.read and problems_only(outcome.events) == []


def test_warnings_that_cannot_be_named_are_an_error_not_under_the_limit(sim, tmp_path):
    with sim.simulator.lock:
        sim.state['consumers'][WEB01]['limitHighStorage'] = 0.5
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/nodewarningtypes$', 'status': 404}]})
    watch = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit']))
    watch.bookmark.over_limit = {WEB01}
    outcome = watch.poll()
    assert any('give storage_warning_types as type ids' in error for error in outcome.errors)
    assert WEB01 not in outcome.under and problems_only(outcome.events) == []
    # By type id (HighStorage is 3 in the simulator), the same portal works.
    watch = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit'], storage_warning_types=[3],
                                 bookmark=str(tmp_path / 'b3.json')))
    assert [event['cloutility']['consumer']['id'] for event in watch.poll().events] == [WEB01]


@pytest.mark.parametrize('args, message', [(dict(workers=0), 'workers must be from 1'), (dict(overlap=-1), 'overlap must be from 0')])
def test_ranges(sim, tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        settings(sim, tmp_path, **args)


def test_warning_types_that_are_not_the_resource_make_no_storage_event(sim, tmp_path):
    with sim.simulator.lock:
        sim.state['consumers'][WEB01]['limitHighStorage'] = 0.5
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/nodewarningtypes$', 'body': 'html', 'status': 200}]})
    outcome = BackupWatch(settings(sim, tmp_path, kinds=['storage_over_limit'])).poll()
    assert problems_only(outcome.events) == [] and any('nodewarningtypes' in error for error in outcome.errors), outcome.errors
    assert WEB01 not in outcome.read and WEB01 not in outcome.over


def test_a_consumption_unit_without_an_id_makes_the_poll_incomplete(sim, tmp_path, monkeypatch):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient  # pylint: disable=import-outside-toplevel
    get_all = CloutilityClient.get_all

    def without_ids(self, path, params=None, limit=None):
        items = get_all(self, path, params, limit)
        return [dict((k, v) for k, v in item.items() if k != 'id') for item in items] if path.endswith('/consumers') else items

    monkeypatch.setattr(CloutilityClient, 'get_all', without_ids)
    add_job(sim, WEB01, 'Failed')
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert reasons(outcome.events) == ['list_failed'] and not outcome.listed
    assert 'a consumption unit without an id' in outcome.errors[0]
    watch.commit(outcome)
    assert watch.bookmark.until is None


def test_one_source_per_bookmark(sim, tmp_path):
    first = BackupWatch(settings(sim, tmp_path))
    with pytest.raises(ValueError, match='in use by another backup_events source'):
        BackupWatch(settings(sim, tmp_path))
    assert first.poll().listed
    first.close()
    BackupWatch(settings(sim, tmp_path)).close()   # once it stops, another may take over


# ------------------------------------------------------------------ issue 29: never lose an event in silence
def _portal_now(sim):
    """The simulator's clock (config clock_offset_s)."""
    offset = requests.get(sim.url + '/_sim/config', timeout=10).json().get('clock_offset_s', 0)
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)


def _stamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def add_old_job(sim, consumer, status, started, duration=120):
    answer = requests.post(sim.url + '/_sim/jobs', json=dict(consumer=consumer, status=status, started=_stamp(started), duration=duration),
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_unit_whose_first_poll_fails_is_read_from_since_when_it_heals(sim, tmp_path):
    """503 on jobs/first at the first poll, then healed: the job of 3 hours ago (older than the overlap) is reported."""
    old = add_old_job(sim, WEB01, 'Failed', _portal_now(sim) - datetime.timedelta(hours=3))
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/jobs/first$' % WEB01, 'status': 503}]})
    watch = BackupWatch(settings(sim, tmp_path, since='-24h', overlap=60))
    outcome = watch.poll()
    assert ours(outcome.events, old) == [] and reasons(outcome.events, WEB01) == ['read_failed']
    incomplete = [event['cloutility'] for event in outcome.events if event['cloutility']['kind'] == 'watch_incomplete'][0]
    assert 'jobs/first' in incomplete['error'] and '503' in incomplete['error']
    assert incomplete['window']['start'][:19] == _stamp(watch.bookmark.since)[:19]     # never read: from since
    watch.commit(outcome)
    sim.simulator.clear_faults()
    again = watch.poll()
    assert [event['kind'] for event in ours(again.events, old)] == ['failed_job'], again.errors
    assert reasons(again.events, WEB01) == []
    watch.commit(again)
    assert watch.bookmark.incomplete == {}            # healed: the problem is over


def test_a_failing_unit_is_told_once_then_again_a_day_later_with_the_whole_window(sim, tmp_path):
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/jobs/first$' % WEB01, 'status': 503}]})
    watch = BackupWatch(settings(sim, tmp_path, since='-1h'))
    first = watch.poll()
    assert reasons(first.events, WEB01) == ['read_failed']
    watch.commit(first)
    assert reasons(watch.poll().events, WEB01) == []     # still failing: not every poll
    later = watch.poll(now=first.end + datetime.timedelta(days=1, seconds=1))
    told = [event['cloutility'] for event in later.events if event['cloutility']['kind'] == 'watch_incomplete'
            and event['cloutility']['consumer']['id'] == WEB01]
    assert len(told) == 1 and told[0]['since'][:19] == _stamp(first.end)[:19]
    assert told[0]['window']['start'] <= _stamp(first.end)        # the window grows from where it last succeeded


def test_a_first_job_answer_that_is_not_a_job_is_an_error_not_no_job_yet(sim, tmp_path):
    failed = add_job(sim, WEB01, 'Failed')
    sim.simulator.set_faults({'rules': [{'method': 'GET', 'path': r'/consumers/%d/jobs/first$' % WEB01, 'body': 'object', 'status': 200}]})
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert any('jobs/first' in error and 'without completed' in error for error in outcome.errors), outcome.errors
    assert WEB01 not in outcome.read and WEB01 not in outcome.first_job and reasons(outcome.events, WEB01) == ['read_failed']
    watch.commit(outcome)
    assert WEB01 not in watch.bookmark.consumers
    sim.simulator.clear_faults()
    assert [event['kind'] for event in ours(watch.poll().events, failed)] == ['failed_job']


@pytest.mark.parametrize('entry, value, named', [
    ('sent', {'job:408:1': 'not a date'}, "sent['job:408:1'] is 'not a date', not a date"),
    ('consumers', {'408': 'yesterday-ish'}, "consumers['408'] is 'yesterday-ish', not a date"),
    ('consumers', {'web01': '2026-01-01T00:00:00Z'}, "consumers has the key 'web01', not a consumption unit id"),
    ('first_job', {'408': 17}, "first_job['408'] is 17, not a date"),
    ('until', [], 'until is [], not a date'),
    ('over_limit', 'x', "over_limit is 'x', not a list"),
])
def test_a_damaged_bookmark_is_refused_at_start_naming_the_entry_and_the_fix(sim, tmp_path, entry, value, named):
    data = dict(version=2, api_url=sim.api_url, until=None)
    data[entry] = value
    (tmp_path / 'bookmark.json').write_text(json.dumps(data))
    with pytest.raises(ValueError) as caught:
        BackupWatch(settings(sim, tmp_path))
    assert named in str(caught.value) and 'correct or delete that entry, or move the bookmark away' in str(caught.value)
    assert sim.counters()['total'] == 0
    assert json.loads((tmp_path / 'bookmark.json').read_text()) == data     # left as it was
    BackupWatch(settings(sim, tmp_path, bookmark=str(tmp_path / 'other.json'))).close()   # the lock was let go


def test_a_bookmark_entry_in_the_future_is_repaired_with_a_warning_and_an_event(sim, tmp_path):
    """consumers and first_job of web01 in 2099 blinded it forever: now it is read again from since, and said so."""
    failed = add_job(sim, WEB01, 'Failed')
    watch = BackupWatch(settings(sim, tmp_path, since='-2h'))
    watch.commit(watch.poll())
    watch.close()
    saved = json.loads((tmp_path / 'bookmark.json').read_text())
    saved['consumers'][str(WEB01)] = saved['first_job'][str(WEB01)] = '2099-01-01T00:00:00Z'
    saved['sent'] = {'job:%d:1' % FILESERVER: '2099-01-01T00:00:00Z'}
    (tmp_path / 'bookmark.json').write_text(json.dumps(saved))
    watch = BackupWatch(settings(sim, tmp_path, since='-2h'))
    outcome = watch.poll()
    assert [event['kind'] for event in ours(outcome.events, failed)] == ['failed_job']
    assert reasons(outcome.events, WEB01) == ['bookmark_in_future']
    assert any("first_job['408'] was 2099-01-01T00:00:00Z" in warning and 'read again from since' in warning for warning in outcome.warnings)
    assert any("sent['job:%d:1'] was 2099" % FILESERVER in warning for warning in outcome.warnings), outcome.warnings
    watch.commit(outcome)
    assert watch.bookmark.sent['job:%d:1' % FILESERVER] < '2099'
    assert reasons(watch.poll().events, WEB01) == []        # repaired once


def test_a_bookmark_that_is_not_the_sources_own_is_refused(sim, tmp_path):
    target = tmp_path / 'elsewhere.json'
    target.write_text(json.dumps(dict(version=3, api_url=sim.api_url)))
    (tmp_path / 'bookmark.json').symlink_to(target)
    with pytest.raises(ValueError, match='is a symbolic link: never followed'):
        BackupWatch(settings(sim, tmp_path))
    (tmp_path / 'bookmark.json').unlink()
    (tmp_path / 'bookmark.json').write_text(json.dumps(dict(version=3, api_url=sim.api_url)))
    os.chmod(tmp_path / 'bookmark.json', 0o664)
    with pytest.raises(ValueError, match=r'can be written by other users \(mode 0664\): .*chmod go-w'):
        BackupWatch(settings(sim, tmp_path))
    os.chmod(tmp_path / 'bookmark.json', 0o600)
    if os.geteuid() == 0:      # as root, the file can be given to another user
        os.chown(tmp_path / 'bookmark.json', 65534, 65534)
        with pytest.raises(ValueError, match='belongs to user id 65534, not to this user'):
            BackupWatch(settings(sim, tmp_path))
        os.chown(tmp_path / 'bookmark.json', 0, 0)
    BackupWatch(settings(sim, tmp_path)).close()
    (tmp_path / 'folder.json').mkdir()
    with pytest.raises(ValueError, match='folder.json is not a plain file'):
        BackupWatch(settings(sim, tmp_path, bookmark=str(tmp_path / 'folder.json')))
    assert sim.counters()['total'] == 0


def test_the_lock_beside_the_bookmark_never_follows_a_planted_symlink(sim, tmp_path):
    planted = tmp_path / 'victim'
    (tmp_path / 'bookmark.json.lock').symlink_to(planted)
    with pytest.raises(ValueError, match='bookmark lock .*bookmark.json.lock is a symbolic link'):
        BackupWatch(settings(sim, tmp_path))
    assert not planted.exists() and not (tmp_path / 'bookmark.json').exists()
    (tmp_path / 'bookmark.json.lock').unlink()
    if os.geteuid() == 0:
        (tmp_path / 'bookmark.json.lock').write_text('')
        os.chown(tmp_path / 'bookmark.json.lock', 65534, 65534)
        with pytest.raises(ValueError, match='bookmark lock .* belongs to user id 65534'):
            BackupWatch(settings(sim, tmp_path))
    assert sim.counters()['total'] == 0


@pytest.mark.parametrize('args, message', [
    (dict(bookmark=['a', 'b']), 'bookmark must be a string, not a list'),
    (dict(interval=True), 'interval must be a number, not a boolean'),
    (dict(workers=[2]), 'workers must be a number, not a list'),
    (dict(bunits=[['x']]), 'bunits must be a list of business unit paths or ids'),
    (dict(since='+2h'), 'since must not be in the future'),
    (dict(overlap=float('nan')), 'overlap must be a finite number'),
    (dict(once='perhaps'), 'once'),
    (dict(bookmark=' '), 'bookmark must not be empty or blank'),
])
def test_the_arguments_are_checked_like_a_modules_options(sim, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        BackupWatch(settings(sim, tmp_path, **args))
    assert sorted(os.listdir(tmp_path)) == [] and sim.counters()['total'] == 0   # no file named "['a', 'b']"


def test_a_controller_clock_two_hours_ahead_loses_no_job(sim, tmp_path):
    """The portal's clock is 2 h behind the controller's: windows by the portal's Date header lose nothing."""
    answer = requests.post(sim.url + '/_sim/config', json=dict(clock_offset_s=-7200), timeout=10)
    assert answer.status_code == 200, answer.text
    watch = BackupWatch(settings(sim, tmp_path, overlap=0, since='-1h'))
    first = watch.poll()
    assert first.complete and first.portal_clock
    assert abs((first.end - _portal_now(sim)).total_seconds()) < 5        # the portal's time, not the controller's
    watch.commit(first)
    time.sleep(4)
    # completed 3 s ago by the portal's clock: after the first poll's end, before the second's
    late = add_old_job(sim, WEB01, 'Failed', _portal_now(sim) - datetime.timedelta(seconds=128), duration=125)
    assert late['completed'] > _stamp(first.end)[:19]
    outcome = watch.poll()
    assert [event['kind'] for event in ours(outcome.events, late)] == ['failed_job'], (outcome.errors, first.end, late)
    assert reasons(outcome.events) == [] and reasons(outcome.events, WEB01) == []


def test_a_portal_without_a_date_header_is_said_once(sim, tmp_path, monkeypatch):
    from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(CloutilityClient, 'portal_time', lambda self: None)
    watch = BackupWatch(settings(sim, tmp_path))
    outcome = watch.poll()
    assert outcome.complete and not outcome.portal_clock and reasons(outcome.events) == ['no_portal_clock']
    watch.commit(outcome)
    assert reasons(watch.poll().events) == []


def test_an_unreachable_portal_is_one_list_failed_event_not_a_clock_problem(sim, tmp_path):
    import socket  # pylint: disable=import-outside-toplevel
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    watch = BackupWatch(settings(sim, tmp_path, api_url='http://127.0.0.1:%d/v1' % port))
    outcome = watch.poll()
    assert not outcome.listed and reasons(outcome.events) == ['list_failed'], outcome.events
    watch.commit(outcome)
    assert reasons(watch.poll().events) == []      # told once
