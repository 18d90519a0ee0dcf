# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of billing.py (cloutility_billing_info's reads) against the simulator: one request per kind asked for; the
invoice date from the published invoiceDate / invoiceDateStr (or date); the usage period of billing data (billing_periods:
from its period keys, the lines of its invoices, or derived from its invoice date with a warning); an entry whose period
cannot be told is a warning, never a failed read. The module's input rules (ARGUMENT_SPEC) for blank dates and keys."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import option_problems
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import KINDS, billing_info, billing_period, billing_periods, is_final
from ansible_collections.cloutility.cloutility.plugins.modules.cloutility_billing_info import ARGUMENT_SPEC

CONTOSO = dict(bunit='Customers/Contoso', include=list(KINDS), invoice_date=None, billing_date=None, include_next=None)


def test_every_kind_one_request_each(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, CONTOSO)
    assert (result['bunit_id'], result['bunit_path'], result['changed']) == (94, 'Acme Hosting/Customers/Contoso', False)
    assert isinstance(result['contract'], dict)
    assert all(isinstance(result[kind], list) for kind in ('invoices', 'invoice_files', 'billing'))
    assert sim.routes() == {'GET /v1/bunits': 1, 'GET /v1/bunits/{id}/contract': 1, 'GET /v1/bunits/{id}/invoices': 1,
                            'GET /v1/bunits/{id}/invoicefiles': 1, 'GET /v1/bunits/{id}/billing': 1}


def test_one_kind_of_one_date(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2024-05-01'))
    assert set(result) == {'changed', 'bunit_id', 'bunit_path', 'billing', 'billing_periods'}
    assert [entry['invoiceDateStr'] for entry in result['billing']] == ['2024-05-01']
    assert sorted(row['consumer']['id'] for row in result['billing'][0]['rows']) == [408, 415]


def test_a_date_without_data_is_empty(sim):
    client, tree = sim.reader()
    result = billing_info(client, tree, dict(CONTOSO, include=['invoices', 'billing'], invoice_date='1999-01-01', billing_date='1999-01-01'))
    assert result['invoices'] == [] and result['billing'] == []


def test_a_bad_date_is_refused_before_any_request(sim):
    client, tree = sim.reader()
    with pytest.raises(CloutilityError, match='billing_date.*YYYY-MM-DD'):
        billing_info(client, tree, dict(CONTOSO, billing_date='05/2024'))
    assert sim.counters()['total'] == 0


def test_a_missing_route_fails_instead_of_no_data(sim):
    sim.simulator.config['missing_routes'] = [r'/contract$']
    client, tree = sim.reader()
    with pytest.raises(CloutilityApiError) as caught:
        billing_info(client, tree, dict(CONTOSO, include=['contract']))
    assert caught.value.route_missing


# ----------------------------------------------------------------------------- usage periods
JANUARY_2025 = dict(invoice_date='2025-02-01', start='2025-01-01', end='2025-01-31', month='2025-01')
LINES_OF_JANUARY = [{'lines': [{'startDate': '2025-01-01T00:00:00.000Z', 'endDate': '2025-01-31T23:59:59.999Z'}]}]


def test_the_published_invoice_date_and_the_period_of_the_invoice_lines(sim):
    """issue 29: billing data with the published invoiceDate / invoiceDateStr and no date key was a failed read
    ("Billing data without its invoice date (key date)"). Its period is the startDate / endDate of its invoice lines."""
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01'), warn=warnings.append)
    entry = result['billing'][0]  # the entry as the API gives it
    assert 'date' not in entry and entry['invoiceDate'] == '2025-02-01T00:00:00.000Z'
    assert result['billing_periods'] == {'2025-02-01': dict(JANUARY_2025, source='invoice_lines')}
    assert warnings == []


def test_the_list_of_published_billing_data_is_read_whole(sim):
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], include_next=1), warn=warnings.append)
    assert len(result['billing']) > 12 and len(result['billing_periods']) == len(result['billing'])
    assert sorted(result['billing_periods']) == sorted(entry['invoiceDateStr'] for entry in result['billing'])
    assert all(period['source'] == 'invoice_lines' for period in result['billing_periods'].values())
    assert result['billing_periods']['2023-08-01']['month'] == '2023-07' and warnings == []


