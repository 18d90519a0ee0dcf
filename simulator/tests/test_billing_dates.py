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


PUBLISHED = {'href', 'id', 'createdDate', 'invoiceDate', 'invoiceDateStr', 'summary', 'billingBusinessUnit', 'invoices'}
GUESSED = {'date', 'periodStart', 'periodEnd', 'businessUnit'}
EXTRAS = {'preliminary', 'currency', 'nodeCount', 'total', 'rows'}  # the simulator's own figures, in both shapes


def _period(data):
    """(startDate, endDate) of the lines of the billing data's invoices, checked to be the same on every line."""
    lines = [line for invoice in data['invoices'] for line in invoice['lines']]
    assert lines and len({(line['startDate'], line['endDate']) for line in lines}) == 1
    return lines[0]['startDate'], lines[0]['endDate']


def test_invoice_date_covers_the_month_before(api):
    """The published BillingData fields: invoiceDate / invoiceDateStr, no date and no period keys; the usage month
    is on the lines of its invoices (startDate / endDate, as published for InvoiceLine)."""
    data = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert set(data) == PUBLISHED | EXTRAS
    assert data['invoiceDate'] == '2025-02-01T00:00:00.000Z' and data['invoiceDateStr'] == '2025-02-01'
    assert data['href'].endswith('/v1/bunits/94/billing/2025-02-01') and data['billingBusinessUnit']['id'] == 94
    assert _period(data) == ('2025-01-01T00:00:00.000Z', '2025-01-31T23:59:59.999Z')
    invoice = data['invoices'][0]
    assert set(invoice) == {'href', 'id', 'createdDate', 'payingBusinessUnit', 'lines'}
    assert all(set(line) == {'id', 'createdDate', 'subscription', 'product', 'startDate', 'endDate', 'unitPrice', 'quantity', 'note'}
               for line in invoice['lines'])
    assert round(sum(line['unitPrice'] * line['quantity'] for line in invoice['lines']), 2) == data['total']
    assert data['summary'] == [{'currency': 'EUR', 'total': data['total']}]
    assert data['id'] == api.ok('GET', 'bunits/94/billing/2025-02-01')['id'] != api.ok('GET', 'bunits/94/billing/2025-03-01')['id']
    assert data['preliminary'] is False
    assert [r['consumer']['id'] for r in data['rows']] == [408, 415]  # db01 exists since 2024-02, never activated
    march = api.ok('GET', 'bunits/94/billing/2024-03-01')  # February 2024 of a leap year
    assert _period(march) == ('2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z')
    invoice = api.ok('GET', 'bunits/94/invoices/2025-02-01')  # the invoice of that date: the same month, the same figures
    assert (invoice['periodStart'], invoice['periodEnd']) == _period(data)
    assert invoice['amount'] == data['total'] and invoice['nodeCount'] == data['nodeCount']
    assert invoice['rows'] == data['rows']


def test_strict_takes_only_invoice_dates_lenient_any_day(api, sim):
    lenient = api.ok('GET', 'bunits/94/billing/2025-02-15')
    assert lenient == api.ok('GET', 'bunits/94/billing/2025-02-01')
    _config(sim, strict=True)
    body = assert_error(api.get('bunits/94/billing/2025-02-15'), 404)
    assert body['message'].startswith('No billing period')
    assert api.ok('GET', 'bunits/94/billing/2025-02-01')['invoiceDateStr'] == '2025-02-01'
    assert_error(api.get('bunits/94/billing/2025-02-31'), 400)
    assert_error(api.get('bunits/94/billing/Feb-2025'), 400)


def test_bounds_first_invoice_after_creation_and_thirteen_months_ahead(api):
    # Contoso (94) was created 2023-07-01: its first usage month is July 2023, its first invoice date 2023-08-01.
    assert _period(api.ok('GET', 'bunits/94/billing/2023-08-01'))[0] == '2023-07-01T00:00:00.000Z'
    assert assert_error(api.get('bunits/94/billing/2023-07-01'), 404)['message'].startswith('No billing period')
    assert_error(api.get('bunits/94/billing/2023-07-20'), 404)
    current = _current_month()
    far = api.ok('GET', 'bunits/94/billing/' + _add_months(current, 13).date().isoformat())
    assert far['preliminary'] is True
    assert_error(api.get('bunits/94/billing/' + _add_months(current, 14).date().isoformat()), 404)


