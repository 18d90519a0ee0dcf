# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of billing.py (cloutility_billing_info's reads) against the simulator: one request per kind asked for; the
usage period of billing data (billing_periods: from its period keys, or derived from its invoice date with a warning)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import KINDS, billing_info, billing_period, billing_periods, is_final

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
    assert [entry['date'] for entry in result['billing']] == ['2024-05-01']
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


def test_the_period_is_labelled_from_the_data_not_the_invoice_date(sim):
    """Invoice date 2025-02-01 bills January 2025 (the simulator's periodStart / periodEnd): the label is 2025-01."""
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01'), warn=warnings.append)
    assert result['billing'][0]['date'] == '2025-02-01'  # the entry as the API gives it
    assert result['billing'][0]['periodStart'] == '2025-01-01T00:00:00.000Z'
    assert result['billing_periods'] == {'2025-02-01': dict(JANUARY_2025, source='period_keys')}
    assert warnings == []


def test_without_period_keys_the_month_before_the_invoice_date_with_one_warning(sim):
    """A portal that sends no periodStart / periodEnd: the period is derived, and the task says so once for all entries."""
    sim.simulator.config['billing_period_keys'] = False
    client, tree = sim.reader()
    warnings = []
    one = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01'), warn=warnings.append)
    assert 'periodStart' not in one['billing'][0]
    assert one['billing_periods'] == {'2025-02-01': dict(JANUARY_2025, source='derived_from_invoice_date')}
    assert len(warnings) == 1
    assert 'invoice date 2025-02-01 has no periodStart and periodEnd' in warnings[0]
    assert 'calendar month before' in warnings[0] and 'period_start_key and period_end_key' in warnings[0]
    warnings = []
    every = billing_info(client, tree, dict(CONTOSO, include=['billing']), warn=warnings.append)
    assert len(every['billing']) > 2 and len(every['billing_periods']) == len(every['billing'])
    assert all(period['source'] == 'derived_from_invoice_date' for period in every['billing_periods'].values())
    assert len(warnings) == 1 and ', '.join(sorted(every['billing_periods'])) in warnings[0]


def test_the_period_keys_can_be_renamed():
    entry = {'date': '2025-02-01', 'usageFrom': '2025-01-01', 'usageTo': '2025-01-31T23:59:59+01:00', 'periodStart': 'ignored'}
    assert billing_period(entry, 'usageFrom', 'usageTo') == dict(JANUARY_2025, source='period_keys')
    # The date part as written: a period of the portal's own time zone is not moved to the day before in UTC.
    local = {'date': '2025-03-01T00:00:00+01:00', 'usageFrom': '2025-02-01T00:00:00+01:00', 'usageTo': '2025-02-28T23:59:59.999+01:00'}
    february = dict(invoice_date='2025-03-01', start='2025-02-01', end='2025-02-28', month='2025-02', source='period_keys')
    assert billing_period(local, 'usageFrom', 'usageTo') == february


def test_a_period_not_of_a_calendar_month_keeps_its_own_dates():
    entry = {'date': '2025-04-01', 'periodStart': '2025-01-01', 'periodEnd': '2025-03-31'}  # a quarter, invoiced after it
    assert billing_period(entry) == dict(invoice_date='2025-04-01', start='2025-01-01', end='2025-03-31', month='2025-01',
                                         source='period_keys')


def test_renamed_keys_the_data_does_not_have_fall_back_with_the_warning_naming_them(sim):
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01', period_start_key='usageFrom',
                                             period_end_key='usageTo'), warn=warnings.append)
    assert result['billing_periods']['2025-02-01']['source'] == 'derived_from_invoice_date'
    assert len(warnings) == 1 and 'has no usageFrom and usageTo' in warnings[0]


def test_a_value_that_is_not_a_date_fails_naming_the_key_and_the_value(sim):
    client, tree = sim.reader()
    with pytest.raises(CloutilityError, match=r"^currency of the billing data with invoice date 2025-02-01 is 'EUR', not a date.*"
                                              r"set period_start_key / period_end_key"):
        billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='2025-02-01', period_start_key='currency'))
    with pytest.raises(CloutilityError, match=r"^periodEnd of the billing data with invoice date 2025-02-01 is 'January', not a date"):
        billing_period({'date': '2025-02-01', 'periodStart': '2025-01-01', 'periodEnd': 'January'})
    with pytest.raises(CloutilityError, match=r"^periodStart .* is '2025-02-30', not a date"):
        billing_period({'date': '2025-03-01', 'periodStart': '2025-02-30', 'periodEnd': '2025-02-28'})
    with pytest.raises(CloutilityError, match=r"^date of the billing data is '02/2025', not a date"):
        billing_period({'date': '02/2025'})


