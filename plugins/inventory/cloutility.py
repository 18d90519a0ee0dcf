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
  - cloutility.cloutility.connection.PLUGINS
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
      - Read each node's latest report for C(cloutility_latest_report_status) and C(cloutility_latest_report_date).
      - "Cost: one more call per activated node that passes the filters (a node that is not activated has no report
        and is not asked). It doubles the calls of an inventory of activated nodes: turn it off when the report
        status is not needed."
      - A node without a report gets V(null).
    type: bool
    default: true
  operating_systems:
    description:
      - Keep only the nodes with one of these operating systems (names as in the portal, for example V(Linux),
        V(Windows); letter case does not matter). Empty keeps every operating system.
      - Applied after each node is read (the consumption unit list does not carry it), before its latest report is read.
    type: list
    elements: str
    default: []
  domains:
    description:
      - Keep only the nodes in one of these policy domains (for example V(STANDARD); letter case does not matter).
        Empty keeps every domain.
      - Applied after each node is read, before its latest report is read.
    type: list
    elements: str
    default: []
  activation:
    description:
      - Keep only activated nodes (V(activated)), only nodes not activated yet (V(not_activated)), or both (V(any)).
      - Applied after each node is read, before its latest report is read.
    type: str
    choices: [any, activated, not_activated]
    default: any
  workers:
    description:
      - How many requests to have in flight at once. The consumption unit lists of the business units, then the node
        (and latest report) of each consumption unit are read by this many threads sharing one login and one pool of
        connections. The hosts, their variables and groups are the same, in the same order, whatever the number.
      - A portal that answers 429 (too many requests) holds every worker until its C(Retry-After) has passed.
      - V(1) reads one thing after another. At most 64.
    type: int
    default: 16
notes:
  - Host variables set for every host, all prefixed C(cloutility_), are C(bunit_id), C(bunit_path), C(bunit_name),
    C(consumer_id), C(consumer_name), C(node_id), C(node_name), C(activated), C(activated_date), C(operating_system),
    C(node_type), C(domain), C(client_option_set), C(latest_report_status) and C(latest_report_date).
  - "Groups: C(bunit_<path>) per business unit (a unit's group is a child of its parent's), C(os_<name>),
    C(domain_<name>), and C(activated) or C(not_activated)."
  - "What it costs: one C(GET /v1/bunits); one C(GET .../consumers) per business unit (and per further page); one
    C(GET .../node) per consumption unit; with O(latest_report), one C(GET .../reports/latest) per activated node kept.
    O(bunits) is the only filter that saves node reads: O(operating_systems), O(domains) and O(activation) need the node
    and save the report reads only. O(include_without_node) costs nothing more. With O(cache), a cached inventory costs
    no call at all. See docs/performance.md for measured times."
  - Consumption units without a node (O(include_without_node)) have no operating system, domain or activation; any of
    O(operating_systems), O(domains) or O(activation) other than V(any) leaves them out.
  - "Every option is checked as the modules check theirs, before any request and before the cache is read: the
    connection options' ranges (O(timeout) 1 to 3600, O(retries) 0 to 100, O(retry_max_time) 0 to 86400), the O(api_url)
    rule (no user or password in it), O(workers) 1 to 64, and a boolean, list or dictionary where a number or text is
    due; each problem is named in one error."
  - An option the plugin does not know (a misspelling such as C(bunit) for O(bunits)) is refused, naming the nearest
    option. Ansible carries on with an empty inventory, with a warning only, when a source cannot be parsed (a wrong
    password, a portal that is down, an unknown option); for unattended runs set C(any_unparsed_is_failed = true) in
    the C([inventory]) section of C(ansible.cfg) (or C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true)) so the run fails.
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

# Ansible carries on with an empty inventory when a source cannot be parsed (a wrong password, a portal that is
# down, an unknown option), with a warning only. For scheduled runs, make that an error: in ansible.cfg
#   [inventory]
#   any_unparsed_is_failed = true
# or the environment variable ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true.