def test_the_older_guesses_are_still_read(sim):
    """A portal that sends date / periodStart / periodEnd (the simulator's billing_guessed_keys)."""
    sim.simulator.config['billing_guessed_keys'] = True
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01'), warn=warnings.append)
    assert result['billing'][0]['date'] == '2025-02-01' and result['billing'][0]['periodStart'] == '2025-01-01T00:00:00.000Z'
    assert result['billing_periods'] == {'2025-02-01': dict(JANUARY_2025, source='period_keys')}
    assert warnings == []


@pytest.mark.parametrize('guessed', [False, True])
def test_without_a_period_the_month_before_the_invoice_date_with_one_warning(sim, guessed):
    """No period keys and no dated invoice lines: the period is derived, and the task says so once for all entries."""
    sim.simulator.config.update(billing_period_keys=False, billing_guessed_keys=guessed)
    client, tree = sim.reader()
    warnings = []
    one = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01'), warn=warnings.append)
    assert 'periodStart' not in one['billing'][0]
    assert one['billing_periods'] == {'2025-02-01': dict(JANUARY_2025, source='derived_from_invoice_date')}
    assert len(warnings) == 1
    assert 'invoice date 2025-02-01 has no periodStart and periodEnd and no invoice lines with startDate and endDate' in warnings[0]
    assert 'calendar month before' in warnings[0] and 'period_start_key and period_end_key' in warnings[0]
    warnings = []
    every = billing_info(client, tree, dict(CONTOSO, include=['billing']), warn=warnings.append)
    assert len(every['billing']) > 2 and len(every['billing_periods']) == len(every['billing'])
    assert all(period['source'] == 'derived_from_invoice_date' for period in every['billing_periods'].values())
    assert len(warnings) == 1 and ', '.join(sorted(every['billing_periods'])) in warnings[0]


def test_the_invoice_date_keys_in_their_order():
    assert billing_period({'invoiceDate': '2025-02-01T00:00:00', 'invoices': LINES_OF_JANUARY})['invoice_date'] == '2025-02-01'
    assert billing_period({'invoiceDateStr': '2025-02-01'})['invoice_date'] == '2025-02-01'
    assert billing_period({'date': '2025-02-01'})['invoice_date'] == '2025-02-01'
    both = {'invoiceDate': '2025-02-01T00:00:00+01:00', 'invoiceDateStr': '2025-02-01', 'date': '2025-02-01'}
    assert billing_period(both) == dict(JANUARY_2025, source='derived_from_invoice_date')
    # invoice_date_key: that key only, the others ignored.
    assert billing_period({'billedOn': '2025-03-01', 'invoiceDate': '2025-02-01'}, invoice_date_key='billedOn')['month'] == '2025-02'
    with pytest.raises(CloutilityError, match=r'^it has no invoice date \(key date\); set invoice_date_key'):
        billing_period({'invoiceDate': '2025-02-01'}, invoice_date_key='date')
    with pytest.raises(CloutilityError, match=r'^it has no invoice date \(key invoiceDate or invoiceDateStr or date\)'):
        billing_period({'id': 7, 'invoices': LINES_OF_JANUARY})


def test_invoice_date_keys_on_different_days_give_no_period():
    """invoiceDate as UTC (the evening before) and invoiceDateStr as the portal's day: which month is billed cannot be told."""
    with pytest.raises(CloutilityError, match=r"its invoice date keys disagree \(invoiceDate '2025-01-31T23:00:00Z', invoiceDateStr "
                                              r"'2025-02-01'\); set invoice_date_key"):
        billing_period({'invoiceDate': '2025-01-31T23:00:00Z', 'invoiceDateStr': '2025-02-01'})


