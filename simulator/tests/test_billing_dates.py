"""Billing data keyed by invoice date: GET .../billing/{D} covers the month before D (as the invoice dated D)."""

import datetime

import requests

from conftest import assert_error


def _config(sim, **values):
    answer = requests.post(sim.url + '/_sim/config', json=values, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _month_start(value):
    return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _add_months(value, count):
    month = value.month - 1 + count
    return value.replace(year=value.year + month // 12, month=month % 12 + 1, day=1)


def _current_month():
    return _month_start(datetime.datetime.now(datetime.timezone.utc))


def _iso(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.000Z')


def test_invoice_date_covers_the_month_before(api):
    data = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert data['date'] == '2025-02-01' and data['href'].endswith('/v1/bunits/94/billing/2025-02-01')
    assert data['periodStart'] == '2025-01-01T00:00:00.000Z'
    assert data['periodEnd'] == '2025-01-31T23:59:59.999Z'
    assert data['preliminary'] is False
    assert [r['consumer']['id'] for r in data['rows']] == [408, 415]  # db01 exists since 2024-02, never activated
    march = api.ok('GET', 'bunits/94/billing/2024-03-01')  # February 2024 of a leap year
    assert (march['periodStart'], march['periodEnd']) == ('2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z')
    invoice = api.ok('GET', 'bunits/94/invoices/2025-02-01')  # the invoice of that date: the same month, the same figures
    assert (invoice['periodStart'], invoice['periodEnd']) == (data['periodStart'], data['periodEnd'])
    assert invoice['amount'] == data['total'] and invoice['nodeCount'] == data['nodeCount']
    assert invoice['rows'] == data['rows']


def test_strict_takes_only_invoice_dates_lenient_any_day(api, sim):
    lenient = api.ok('GET', 'bunits/94/billing/2025-02-15')
    assert lenient == api.ok('GET', 'bunits/94/billing/2025-02-01')
    _config(sim, strict=True)
    body = assert_error(api.get('bunits/94/billing/2025-02-15'), 404)
    assert body['message'].startswith('No billing period')
    assert api.ok('GET', 'bunits/94/billing/2025-02-01')['date'] == '2025-02-01'
    assert_error(api.get('bunits/94/billing/2025-02-31'), 400)
    assert_error(api.get('bunits/94/billing/Feb-2025'), 400)


def test_bounds_first_invoice_after_creation_and_thirteen_months_ahead(api):
    # Contoso (94) was created 2023-07-01: its first usage month is July 2023, its first invoice date 2023-08-01.
    assert api.ok('GET', 'bunits/94/billing/2023-08-01')['periodStart'] == '2023-07-01T00:00:00.000Z'
    assert assert_error(api.get('bunits/94/billing/2023-07-01'), 404)['message'].startswith('No billing period')
    assert_error(api.get('bunits/94/billing/2023-07-20'), 404)
    current = _current_month()
    far = api.ok('GET', 'bunits/94/billing/' + _add_months(current, 13).date().isoformat())
    assert far['preliminary'] is True
    assert_error(api.get('bunits/94/billing/' + _add_months(current, 14).date().isoformat()), 404)


def test_list_newest_is_the_first_day_of_the_current_month(api):
    current = _current_month()
    listing = api.ok('GET', 'bunits/94/billing')
    dates = [item['date'] for item in listing['items']]
    assert dates[0] == current.date().isoformat()
    newest = listing['items'][0]
    assert newest['preliminary'] is False and newest['periodStart'] == _iso(_add_months(current, -1))
    assert dates[-1] == '2023-08-01'  # the first invoice after the creation month (July 2023)
    assert dates == sorted(dates, reverse=True) and len(dates) == len(set(dates)) == listing['total']
    assert all(item['preliminary'] is False for item in listing['items'])
    ahead = api.ok('GET', 'bunits/94/billing', params={'includeNext': 2})
    assert ahead['total'] == listing['total'] + 2
    upcoming = ahead['items'][1]  # covers the running month
    assert upcoming['date'] == _add_months(current, 1).date().isoformat() and upcoming['preliminary'] is True
    assert upcoming['periodStart'] == _iso(current)
    assert ahead['items'][0]['date'] == _add_months(current, 2).date().isoformat() and ahead['items'][0]['preliminary'] is True
    assert ahead['items'][2] == newest
    invoices = api.ok('GET', 'bunits/94/invoices')
    assert [i['date'] for i in invoices['items']] == dates  # invoices: the same dates, the same months
    assert invoices['items'][0]['amount'] == newest['total']


def test_switch_billing_period_keys(api, sim):
    assert _config(sim)['billing_period_keys'] is True
    assert _config(sim, billing_period_keys=False)['billing_period_keys'] is False
    data = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert 'periodStart' not in data and 'periodEnd' not in data
    assert data['date'] == '2025-02-01' and data['rows']
    assert all('periodStart' not in item and 'periodEnd' not in item for item in api.ok('GET', 'bunits/94/billing')['items'])
    assert api.ok('GET', 'bunits/94/invoices/2025-02-01')['periodStart'] == '2025-01-01T00:00:00.000Z'  # invoices keep them
    assert_error(requests.post(sim.url + '/_sim/config', json={'billing_period_keys': 'no'}, timeout=5), 400)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    api.login()  # the reset drops the tokens
    assert api.ok('GET', 'bunits/94/billing/2025-02-01')['periodEnd'] == '2025-01-31T23:59:59.999Z'
