# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Billing reads of a business unit (cloutility_billing_info): contract, invoices, invoice files, billing data.

Plain Python, no Ansible. A 404 meaning "nothing there" is an empty answer; a missing route is raised
(api_client.get_optional / get_all_optional).
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import get_all_optional, get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import parse_day
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint

KINDS = ('contract', 'invoices', 'invoice_files', 'billing')


def billing_info(client, tree, params):
    """The result of cloutility_billing_info: each kind of ``params['include']``, one request each.

    The dates are checked before any request (the tree is read on first use). ``include_next`` (0 or more, the
    module's input rule) is sent only for the billing data of every period.
    """
    invoice_date = parse_day(params.get('invoice_date'), 'invoice_date')  # refused before any call
    billing_date = parse_day(params.get('billing_date'), 'billing_date')
    include = set(params['include'])
    unit = tree.resolve(params.get('bunit'))
    bunit = unit['id']
    result = dict(changed=False, bunit_id=bunit, bunit_path=tree.path(bunit))
    if 'contract' in include:
        contract = get_optional(client, endpoint('contract', bunit=bunit), what='the contract')
        result['contract'] = {} if contract is None else contract  # {}: the portal answered 404, no contract
    if 'invoices' in include:
        if invoice_date:
            invoice = get_optional(client, endpoint('invoice', bunit=bunit, date=invoice_date), what='an invoice')
            result['invoices'] = [] if invoice is None else [invoice]
        else:
            result['invoices'] = get_all_optional(client, endpoint('invoices', bunit=bunit))
    if 'invoice_files' in include:
        result['invoice_files'] = get_all_optional(client, endpoint('invoice_files', bunit=bunit))
    if 'billing' in include:
        if billing_date:
            entry = get_optional(client, endpoint('billing_of', bunit=bunit, date=billing_date), what='billing data')
            result['billing'] = [] if entry is None else [entry]
        else:
            include_next = params.get('include_next')
            query = dict(includeNext=include_next) if include_next is not None else None
            result['billing'] = get_all_optional(client, endpoint('billing', bunit=bunit), params=query)
    return result