def test_the_lines_period_is_the_earliest_start_and_the_latest_end():
    entry = {'invoiceDate': '2025-04-01', 'invoices': [
        {'lines': [{'startDate': '2025-02-10', 'endDate': '2025-02-28'}, {'startDate': '2025-01-01', 'endDate': '2025-01-31'},
                   {'quantity': 1}]},  # a line without dates does not count
        {'lines': [{'startDate': '2025-03-01T00:00:00+01:00', 'endDate': '2025-03-31T23:59:59+01:00'}]}]}
    assert billing_period(entry) == dict(invoice_date='2025-04-01', start='2025-01-01', end='2025-03-31', month='2025-01',
                                         source='invoice_lines')
    # The entry's period keys come first.
    assert billing_period(dict(entry, periodStart='2025-03-01', periodEnd='2025-03-31'))['source'] == 'period_keys'
    # No lines, lines without dates, or no invoices: derived.
    for invoices in ([], [{'lines': []}], [{'lines': [{'startDate': '2025-01-01'}]}], None, 'none'):
        assert billing_period({'invoiceDate': '2025-02-01', 'invoices': invoices})['source'] == 'derived_from_invoice_date'


def test_an_exclusive_line_end_keeps_the_month_and_moves_the_end_a_day():
    """The assumption (billing.py): endDate is the last day. A portal that ends lines at the first instant after the
    period still gets the right month (labelled by the start); its end is a day late, so latest waits a day longer."""
    entry = {'invoiceDate': '2025-02-01T00:00:00', 'invoices': [{'lines': [{'startDate': '2025-01-01T00:00:00', 'endDate': '2025-02-01T00:00:00'}]}]}
    period = billing_period(entry)
    assert (period['month'], period['start'], period['end']) == ('2025-01', '2025-01-01', '2025-02-01')
    assert not is_final(entry, period, datetime.date(2025, 2, 1)) and is_final(entry, period, datetime.date(2025, 2, 2))


def test_the_period_keys_can_be_renamed():
    entry = {'date': '2025-02-01', 'usageFrom': '2025-01-01', 'usageTo': '2025-01-31T23:59:59+01:00', 'periodStart': 'ignored'}
    assert billing_period(entry, 'usageFrom', 'usageTo') == dict(JANUARY_2025, source='period_keys')
    # The date part as written: a period of the portal's own time zone is not moved to the day before in UTC.
    local = {'invoiceDate': '2025-03-01T00:00:00+01:00', 'usageFrom': '2025-02-01T00:00:00+01:00', 'usageTo': '2025-02-28T23:59:59.999+01:00'}
    february = dict(invoice_date='2025-03-01', start='2025-02-01', end='2025-02-28', month='2025-02', source='period_keys')
    assert billing_period(local, 'usageFrom', 'usageTo') == february


def test_a_period_not_of_a_calendar_month_keeps_its_own_dates():
    entry = {'invoiceDate': '2025-04-01', 'periodStart': '2025-01-01', 'periodEnd': '2025-03-31'}  # a quarter, invoiced after it
    assert billing_period(entry) == dict(invoice_date='2025-04-01', start='2025-01-01', end='2025-03-31', month='2025-01',
                                         source='period_keys')


def test_renamed_keys_the_data_does_not_have_fall_back_to_the_invoice_lines(sim):
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01', period_start_key='usageFrom',
                                             period_end_key='usageTo'), warn=warnings.append)
    assert result['billing_periods']['2025-02-01'] == dict(JANUARY_2025, source='invoice_lines') and warnings == []
    sim.simulator.config['billing_period_keys'] = False
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01', period_start_key='usageFrom',
                                             period_end_key='usageTo'), warn=warnings.append)
    assert result['billing_periods']['2025-02-01']['source'] == 'derived_from_invoice_date'
    assert len(warnings) == 1 and 'has no usageFrom and usageTo' in warnings[0]