# A second file (commented out here, as EXAMPLES holds one YAML document):
# linux-servers.cloutility.yml -- activated Linux nodes in two domains, no report reads, 32 requests in flight
# plugin: cloutility.cloutility.cloutility
# operating_systems: [Linux]
# domains: [STANDARD, 1YEAR]
# activation: activated
# latest_report: false
# workers: 32
'''

import difflib
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.concurrency import DEFAULT_WORKERS, map_bounded
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import get_optional
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.node import is_activated
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.connection import client_from_plugin, plugin_settings

display = Display()

# The plugin's own options, declared like a module's (types, choices, ranges) for plugin_settings; DOCUMENTATION documents them.
PLUGIN_OPTIONS = dict(
    bunits=dict(type='list', elements='str', default=[]),
    hostname_source=dict(type='str', choices=['consumer_name', 'node_name'], default='consumer_name'),
    include_without_node=dict(type='bool', default=False),
    latest_report=dict(type='bool', default=True),
    operating_systems=dict(type='list', elements='str', default=[]),
    domains=dict(type='list', elements='str', default=[]),
    activation=dict(type='str', choices=['any', 'activated', 'not_activated'], default='any'),
    workers=dict(type='int', default=16, min=1, max=64),
)


def _name(ref):
    """The name of a nested reference object such as operatingSystem or domain."""
    if isinstance(ref, dict):
        return ref.get('name')
    return None


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


def _wanted(names):
    return set(str(name).strip().lower() for name in names or [] if str(name).strip())


def node_filter(operating_systems=None, domains=None, activation='any'):
    """A test on a node (None: a unit without one) for the inventory's filters; None when nothing is filtered."""
    systems, wanted_domains = _wanted(operating_systems), _wanted(domains)
    if not systems and not wanted_domains and activation in (None, 'any'):
        return None

    def keep(node):
        if not node:
            return False
        if systems and (_name(node.get('operatingSystem')) or '').lower() not in systems:
            return False
        if wanted_domains and (_name(node.get('domain')) or '').lower() not in wanted_domains:
            return False
        if activation == 'activated' and not node.get('activatedDate'):
            return False
        if activation == 'not_activated' and node.get('activatedDate'):
            return False
        return True
    return keep


def collect(client, bunits=None, include_without_node=False, latest_report=True, workers=DEFAULT_WORKERS,
            operating_systems=None, domains=None, activation='any'):
    """One record (a flat dict, JSON serialisable) per consumption unit with a backup node, in tree order.

    Reads with at most ``workers`` requests in flight (concurrency.map_bounded); the records are the same,
    in the same order, for any number of workers.
    """
    tree = BusinessUnitTree(client)
    roots = [tree.resolve(ref) for ref in (bunits or [None])]
    units, seen = [], set()
    for root in roots:
        for unit in tree.descendants(root['id']):
            if unit['id'] not in seen:
                seen.add(unit['id'])
                units.append(unit)
    lists = map_bounded(lambda unit: client.get_all(endpoint('consumers', bunit=unit['id'])), units, workers=workers)
    pairs = [(unit, consumer) for unit, consumers in zip(units, lists) for consumer in consumers]
    keep = node_filter(operating_systems, domains, activation)

    def record(pair):
        unit, consumer = pair
        ids = dict(bunit=unit['id'], consumer=consumer['id'])
        node = get_optional(client, endpoint('node', **ids), what='a backup node')  # 404: the unit has no node
        if keep is not None and not keep(node):
            return None
        if not node and not include_without_node:
            return None
        node = node or {}
        # A node that is not activated has never backed up: no report to ask for.
        report = get_optional(client, endpoint('latest_report', **ids), what='a node report') if (latest_report and is_activated(node)) else None
        return dict(
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
        )
    return [item for item in map_bounded(record, pairs, workers=workers) if item is not None]


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

    def _fetch(self, options):
        workers = options['workers']
        try:
            client = client_from_plugin(self, pool_size=workers, options=options)
            client.on_wait = display.v  # a long wait (a retry after a 503 or a timeout) is one line at -v
            client.on_warning = display.warning  # a lock of another user in lock_dir, not waited on
            return collect(client, options['bunits'], options['include_without_node'], options['latest_report'], workers=workers,
                           operating_systems=options['operating_systems'], domains=options['domains'], activation=options['activation'])
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
        config = self._read_config_data(path)
        unknown = sorted(key for key in (config or {}) if key not in self._options)
        if unknown:
            # A misspelled option (bunit: for bunits:) would otherwise be ignored: the whole tree, and no word of it.
            hints = []
            for key in unknown:
                nearest = difflib.get_close_matches(str(key), list(self._options), n=1)
                hints.append('%s%s' % (key, ' (did you mean %s?)' % nearest[0] if nearest else ''))
            raise AnsibleParserError('Cloutility inventory %s: unknown option%s %s; the options are documented in '
                                     '"ansible-doc -t inventory cloutility.cloutility.cloutility"'
                                     % (path, 's' if len(unknown) > 1 else '', ', '.join(hints)))
        # Every option of the plugin and the connection checked like a module's (types, ranges, the api_url rule), each
        # problem named before any request and before the cache is read.
        options = plugin_settings(self, PLUGIN_OPTIONS, written=config, where='Cloutility inventory %s' % path, error=AnsibleParserError)
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
            records = self._fetch(options)
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)
