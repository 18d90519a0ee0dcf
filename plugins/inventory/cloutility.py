# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: cloutility
short_description: Cloutility backup nodes as inventory hosts
version_added: 1.0.0
description:
  - Lists the backup nodes the Cloutility account can see as hosts, one per consumption unit with a backup node.
  - Groups hosts by business unit path (nested groups follow the business unit tree), operating system,
    policy domain and activation state.
  - Sets host variables with the ids, the node name, the activation date and the status of the latest report.
  - Supports the inventory cache, O(compose), O(groups) and O(keyed_groups).
  - The configuration file name must end with C(cloutility.yml) or C(cloutility.yaml).
author:
  - Cloutility Ansible collection contributors (@cloutility-ansible)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - cloutility.cloutility.plugin_connection
options:
  plugin:
    description: The name of this plugin; it marks the file as a Cloutility inventory source.
    type: str
    required: true
    choices: [cloutility.cloutility.cloutility]
  bunits:
    description:
      - Business units to list, as paths of names from the top of the tree the account can see
        (V(Acme Hosting/Customers/Contoso), the top unit's own name may be left out) or as numeric ids.
      - Each unit is listed with every unit below it.
      - Defaults to the whole tree the account can see.
    type: list
    elements: str
    default: []
  hostname_source:
    description:
      - What names a host.
      - V(consumer_name) is the consumption unit's name.
      - V(node_name) is the backup node's name on the Storage Protect server (C(tsmName)); a node that is not
        activated yet has none and is named by its consumption unit.
      - Consumption unit names are not unique. When several nodes would get the same host name, none of them is
        merged into another; each gets its consumption unit id appended (V(laptop_442)) and a warning says so.
    type: str
    choices: [consumer_name, node_name]
    default: consumer_name
  include_without_node:
    description:
      - Also list consumption units that have no backup node yet (their node variables are empty).
    type: bool
    default: false
  latest_report:
    description:
      - Read each node's latest report (one call per node) for C(cloutility_latest_report_status).
      - A node without a report gets V(null).
    type: bool
    default: true
notes:
  - Host variables set for every host, all prefixed C(cloutility_), are C(bunit_id), C(bunit_path), C(bunit_name),
    C(consumer_id), C(consumer_name), C(node_id), C(node_name), C(activated), C(activated_date), C(operating_system),
    C(node_type), C(domain), C(client_option_set), C(latest_report_status) and C(latest_report_date).
  - "Groups: C(bunit_<path>) per business unit (a unit's group is a child of its parent's), C(os_<name>),
    C(domain_<name>), and C(activated) or C(not_activated)."
'''

EXAMPLES = r'''
# cloutility.yml -- credentials come from the CLOUTILITY_* environment variables
plugin: cloutility.cloutility.cloutility
bunits:
  - Acme Hosting/Customers
hostname_source: consumer_name
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cloutility-inventory
cache_timeout: 600
compose:
  ansible_host: cloutility_consumer_name
keyed_groups:
  - key: cloutility_latest_report_status | default('none', true)
    prefix: report
groups:
  needs_activation: not cloutility_activated
'''

import re

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import BusinessUnitTree, consumers_path
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.connection import client_from_plugin

display = Display()


def _name(ref):
    """The name of a nested reference object such as operatingSystem or domain."""
    if isinstance(ref, dict):
        return ref.get('name')
    return None


def _get_optional(client, path):
    try:
        return client.get(path)
    except CloutilityApiError as exc:
        if exc.status == 404:
            return None
        raise


def report_status(report):
    """The status of a NodeReport, tolerating the shapes the API may use."""
    if not isinstance(report, dict):
        return None
    for key in ('status', 'statusName', 'state', 'result'):
        value = report.get(key)
        if isinstance(value, dict):
            value = value.get('name')
        if value not in (None, ''):
            return value
    return None


def report_date(report):
    if not isinstance(report, dict):
        return None
    for key in ('date', 'reportDate', 'endDate', 'createdDate'):
        if report.get(key):
            return report[key]
    return None


def collect(client, bunits=None, include_without_node=False, latest_report=True):
    """One record (a flat dict, JSON serialisable) per consumption unit with a backup node."""
    tree = BusinessUnitTree(client)
    roots = [tree.resolve(ref) for ref in (bunits or [None])]
    units, seen = [], set()
    for root in roots:
        for unit in tree.descendants(root['id']):
            if unit['id'] not in seen:
                seen.add(unit['id'])
                units.append(unit)
    records = []
    for unit in units:
        for consumer in client.get_all(consumers_path(unit['id'])):
            base = consumers_path(unit['id'], consumer['id'])
            node = _get_optional(client, base + '/node')
            if not node and not include_without_node:
                continue
            node = node or {}
            report = _get_optional(client, base + '/reports/latest') if (node and latest_report) else None
            records.append(dict(
                bunit_id=unit['id'],
                bunit_name=unit.get('name'),
                bunit_path=tree.path(unit['id']),
                bunit_chain=[tree.path(ancestor) for ancestor in _chain(tree, unit['id'])],
                consumer_id=consumer['id'],
                consumer_name=consumer.get('name'),
                node_id=node.get('id'),
                node_name=node.get('tsmName') or None,
                activated=bool(node.get('activatedDate')),
                activated_date=node.get('activatedDate'),
                operating_system=_name(node.get('operatingSystem')),
                node_type=_name(node.get('type')),
                domain=_name(node.get('domain')),
                client_option_set=_name(node.get('clientOptionSet')),
                latest_report_status=report_status(report),
                latest_report_date=report_date(report),
            ))
    return records


def _chain(tree, unit_id):
    """Ids from the top of the tree down to ``unit_id``."""
    chain = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = tree.parent[unit_id]
    return list(reversed(chain))


def host_names(records, source):
    """A unique host name per record; colliding names get the consumption unit id appended."""
    wanted = []
    for record in records:
        name = record['node_name'] if source == 'node_name' and record.get('node_name') else record['consumer_name']
        wanted.append(str(name))
    counts = {}
    for name in wanted:
        counts[name] = counts.get(name, 0) + 1
    names, duplicates = [], {}
    for name, record in zip(wanted, records):
        if counts[name] > 1:
            duplicates.setdefault(name, []).append(record['consumer_id'])
            name = '%s_%s' % (name, record['consumer_id'])
        names.append(name)
    return names, duplicates


def group_name(kind, value):
    """A valid, stable group name: 'Acme Hosting/Customers' -> 'bunit_acme_hosting_customers'."""
    safe = re.sub(r'[^a-z0-9_]+', '_', str(value).lower()).strip('_')
    return '%s_%s' % (kind, safe or 'unnamed')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'cloutility.cloutility.cloutility'

    def verify_file(self, path):
        return super().verify_file(path) and re.search(r'cloutility\.ya?ml$', path) is not None

    def _fetch(self):
        try:
            return collect(client_from_plugin(self), self.get_option('bunits'), self.get_option('include_without_node'),
                           self.get_option('latest_report'))
        except CloutilityError as exc:
            raise AnsibleError('Cloutility inventory: %s' % to_native(exc))

    def _group(self, kind, value):
        return self.inventory.add_group(group_name(kind, value))

    def _populate(self, records):
        strict = self.get_option('strict')
        names, duplicates = host_names(records, self.get_option('hostname_source'))
        for name, ids in sorted(duplicates.items()):
            display.warning('Cloutility inventory: %d nodes would be named %s (consumption unit ids %s); each host name '
                            'got its consumption unit id appended' % (len(ids), name, ', '.join(str(i) for i in ids)))
        self.inventory.add_group('activated')
        self.inventory.add_group('not_activated')
        for name, record in zip(names, records):
            host = self.inventory.add_host(name)
            hostvars = dict(('cloutility_%s' % key, value) for key, value in record.items() if key != 'bunit_chain')
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            # Business unit groups nest like the tree: the host joins its own unit's group.
            parent = None
            for path in record['bunit_chain']:
                group = self._group('bunit', path)
                if parent is not None:
                    self.inventory.add_child(parent, group)
                parent = group
            self.inventory.add_child(parent, host)
            if record.get('operating_system'):
                self.inventory.add_child(self._group('os', record['operating_system']), host)
            if record.get('domain'):
                self.inventory.add_child(self._group('domain', record['domain']), host)
            if record.get('node_id'):
                self.inventory.add_child('activated' if record['activated'] else 'not_activated', host)
            self._set_composite_vars(self.get_option('compose'), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, host, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache')
        records = None
        update_cache = False
        if use_cache and cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        elif use_cache:
            update_cache = True
        if records is None:
            records = self._fetch()
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)
