"""POST /_sim/jobs: jobs that failed, were missed, warned or completed, served by GET .../jobs and seen in the reports."""

import datetime

import requests

from conftest import assert_error

JOB_KEYS = {'href', 'id', 'type', 'scheduleName', 'status', 'returnCode', 'started', 'completed', 'duration', 'transferredBytes',
            'numberOfFiles', 'tsmName', 'consumer'}


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.000Z')


def _parse(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


def _midnight_days_ago(days):
    today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - datetime.timedelta(days=days)


def add_job(sim, **body):
    return requests.post(sim.url + '/_sim/jobs', json=body, timeout=5)


def test_failed_job_is_served_by_jobs_with_the_generated_ones(api, sim):
    started = _midnight_days_ago(3) + datetime.timedelta(hours=21, minutes=30)
    answer = add_job(sim, consumer=408, status='Failed', started=_iso(started))
    assert answer.status_code == 201, answer.text
    job = answer.json()
    assert set(job) == JOB_KEYS
    assert job['status'] == 'Failed' and job['returnCode'] == 12 and job['type'] == 'Backup'
    assert job['started'] == _iso(started) and job['duration'] == 120
    assert _parse(job['completed']) - _parse(job['started']) == datetime.timedelta(seconds=120)
    assert job['consumer'] == {'id': 408, 'name': 'web01'} and job['tsmName'] == 'CONTOSO-WEB01'
    assert job['href'].endswith('/v1/bunits/94/consumers/408/jobs/%d' % job['id'])
    assert job['id'] >= 900000000 and job['id'] % 100000 >= 90000  # never a generated id (node id * 100000 + index)
    window = {'startTime': _iso(started - datetime.timedelta(hours=1)), 'endTime': _iso(started + datetime.timedelta(days=1))}
    listing = api.ok('GET', 'bunits/94/consumers/408/jobs', params=window)
    assert job in listing['items']
    generated = [j for j in listing['items'] if j['id'] != job['id']]
    assert generated and all(set(j) == JOB_KEYS for j in generated)
    completions = [_parse(j['completed']) for j in listing['items']]
    assert completions == sorted(completions)
    assert job in api.ok('GET', 'bunits/94/consumers/408/jobs/first', params=window)['items']
    outside = {'startTime': _iso(started + datetime.timedelta(minutes=3)), 'endTime': window['endTime']}
    assert job not in api.ok('GET', 'bunits/94/consumers/408/jobs', params=outside)['items']  # completed before startTime


def test_missed_warning_completed_and_return_codes(api, sim):
    started = _midnight_days_ago(4) + datetime.timedelta(hours=22)
    missed = add_job(sim, consumer=431, status='Missed', started=_iso(started)).json()
    assert missed['completed'] == missed['started'] == _iso(started)
    assert (missed['duration'], missed['transferredBytes'], missed['numberOfFiles'], missed['returnCode']) == (0, 0, 0, None)
    warning = add_job(sim, consumer=431, status='Warning', started=_iso(started + datetime.timedelta(minutes=1))).json()
    completed = add_job(sim, consumer=431, status='Completed', started=_iso(started + datetime.timedelta(minutes=2))).json()
    custom = add_job(sim, consumer=431, status='Failed', returnCode=8, started=_iso(started + datetime.timedelta(minutes=3))).json()
    assert (warning['returnCode'], completed['returnCode'], custom['returnCode']) == (4, 0, 8)
    assert warning['transferredBytes'] > 0 and completed['numberOfFiles'] > 0
    assert len({missed['id'], warning['id'], completed['id'], custom['id']}) == 4
    window = {'startTime': _iso(started), 'endTime': _iso(started + datetime.timedelta(minutes=30))}
    listing = api.ok('GET', 'bunits/131/consumers/431/jobs', params=window)['items']
    injected = [j for j in listing if j['id'] >= 900000000]
    assert injected == [missed, custom, warning, completed]  # by completion: 22:00, 22:05, 22:06, 22:07
    completions = [_parse(j['completed']) for j in listing]
    assert completions == sorted(completions)
    default = add_job(sim, consumer=431, status='Completed').json()  # started ten minutes ago, completed five minutes ago
    now = datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=9) < now - _parse(default['started']) < datetime.timedelta(minutes=11)
    assert default in api.ok('GET', 'bunits/131/consumers/431/jobs')['items']  # the last 24 hours


