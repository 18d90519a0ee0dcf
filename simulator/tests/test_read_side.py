"""Read side: reports, jobs (range rule), audit logs recorded by writes, contract, invoices, invoice files, billing."""

import datetime
import hashlib

import requests

from conftest import assert_error


def test_reports(api):
    listing = api.ok('GET', 'bunits/94/consumers/408/reports', params={'status': 'true', 'warnings': 'true'})
    assert listing['total'] >= 30
    report = listing['items'][0]
    assert report['storage'] > 0 and report['transfer'] > 0 and 'status' in report and 'warnings' in report
    again = api.ok('GET', 'bunits/94/consumers/408/reports', params={'status': 'true', 'warnings': 'true'})
    assert again['items'][0] == report  # deterministic
    plain = api.ok('GET', 'bunits/94/consumers/408/reports', params={'startDate': '2024-01-01T00:00:00Z', 'endDate': '2024-01-10T00:00:00Z'})
    assert plain['total'] == 10 and 'status' not in plain['items'][0]
    assert api.ok('GET', 'bunits/94/consumers/415/reports')['items'] == []
    latest = api.ok('GET', 'bunits/94/consumers/408/reports/latest')
    assert latest['tsmName'] == 'CONTOSO-WEB01'
    assert_error(api.get('bunits/94/consumers/415/reports/latest'), 404)
    types = api.ok('GET', 'nodewarningtypes')['items']
    assert {'id', 'name', 'description'} <= set(types[0])


