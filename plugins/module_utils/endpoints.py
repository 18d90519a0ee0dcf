# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every API path the collection calls, in one table (paths below ``/v1``, as the API guide names them).

``endpoint(name, **ids)`` fills one in: ``endpoint('node', bunit=22, consumer=408)`` is
``bunits/22/consumers/408/node``. A path is built nowhere else; ``tests/unit`` checks that no other file
under ``plugins/`` spells one. Plain Python, no Ansible.
"""

from __future__ import annotations

import re

ENDPOINTS = {
    # business units
    'bunits': 'bunits',
    'bunit': 'bunits/{bunit}',
    'child_bunits': 'bunits/{bunit}/bunits',
    'bunit_users': 'bunits/{bunit}/users',
    # consumption units
    'consumers': 'bunits/{bunit}/consumers',
    'consumer': 'bunits/{bunit}/consumers/{consumer}',
    'jobs': 'bunits/{bunit}/consumers/{consumer}/jobs',
    'first_job': 'bunits/{bunit}/consumers/{consumer}/jobs/first',
    'reports': 'bunits/{bunit}/consumers/{consumer}/reports',
    'latest_report': 'bunits/{bunit}/consumers/{consumer}/reports/latest',
    'auditlogs': 'bunits/{bunit}/consumers/{consumer}/auditlogs',
    # backup nodes (one per consumption unit)
    'node': 'bunits/{bunit}/consumers/{consumer}/node',
    'node_password': 'bunits/{bunit}/consumers/{consumer}/node/password',
    'node_spname': 'bunits/{bunit}/consumers/{consumer}/node/spname',
    'node_activate': 'bunits/{bunit}/consumers/{consumer}/node/activate',
    'node_filespaces': 'bunits/{bunit}/consumers/{consumer}/node/filespaces',
    'proxy_agents': 'bunits/{bunit}/consumers/{consumer}/node/proxyagents',
    'proxy_agent': 'bunits/{bunit}/consumers/{consumer}/node/proxyagents/{agent}',
    'possible_proxies': 'bunits/{bunit}/consumers/{consumer}/node/possibleproxynodes',
    # the business unit's backup server and what it offers
    'default_server': 'bunits/{bunit}/defaultserver',
    'domains': 'bunits/{bunit}/defaultserver/domains',
    'client_option_sets': 'bunits/{bunit}/defaultserver/clientoptionsets',
    # billing
    'contract': 'bunits/{bunit}/contract',
    'invoices': 'bunits/{bunit}/invoices',
    'invoice': 'bunits/{bunit}/invoices/{date}',
    'invoice_files': 'bunits/{bunit}/invoicefiles',
    'billing': 'bunits/{bunit}/billing',
    'billing_of': 'bunits/{bunit}/billing/{date}',
    # reference data
    'time_zones': 'timezones',
    'operating_systems': 'nodeoperatingsystems',
    'node_types': 'nodetypes',
    'node_warning_types': 'nodewarningtypes',
    'version': 'fullVersion',
    'token': 'oauth',
}


def endpoint(name, **ids):
    """The path of one endpoint with its ids filled in; a missing id is a programming error (KeyError)."""
    return ENDPOINTS[name].format(**ids)


def pattern(*names):
    """A regular expression matching the paths of the endpoints ``names`` (any id, any letter case, no query)."""
    alternatives = ['^%s$' % re.sub(r'\\\{[a-z_]+\\\}', '[^/]+', re.escape(ENDPOINTS[name])) for name in names]
    return re.compile('|'.join(alternatives), re.IGNORECASE)