def test_refused_jobs(sim):
    for body in ({'consumer': 415, 'status': 'Failed'},    # node not activated
                 {'consumer': 423, 'status': 'Failed'},    # no node
                 {'consumer': 999999, 'status': 'Failed'},
                 {'consumer': 408, 'status': 'Exploded'},
                 {'consumer': 408},
                 {'consumer': '408', 'status': 'Failed'},
                 {'consumer': 408, 'status': 'Failed', 'started': 'yesterday'},
                 {'consumer': 408, 'status': 'Failed', 'returnCode': 'twelve'}):
        assert_error(add_job(sim, **body), 400)


def test_reports_show_failed_and_missed_jobs(api, sim):
    failed_day = _midnight_days_ago(5)
    missed_day = _midnight_days_ago(6)
    add_job(sim, consumer=408, status='Failed', returnCode=13, started=_iso(failed_day + datetime.timedelta(hours=22)))
    add_job(sim, consumer=408, status='Missed', started=_iso(missed_day + datetime.timedelta(hours=22)))
    reports = api.ok('GET', 'bunits/94/consumers/408/reports', params={
        'startDate': _iso(missed_day), 'endDate': _iso(failed_day), 'status': 'true', 'warnings': 'true'})['items']
    by_date = {r['date']: r for r in reports}
    failed = by_date[_iso(failed_day)]
    assert failed['status'] == {'id': 2, 'name': 'Failed'}
    assert {'type': {'id': 2, 'href': sim.url + '/v1/nodewarningtypes/2'}, 'message': 'Scheduled backup ended with return code 13'} in failed['warnings']
    missed = by_date[_iso(missed_day)]
    assert any(w['type']['id'] == 4 and 'missed' in w['message'] for w in missed['warnings'])
    assert not any(w['type']['id'] == 4 for w in failed['warnings'])
    names = {t['id']: t['name'] for t in api.ok('GET', 'nodewarningtypes')['items']}
    assert names[2] == 'FailedBackup' and names[4] == 'MissedSchedule'
    add_job(sim, consumer=408, status='Failed', started=_iso(_midnight_days_ago(0)))
    latest = api.ok('GET', 'bunits/94/consumers/408/reports/latest')
    assert latest['date'] == _iso(_midnight_days_ago(0)) and latest['status']['name'] == 'Failed'
    assert any(w['type']['id'] == 2 and w['message'].endswith('return code 12') for w in latest['warnings'])