def test_one_period_key_without_the_other_or_an_end_before_the_start_fails():
    with pytest.raises(CloutilityError, match=r"invoice date 2025-02-01 has periodStart \('2025-01-01'\) but no periodEnd; set period_start_key"):
        billing_period({'date': '2025-02-01', 'periodStart': '2025-01-01'})
    with pytest.raises(CloutilityError, match=r'periodEnd \(2024-12-31\) is before periodStart \(2025-01-01\)'):
        billing_period({'date': '2025-02-01', 'periodStart': '2025-01-01', 'periodEnd': '2024-12-31'})


def test_derived_periods_cross_the_year_and_warn_once():
    warnings = []
    periods = billing_periods([{'date': '2025-01-01'}, {'date': '2024-03-01'}, {'date': '2024-12-01', 'periodStart': '2024-11-01',
                                                                                'periodEnd': '2024-11-30'}], warn=warnings.append)
    assert periods['2025-01-01'] == dict(invoice_date='2025-01-01', start='2024-12-01', end='2024-12-31', month='2024-12',
                                         source='derived_from_invoice_date')
    assert periods['2024-03-01'] == dict(invoice_date='2024-03-01', start='2024-02-01', end='2024-02-29', month='2024-02',
                                         source='derived_from_invoice_date')
    assert periods['2024-12-01']['source'] == 'period_keys'
    assert len(warnings) == 1 and 'invoice date 2024-03-01, 2025-01-01 has no' in warnings[0]


def test_final_means_not_preliminary_and_the_period_ended():
    today = datetime.date(2025, 2, 3)
    january = billing_period({'date': '2025-02-01'})
    february = billing_period({'date': '2025-03-01'})
    assert is_final({'date': '2025-02-01'}, january, today)
    assert not is_final({'date': '2025-02-01', 'preliminary': True}, january, today)
    assert not is_final({'date': '2025-03-01', 'preliminary': False}, february, today)  # February is still running
    assert not is_final({'date': '2025-02-01'}, january, datetime.date(2025, 1, 31))  # the last day is not over


def test_latest_is_the_newest_final_billing_data(sim):
    """The list holds last month's usage (invoice date: the first of this month) as its newest final entry."""
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='latest'), warn=warnings.append)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).isoformat()[:7]
    assert [entry['date'] for entry in result['billing']] == [today.replace(day=1).isoformat()]
    assert result['billing'][0]['preliminary'] is False
    assert result['billing_periods'][today.replace(day=1).isoformat()]['month'] == last_month
    assert warnings == []
    assert sim.routes() == {'GET /v1/bunits': 1, 'GET /v1/bunits/{id}/billing': 1}


def test_latest_without_period_keys_is_still_last_month(sim):
    sim.simulator.config['billing_period_keys'] = False
    client, tree = sim.reader()
    warnings = []
    result = billing_info(client, tree, dict(CONTOSO, include=['billing'], billing_date='LATEST'), warn=warnings.append)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    period = result['billing_periods'][today.replace(day=1).isoformat()]
    assert period['month'] == (today.replace(day=1) - datetime.timedelta(days=1)).isoformat()[:7]
    assert period['source'] == 'derived_from_invoice_date' and len(warnings) == 1


@pytest.mark.parametrize('bad, message', [
    (dict(billing_date='2025-02'), r"billing_date: '2025-02' is not a date in the form YYYY-MM-DD .*, or latest"),
    (dict(billing_date='newest'), r"billing_date: 'newest' is not a date"),
    (dict(period_start_key='  '), r"period_start_key must name a key of the billing data \(default periodStart\)"),
    (dict(period_end_key=''), r"period_end_key must name a key of the billing data \(default periodEnd\)"),
])
def test_bad_billing_options_are_refused_before_any_request(sim, bad, message):
    client, tree = sim.reader()
    with pytest.raises(CloutilityError, match=message):
        billing_info(client, tree, dict(CONTOSO, include=['billing'], **bad))
    assert sim.counters()['total'] == 0