@pytest.mark.parametrize('entry, problem', [
    ({'id': 7, 'summary': []}, r"billing data id 7 has no usage period in billing_periods: it has no invoice date"),
    ({'invoiceDate': '02/2025'}, r"invoiceDate of the billing data is '02/2025', not a date"),
    ({'invoiceDate': '2025-02-01', 'periodEnd': 'January', 'periodStart': '2025-01-01'},
     r"periodEnd of the billing data with invoice date 2025-02-01 is 'January', not a date"),
    ({'invoiceDate': '2025-03-01', 'periodStart': '2025-02-30', 'periodEnd': '2025-02-28'}, r"periodStart .* is '2025-02-30', not a date"),
    ({'invoiceDate': '2025-02-01', 'periodStart': '2025-01-01'},
     r"it has periodStart \('2025-01-01'\) but no periodEnd; set period_start_key and period_end_key"),
    ({'invoiceDate': '2025-02-01', 'periodStart': '2025-01-01', 'periodEnd': '2024-12-31'},
     r'its periodEnd \(2024-12-31\) is before its periodStart \(2025-01-01\)'),
    ({'invoiceDate': '2025-02-01', 'invoices': [{'lines': [{'startDate': '2025-01-01', 'endDate': 'soon'}]}]},
     r"invoices\[\]\.lines\[\]\.endDate of the billing data with invoice date 2025-02-01 is 'soon', not a date"),
    ('not an entry', r"billing data number 1 in the answer has no usage period.*it is 'not an entry', not an object"),
])
def test_a_period_that_cannot_be_told_is_a_warning_on_that_entry_only(entry, problem):
    """issue 29: never a failed read of all billing data; never a guessed month for that entry either."""
    warnings = []
    good = {'invoiceDateStr': '2024-12-01', 'invoices': [{'lines': [{'startDate': '2024-11-01', 'endDate': '2024-11-30'}]}]}
    periods = billing_periods([entry, good], warn=warnings.append)
    assert periods == {'2024-12-01': dict(invoice_date='2024-12-01', start='2024-11-01', end='2024-11-30', month='2024-11',
                                          source='invoice_lines')}
    assert len(warnings) == 1, warnings
    assert re.search(problem, warnings[0]), warnings[0]
    assert 'The entry is returned as the portal gave it' in warnings[0]


def test_a_key_that_is_no_date_is_a_warning_and_the_data_is_returned(sim):
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], period_start_key='currency', period_end_key='total'),
                          warn=warnings.append)
    assert len(result['billing']) > 12 and result['billing_periods'] == {}
    assert len(warnings) == len(result['billing'])
    assert "currency of the billing data with invoice date 2025-02-01 is 'EUR', not a date" in ' '.join(warnings)


def test_derived_periods_cross_the_year_and_warn_once():
    warnings = []
    periods = billing_periods([{'invoiceDate': '2025-01-01'}, {'invoiceDateStr': '2024-03-01'},
                               {'date': '2024-12-01', 'periodStart': '2024-11-01', 'periodEnd': '2024-11-30'}], warn=warnings.append)
    assert periods['2025-01-01'] == dict(invoice_date='2025-01-01', start='2024-12-01', end='2024-12-31', month='2024-12',
                                         source='derived_from_invoice_date')
    assert periods['2024-03-01'] == dict(invoice_date='2024-03-01', start='2024-02-01', end='2024-02-29', month='2024-02',
                                         source='derived_from_invoice_date')
    assert periods['2024-12-01']['source'] == 'period_keys'
    assert len(warnings) == 1 and 'invoice date 2024-03-01, 2025-01-01 has no' in warnings[0]


def test_final_means_not_preliminary_and_the_period_ended():
    today = datetime.date(2025, 2, 3)
    january = billing_period({'invoiceDate': '2025-02-01'})
    february = billing_period({'invoiceDate': '2025-03-01'})
    assert is_final({'invoiceDate': '2025-02-01'}, january, today)
    assert not is_final({'invoiceDate': '2025-02-01', 'preliminary': True}, january, today)
    assert not is_final({'invoiceDate': '2025-03-01', 'preliminary': False}, february, today)  # February is still running
    assert not is_final({'invoiceDate': '2025-02-01'}, january, datetime.date(2025, 1, 31))  # the last day is not over