def test_reset_clears_jobs_and_first_job_of_a_new_node(api, sim):
    cid = api.ok('POST', 'bunits/94/consumers', json={'name': 'fresh'})['id']
    api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json={'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 14}})
    assert_error(add_job(sim, consumer=cid, status='Failed'), 400)  # not activated yet
    api.ok('GET', 'bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'FRESH01'})
    assert_error(api.get('bunits/94/consumers/%d/jobs/first' % cid), 404)  # its first generated job is hours ahead
    job = add_job(sim, consumer=cid, status='Failed').json()
    first = api.ok('GET', 'bunits/94/consumers/%d/jobs/first' % cid)
    assert first['completed'] == job['completed'] and first['status'] == '' and first['transferredBytes'] == 0
    assert api.ok('GET', 'bunits/94/consumers/%d/jobs' % cid, params={'startTime': first['completed']})['items'] == [job]
    assert 'injectedJobs' in requests.get(sim.url + '/_sim/state', timeout=5).json()
    requests.post(sim.url + '/_sim/reset', timeout=5)
    api.login()
    started = _midnight_days_ago(3) + datetime.timedelta(hours=21)
    job = add_job(sim, consumer=408, status='Failed', started=_iso(started)).json()
    requests.post(sim.url + '/_sim/reset', timeout=5)
    api.login()
    window = {'startTime': _iso(started), 'endTime': _iso(started + datetime.timedelta(hours=1))}
    assert job not in api.ok('GET', 'bunits/94/consumers/408/jobs', params=window)['items']
    assert requests.get(sim.url + '/_sim/state', timeout=5).json()['injectedJobs'] == []


def test_the_clock_can_run_off_and_every_answer_has_its_date_header(api, sim):
    """config clock_offset_s: the Date header, createdDates and job times together (a controller whose clock is off)."""
    import email.utils  # pylint: disable=import-outside-toplevel
    real = datetime.datetime.now(datetime.timezone.utc)
    for answer in (api.get('bunits'), api.get('bunits/999999'), requests.get(sim.url + '/_sim/config', timeout=5)):
        assert abs((email.utils.parsedate_to_datetime(answer.headers['Date']) - real).total_seconds()) < 5
        assert len(answer.raw.headers.getlist('Date')) == 1
    answer = requests.post(sim.url + '/_sim/config', json={'clock_offset_s': -7200}, timeout=5)
    assert answer.status_code == 200 and answer.json()['clock_offset_s'] == -7200
    behind = real - datetime.timedelta(hours=2)
    for answer in (api.get('bunits'), api.get('bunits/999999'), requests.get(sim.url + '/_sim/state', timeout=5)):
        date = email.utils.parsedate_to_datetime(answer.headers['Date'])
        assert abs((date - behind).total_seconds()) < 5, answer.headers['Date']
        assert len(answer.raw.headers.getlist('Date')) == 1
    job = add_job(sim, consumer=408, status='Failed').json()    # started 10 minutes ago by the portal's clock
    assert abs((_parse(job['started']) - (behind - datetime.timedelta(minutes=10))).total_seconds()) < 5
    unit = api.ok('POST', 'bunits/94/consumers', json={'name': 'clock-test'})
    assert abs((_parse(unit['createdDate']) - behind).total_seconds()) < 5
    recent = {'startTime': _iso(behind - datetime.timedelta(minutes=30)), 'endTime': _iso(behind + datetime.timedelta(hours=3))}
    assert job['id'] in [item['id'] for item in api.ok('GET', 'bunits/94/consumers/408/jobs', params=recent)['items']]
    for bad in ('2h', True, 10 ** 12):
        assert requests.post(sim.url + '/_sim/config', json={'clock_offset_s': bad}, timeout=5).status_code == 400
    requests.post(sim.url + '/_sim/reset', timeout=5)
    assert requests.get(sim.url + '/_sim/config', timeout=5).json()['clock_offset_s'] == 0


def test_reports_and_jobs_agree_on_every_seeded_night(api, sim):
    """A report says a backup failed exactly when the seeded job that started that day failed (and had ended)."""
    end = datetime.datetime.now(datetime.timezone.utc)
    start = end - datetime.timedelta(days=120)
    for bunit, consumer in ((94, 408), (131, 431), (157, 456)):
        jobs, offset = [], 0
        while True:
            page = api.ok('GET', 'bunits/%d/consumers/%d/jobs' % (bunit, consumer),
                          params={'startTime': _iso(start), 'endTime': _iso(end), 'offset': offset})
            jobs += page['items']
            offset += len(page['items'])
            if not page['items'] or offset >= page['total']:
                break
        failed_days = {job['started'][:10] for job in jobs if job['status'] == 'Failed'}
        assert failed_days, 'in 120 nights some seeded job fails (one in nineteen)'
        reports, offset = [], 0
        while True:
            page = api.ok('GET', 'bunits/%d/consumers/%d/reports' % (bunit, consumer), params={
                'startDate': _iso(start + datetime.timedelta(days=1)), 'endDate': _iso(end), 'status': 'true', 'warnings': 'true',
                'offset': offset})
            reports += page['items']
            offset += len(page['items'])
            if not page['items'] or offset >= page['total']:
                break
        said_failed = {r['date'][:10] for r in reports if r['status']['name'] == 'Failed'}
        report_days = {r['date'][:10] for r in reports}
        assert said_failed == failed_days & report_days
        for report in reports:
            warned = any(w['message'].endswith('return code 12') for w in report['warnings'])
            assert warned == (report['date'][:10] in failed_days)