def test_jobs_range_rule(api):
    first = api.ok('GET', 'bunits/94/consumers/408/jobs/first')
    assert first['completed'] and first['transferredBytes'] == 0 and first['status'] == ''
    completed = datetime.datetime.fromisoformat(first['completed'].replace('Z', '+00:00'))
    too_early = (completed - datetime.timedelta(seconds=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
    body = assert_error(api.get('bunits/94/consumers/408/jobs/first', params={'startTime': too_early}), 400)
    assert 'completed' in body['message']
    assert_error(api.get('bunits/94/consumers/408/jobs', params={'startTime': too_early}), 400)
    end = (completed + datetime.timedelta(days=5, hours=12)).strftime('%Y-%m-%dT%H:%M:%SZ')
    for path in ('jobs/first', 'jobs'):
        listing = api.ok('GET', 'bunits/94/consumers/408/' + path, params={'startTime': first['completed'], 'endTime': end})
        assert listing['total'] == 6 and listing['items'][0]['status'] in ('Completed', 'Failed')
        assert listing['items'][0]['completed'] == first['completed']
    recent = api.ok('GET', 'bunits/94/consumers/408/jobs')
    assert recent['total'] <= 2
    assert_error(api.get('bunits/94/consumers/415/jobs/first'), 404)


def test_audit_logs_recorded_by_writes(api):
    cid = api.ok('POST', 'bunits/94/consumers', json={'name': 'audited'})['id']
    api.ok('PUT', 'bunits/94/consumers/%d' % cid, json={'name': 'audited', 'note': 'x'})
    api.ok('POST', 'bunits/94/consumers/%d/node' % cid, json={'operatingSystem': {'id': 3}, 'type': {'id': 2}, 'domain': {'id': 14}})
    api.ok('GET', 'bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'AUDITED01'})
    api.get('bunits/94/consumers/%d/node/activate' % cid, params={'tsmName': 'AUDITED01'})  # fails: error entry
    logs = api.ok('GET', 'bunits/94/consumers/%d/auditlogs' % cid, params={'includeDescendants': 'true', 'orderDesc': 'false'})
    assert [e['type'] for e in logs['items']] == [100, 200, 100, 200, 400]
    assert all(e['userName'] == 'ansible@example.com' and e['consumerId'] == cid for e in logs['items'])
    only = api.ok('GET', 'bunits/94/consumers/%d/auditlogs' % cid, params=[('types', '100'), ('types', '400')])
    assert [e['type'] for e in only['items']] == [100, 100, 400]
    desc = api.ok('GET', 'bunits/94/consumers/%d/auditlogs' % cid, params={'orderDesc': 'true', 'limit': 2, 'offset': 0})
    assert [e['type'] for e in desc['items']] == [400, 200] and desc['total'] == 5
    future = api.ok('GET', 'bunits/94/consumers/%d/auditlogs' % cid, params={'startTime': '2999-01-01T00:00:00Z'})
    assert future['total'] == 0
    api.ok('DELETE', 'bunits/94/consumers/%d/node' % cid, params={'deleteAssociations': 'true', 'deletionComment': 'done'})
    unit_logs = api.ok('GET', 'bunits/94/auditlogs', params={'types': '300'})
    assert unit_logs['total'] == 2 and 'done' in unit_logs['items'][0]['message']
    assert api.ok('GET', 'bunits/76/auditlogs', params={'types': '300'})['total'] == 0
    assert api.ok('GET', 'bunits/76/auditlogs', params={'types': '300', 'includeDescendants': 'true'})['total'] == 2


def test_contract_invoices_billing(api):
    contract = api.ok('GET', 'bunits/94/contract')
    assert contract['currency'] and contract['products']
    invoices = api.ok('GET', 'bunits/94/invoices')
    assert invoices['total'] > 0
    newest = invoices['items'][0]
    date = newest['href'].rsplit('/', 1)[1]
    detail = api.ok('GET', 'bunits/94/invoices/' + date)
    assert detail['amount'] == newest['amount'] and 'rows' in detail
    assert_error(api.get('bunits/94/invoices/1999-01-01'), 404)
    assert_error(api.get('bunits/94/invoices/not-a-date'), 400)
    billing = api.ok('GET', 'bunits/22/billing', params={'includeNext': 1})
    assert billing['items'][0]['preliminary'] is True
    # Invoice date 2023-08-01 covers July 2023: only web01 (created 2023-07-09) in Contoso; the Internal proxy exists since June 2023
    july = api.ok('GET', 'bunits/94/billing/2023-08-01')
    assert [r['tsmName'] for r in july['rows']] == ['CONTOSO-WEB01']
    assert july['invoiceDateStr'] == '2023-08-01' and july['invoices'][0]['lines'][0]['startDate'] == '2023-07-01T00:00:00.000Z'
    top_july = api.ok('GET', 'bunits/22/billing/2023-08-01')
    assert {r['tsmName'] for r in top_july['rows']} == {'CONTOSO-WEB01', 'ACME-PROXY01'}
    api.ok('DELETE', 'bunits/94/consumers/408/node')
    assert [r['tsmName'] for r in api.ok('GET', 'bunits/94/billing/2023-08-01')['rows']] == ['CONTOSO-WEB01']  # deleted now, existed then


def test_invoice_files(api):
    content = b'%PDF-1.4 fake invoice'
    answer = api.post('bunits/131/invoicefiles', params={'erpReference': 'ERP-42', 'sendToBillingAddress': 'true'},
                      files={'file': ('invoice-2024-05.pdf', content, 'application/pdf')})
    assert answer.status_code == 201, answer.text
    listing = api.ok('GET', 'bunits/131/invoicefiles')
    item = listing['items'][0]
    assert item['fileName'] == 'invoice-2024-05.pdf' and item['size'] == len(content)
    assert item['sha256'] == hashlib.sha256(content).hexdigest() and item['erpReference'] == 'ERP-42' and item['uploadedDate']
    assert_error(api.post('bunits/131/invoicefiles'), 400)
    assert api.ok('GET', 'bunits/94/invoicefiles')['total'] == 0


NO_ROUTE = 'No HTTP resource was found that matches the request URI '


def _config(sim, **values):
    answer = requests.post(sim.url + '/_sim/config', json=values, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def assert_no_route(answer, path):
    """ASP.NET Web API's answer for a URI no route matches: {"Message", "MessageDetail"}."""
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert set(body) == {'Message', 'MessageDetail'}
    assert body['Message'].startswith(NO_ROUTE) and ('/v1/' + path) in body['Message']
    return body


def test_unknown_routes_answer_like_aspnet_in_both_modes(api, sim):
    for strict in (False, True):
        _config(sim, strict=strict)
        assert_no_route(api.get('bunits/94/no-such-thing'), 'bunits/94/no-such-thing')
        assert_no_route(api.get('nosuchroute'), 'nosuchroute')
        assert_error(api.get('bunits/94/consumers/999999'), 404)  # a route that exists: the API's own error body


def test_strict_mode(api, sim):
    assert _config(sim)['strict'] is False
    # A failed job three days ago: the report of that day warns, whichever seeded nights failed (those depend on the date).
    three_days_ago = datetime.datetime.now(datetime.timezone.utc).replace(hour=21, minute=0, second=0, microsecond=0) - datetime.timedelta(days=3)
    injected = requests.post(sim.url + '/_sim/jobs', json={'consumer': 408, 'status': 'Failed',
                                                           'started': three_days_ago.strftime('%Y-%m-%dT%H:%M:%S.000Z')}, timeout=5)
    assert injected.status_code in (200, 201), injected.text
    warned = api.ok('GET', 'bunits/94/consumers/408/reports', params={'warnings': 'true', 'status': 'true'})
    warnings = [w for r in warned['items'] for w in r['warnings']]
    assert warnings and all(set(w['type']) == {'id', 'href'} for w in warnings)  # a reference, named by nodewarningtypes
    empty_range = {'startDate': '2001-01-01T00:00:00Z', 'endDate': '2001-01-05T00:00:00Z'}
    assert api.ok('GET', 'bunits/94/consumers/408/reports', params=empty_range)['items'] == []
    assert api.ok('GET', 'bunits/94/consumers/423/auditlogs')['items'] == []
    assert _config(sim, strict=True)['strict'] is True
    assert_no_route(api.get('nodewarningtypes'), 'nodewarningtypes')
    body = assert_error(api.get('bunits/94/consumers/408/reports', params=empty_range), 404)
    assert 'No reports' in body['message'] and NO_ROUTE not in body['message']
    assert api.ok('GET', 'bunits/94/consumers/408/reports')['total'] >= 30  # data: answered as always
    assert_error(api.get('bunits/94/consumers/415/reports'), 404)  # a node that never backed up
    assert_error(api.get('bunits/94/consumers/423/auditlogs'), 404)
    assert_error(api.get('bunits/94/consumers/999999/auditlogs'), 404)
    first = api.ok('GET', 'bunits/94/consumers/408/jobs/first')['completed']
    after = datetime.datetime.fromisoformat(first.replace('Z', '+00:00')) + datetime.timedelta(seconds=1)
    between = {'startTime': after.strftime('%Y-%m-%dT%H:%M:%SZ'), 'endTime': (after + datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%SZ')}
    assert_error(api.get('bunits/94/consumers/408/jobs', params=between), 404)
    api.ok('PUT', 'bunits/94/consumers/423', json={'name': 'JennysWS', 'note': 'audited'})
    assert api.ok('GET', 'bunits/94/consumers/423/auditlogs')['total'] == 1
    _config(sim, strict=False, missing_routes=['^/v1/bunits/\\d+/billing'])
    assert_no_route(api.get('bunits/22/billing/2024-05-01'), 'bunits/22/billing/2024-05-01')
    assert api.ok('GET', 'nodewarningtypes')['total'] == 5
    assert_error(requests.post(sim.url + '/_sim/config', json={'strict': 'yes'}, timeout=5), 400)
    assert_error(requests.post(sim.url + '/_sim/config', json={'missing_routes': ['(']}, timeout=5), 400)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    assert _config(sim)['missing_routes'] == [] and _config(sim)['strict'] is False