def _this_month():
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return today.replace(day=1).isoformat(), (today.replace(day=1) - datetime.timedelta(days=1)).isoformat()[:7]


@pytest.mark.parametrize('guessed', [False, True])
def test_latest_is_the_newest_final_billing_data(sim, guessed):
    """The list holds last month's usage (invoice date: the first of this month) as its newest final entry."""
    sim.simulator.config['billing_guessed_keys'] = guessed
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='latest'), warn=warnings.append)
    first, last_month = _this_month()
    assert [entry.get('date' if guessed else 'invoiceDateStr') for entry in result['billing']] == [first]
    assert result['billing'][0]['preliminary'] is False
    assert list(result['billing_periods']) == [first] and result['billing_periods'][first]['month'] == last_month
    assert result['billing_periods'][first]['source'] == ('period_keys' if guessed else 'invoice_lines')
    assert warnings == []
    assert sim.routes() == {'GET /v1/bunits': 1, 'GET /v1/bunits/{id}/billing': 1}


def test_latest_without_a_period_is_still_last_month(sim):
    sim.simulator.config['billing_period_keys'] = False
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='LATEST'), warn=warnings.append)
    first, last_month = _this_month()
    period = result['billing_periods'][first]
    assert period['month'] == last_month
    assert period['source'] == 'derived_from_invoice_date' and len(warnings) == 1 and first in warnings[0]


def test_latest_never_chooses_an_entry_whose_period_cannot_be_told(sim):
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='latest', invoice_date_key='date'),
                          warn=warnings.append)
    assert result['billing'] == [] and result['billing_periods'] == {}
    assert len(warnings) > 12 and all('it has no invoice date (key date)' in warning for warning in warnings)


@pytest.mark.parametrize('bad, message', [
    (dict(billing_date='2025-02'), r"billing_date: '2025-02' is not a date in the form YYYY-MM-DD .*, or latest"),
    (dict(billing_date='newest'), r"billing_date: 'newest' is not a date"),
    (dict(period_start_key='  '), r"period_start_key must name a key of the billing data \(default periodStart\)"),
    (dict(period_end_key=''), r"period_end_key must name a key of the billing data \(default periodEnd\)"),
    (dict(invoice_date_key=' '), r"invoice_date_key must name a key of the billing data \(default invoiceDate, then invoiceDateStr, "
                                 r"then date\)"),
    # issue 29: include_next with billing_date was accepted (and had no effect).
    (dict(billing_date='2025-02-01', include_next=2), r'^include_next has no effect with billing_date .*: remove include_next, or '
                                                      r'remove billing_date'),
    (dict(billing_date='latest', include_next=0), r'^include_next has no effect with billing_date'),
])
def test_bad_billing_options_are_refused_before_any_request(sim, bad, message):
    client, tree = sim.reader()
    with pytest.raises(CloutilityError, match=message):
        billing_info(client, tree, dict(CONTOSO, include=['billing'], **bad))
    assert sim.counters()['total'] == 0


def _module_problems(**given):
    params = dict((name, option.get('default')) for name, option in ARGUMENT_SPEC.items())
    params.update(given)
    return option_problems(ARGUMENT_SPEC, params, given)


@pytest.mark.parametrize('option', ['billing_date', 'invoice_date', 'invoice_date_key', 'period_start_key', 'period_end_key'])
@pytest.mark.parametrize('value', ['', ' ', '\t'])
def test_the_module_refuses_blank_dates_and_keys(option, value):
    """issue 29: billing_date " " read everything (parse_day takes blank as not given); the module's input rules refuse it."""
    assert _module_problems(**{option: value}) == ['%s must not be empty or blank' % option]


def test_the_module_takes_its_good_options():
    assert _module_problems(billing_date='latest', invoice_date='2025-02-01', invoice_date_key='invoiceDate', include_next=None) == []
    assert _module_problems(include_next=-1) == ['include_next must be 0 or more, not -1']