def test_list_newest_is_the_first_day_of_the_current_month(api):
    current = _current_month()
    listing = api.ok('GET', 'bunits/94/billing')
    dates = [item['invoiceDateStr'] for item in listing['items']]
    assert dates[0] == current.date().isoformat()
    newest = listing['items'][0]
    assert newest['preliminary'] is False and _period(newest)[0] == _iso(_add_months(current, -1))
    assert dates[-1] == '2023-08-01'  # the first invoice after the creation month (July 2023)
    assert dates == sorted(dates, reverse=True) and len(dates) == len(set(dates)) == listing['total']
    assert len({item['id'] for item in listing['items']}) == len(dates)
    assert all(item['preliminary'] is False for item in listing['items'])
    ahead = api.ok('GET', 'bunits/94/billing', params={'includeNext': 2})
    assert ahead['total'] == listing['total'] + 2
    upcoming = ahead['items'][1]  # covers the running month
    assert upcoming['invoiceDateStr'] == _add_months(current, 1).date().isoformat() and upcoming['preliminary'] is True
    assert _period(upcoming)[0] == _iso(current)
    assert ahead['items'][0]['invoiceDateStr'] == _add_months(current, 2).date().isoformat() and ahead['items'][0]['preliminary'] is True
    assert ahead['items'][2] == newest
    invoices = api.ok('GET', 'bunits/94/invoices')
    assert [i['date'] for i in invoices['items']] == dates  # invoices: the same dates, the same months
    assert invoices['items'][0]['amount'] == newest['total']


def test_switch_billing_period_keys(api, sim):
    """Published shape: the lines lose startDate / endDate; the invoice date stays."""
    assert _config(sim)['billing_period_keys'] is True
    assert _config(sim, billing_period_keys=False)['billing_period_keys'] is False
    data = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert data['invoiceDate'] == '2025-02-01T00:00:00.000Z' and data['rows'] and not GUESSED & set(data)
    lines = [line for item in api.ok('GET', 'bunits/94/billing')['items'] for invoice in item['invoices'] for line in invoice['lines']]
    assert lines and all('startDate' not in line and 'endDate' not in line for line in lines)
    assert api.ok('GET', 'bunits/94/invoices/2025-02-01')['periodStart'] == '2025-01-01T00:00:00.000Z'  # invoices keep them
    assert_error(requests.post(sim.url + '/_sim/config', json={'billing_period_keys': 'no'}, timeout=5), 400)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    api.login()  # the reset drops the tokens
    assert _period(api.ok('GET', 'bunits/94/billing/2025-02-01'))[1] == '2025-01-31T23:59:59.999Z'


def test_switch_billing_guessed_keys(api, sim):
    """The keys earlier versions guessed: date, periodStart, periodEnd (the latter two gone with billing_period_keys
    false), none of the published ones; the same figures."""
    published = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert _config(sim)['billing_guessed_keys'] is False
    assert _config(sim, billing_guessed_keys=True)['billing_guessed_keys'] is True
    data = api.ok('GET', 'bunits/94/billing/2025-02-01')
    assert set(data) == {'href'} | GUESSED | EXTRAS
    assert data['date'] == '2025-02-01' and data['href'] == published['href']
    assert (data['periodStart'], data['periodEnd']) == ('2025-01-01T00:00:00.000Z', '2025-01-31T23:59:59.999Z')
    assert data['rows'] == published['rows'] and data['total'] == published['total']
    assert [item['date'] for item in api.ok('GET', 'bunits/94/billing')['items']][-1] == '2023-08-01'
    _config(sim, billing_period_keys=False)
    assert set(api.ok('GET', 'bunits/94/billing/2025-02-01')) == {'href', 'date', 'businessUnit'} | EXTRAS
    assert_error(requests.post(sim.url + '/_sim/config', json={'billing_guessed_keys': 1}, timeout=5), 400)
    requests.post(sim.url + '/_sim/reset', timeout=5)
    api.login()
    assert 'invoiceDate' in api.ok('GET', 'bunits/94/billing/2025-02-01')


def test_command_line_switches():
    from cloutility_simulator.__main__ import parse_args  # pylint: disable=import-outside-toplevel
    args = parse_args(['--billing-guessed-keys', '--no-billing-period-keys'])
    assert args.billing_guessed_keys and args.no_billing_period_keys
    assert not parse_args([]).billing_guessed_keys
