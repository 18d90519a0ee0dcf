# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Business units (cloutility_bunit, cloutility_bunit_info): the declaration, the writes, the plan, the reads.

Plain Python, no Ansible.
"""

from __future__ import annotations

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import (
    PATH_SEPARATOR,
    BusinessUnitTree,
    bunit_problem,
    find_one,
    find_ref,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Reconciler, ResourceSpec, object_lock, split_declaration
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import consumers_path


def own_name_problem(name):
    """A unit's own name holds no path separator (its parent is ``parent``): an input rule."""
    if PATH_SEPARATOR in name:
        return "contains '%s': give the unit's own name and its parent as parent" % PATH_SEPARATOR
    return None


def names_problem(names):
    """A filter's names: each more than white space, none twice (a filter is a set): an input rule."""
    if any(not isinstance(name, str) or not name.strip() for name in names):
        return 'must list names, none empty or blank'
    seen = [name.strip().lower() for name in names]
    twice = sorted(set(name for name in seen if seen.count(name) > 1))
    if twice:
        return 'names %s more than once; a filter is a set' % ', '.join(twice)
    return None


# The last invoice day a task may set: a day every month has (the portal's own rule for 29 to 31 is not published).
INVOICE_DAY_MAX = 28

# cloutility_bunit's options, declared once: the argument spec, the API key each manages (``api``), the input rules.
BUNIT_OPTIONS = dict(
    # Found case-insensitively (as paths are), so compared that way too: never a rename by letter case.
    name=dict(type='str', required=True, not_blank=True, check=own_name_problem, api='name', case_insensitive=True),
    parent=dict(type='str', check=bunit_problem),
    registration_number=dict(type='str', only_in_state='present', api='registrationNumber'),
    time_zone=dict(type='str', only_in_state='present', api='timeZone', kind='ref'),
    note=dict(type='str', only_in_state='present', api='note'),
    # The rest of the published BusinessUnit a provider sets (resource-model.md); absent on the portal means the default.
    storage_limit=dict(type='int', min=0, only_in_state='present', api='storageLimit', api_default=0),
    transfer_limit=dict(type='int', min=0, only_in_state='present', api='transferLimit', api_default=0),
    node_limit=dict(type='int', min=0, only_in_state='present', api='nodeLimit', api_default=0),
    password_expiration_days=dict(type='int', min=0, only_in_state='present', api='passwordExpirationDays', api_default=0, no_log=False),
    required_approvers_of_delete_request=dict(type='int', min=0, only_in_state='present', api='requiredApproversOfDeleteRequest',
                                              api_default=0),
    final_delete_request_approver=dict(type='bool', only_in_state='present', api='finalDeleteRequestApprover', api_default=False),
    users_can_approve_own_requests=dict(type='bool', only_in_state='present', api='usersCanApproveOwnRequests', api_default=False),
    support_responsible=dict(type='bool', only_in_state='present', api='supportResponsible', api_default=False),
    # 0: no invoice day of its own (every unit of the guide's examples); 1 to 28: a day every month has.
    invoice_day=dict(type='int', min=0, max=INVOICE_DAY_MAX, only_in_state='present', api='invoiceDay', api_default=0),
    report_remotely=dict(type='bool', only_in_state='present', api='reportRemotely', api_default=False),
    use_schedule_bindings=dict(type='bool', only_in_state='present', api='useScheduleBindings', api_default=False),
    # Names of the unit's domains and client option sets (checked against them before any write); compared as sets.
    domain_filter=dict(type='list', elements='str', only_in_state='present', check=names_problem, api='domainFilter',
                       unordered=True, case_insensitive=True, label='Domain', source='domains'),
    client_option_set_filter=dict(type='list', elements='str', only_in_state='present', check=names_problem,
                                  api='clientOptionSetFilter', unordered=True, case_insensitive=True, label='Client option set',
                                  source='client_option_sets'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)
BUNIT_ARGUMENT_SPEC, _BUNIT_FIELDS = split_declaration(BUNIT_OPTIONS)
BUNIT = ResourceSpec('bunit', _BUNIT_FIELDS)
WHAT = 'a business unit'
# The filters: lists of names of what the unit's default server offers (the endpoints the node's references read).
FILTERS = tuple(field for field in _BUNIT_FIELDS if field.source)


def resolve_filters(client, params, unit_id, where, current=None):
    """Each filter the task sets, as the names the portal spells (``{option: [name, ...]}``), checked against the domains
    and client option sets of the default server of unit ``unit_id`` (the unit itself, or its parent when it is still to
    be created): a name it does not offer is a CloutilityError naming the option and the valid names. A filter the unit
    ``current`` already holds (the same set) is taken as it holds it, without a read: a run that changes nothing reads no
    lists."""
    resolved = {}
    for field in FILTERS:
        wanted = params.get(field.option)
        if wanted is None:
            continue
        if current is not None and field.equal(current.get(field.key), wanted):
            resolved[field.option] = current.get(field.key) or []
            continue
        offered = [item for item in client.get_all(endpoint(field.source, bunit=unit_id)) if isinstance(item, dict)]
        by_name = dict((str(item.get('name')).strip().lower(), item.get('name')) for item in offered if isinstance(item.get('name'), str))
        unknown = [name for name in wanted if name.strip().lower() not in by_name]
        if unknown:
            raise CloutilityError("%s: %s %s not offered by the default backup server of %s. Valid names: %s"
                                  % (field.option, ', '.join("'%s'" % name for name in unknown), 'is' if len(unknown) == 1 else 'are',
                                     where, ', '.join(sorted(by_name.values())) or '(none)'))
        resolved[field.option] = [by_name[name.strip().lower()] for name in wanted]
    return resolved


def settings_of(unit):
    """A business unit's settings by the option names of cloutility_bunit (snake case): what cloutility_bunit_info returns
    beside the raw object. A setting the portal leaves out is its default; a reference (the time zone) is its name."""
    settings = {}
    for field in BUNIT.fields:
        value = unit.get(field.key)
        if field.kind == 'ref':
            value = value.get('name') if isinstance(value, dict) else value
        elif value is None:
            value = [] if field.kind == 'list' else field.default
        settings[field.option] = value
    return settings


def read_bunit(client, unit_id):
    return client.get_object(endpoint('bunit', bunit=unit_id), what=WHAT, keys=('id',))


def find_child(tree, parent, name):
    children = tree.children(parent['id'])
    return find_one(children, name, 'Business unit', required=False) if children else None


def count_consumers(client, bunit_id):
    """How many consumption units a business unit holds, from one page of one: the page's ``total`` (a number of
    0 or more), or the items when the portal answers a bare list or a page without ``total``. An answer that is no
    collection, or a ``total`` that is no count, is an error (CloutilityBadAnswer, CloutilityError): never "empty"."""
    path = consumers_path(bunit_id)
    items, first = client.collect(path, limit=1)
    if not isinstance(first, dict) or first.get('total') is None:
        return len(items)
    total = first['total']
    if isinstance(total, bool) or not isinstance(total, int) or total < 0 or (total == 0 and items):
        raise CloutilityError('GET %s answered a page whose total is %r with %d item(s), where the number of its consumption units is due'
                              % (client.base_url + path, total, len(items)))
    return total


def refuse_if_not_empty(client, tree, unit, path):
    """The API refuses to delete a non-empty unit; say so before trying, and say what is left."""
    left = []
    children = tree.children(unit['id'])
    if children:
        left.append('child units: %s' % ', '.join(child['name'] for child in children))
    total = count_consumers(client, unit['id'])
    if total:
        left.append('%s consumption unit(s)' % total)
    if left:
        raise CloutilityError("Business unit '%s' is not empty and was not deleted; remove first its %s"
                              % (path, ' and '.join(left)))


def ensure_bunit(client, tree, params, check_mode=False):
    """cloutility_bunit: the unit ``name`` below ``parent`` brought to ``state``; the module result."""
    parent = tree.resolve(params['parent'])
    path = tree.path(parent['id']) + PATH_SEPARATOR + params['name']
    resolved = {}
    if params.get('time_zone') is not None and params['state'] == 'present':
        resolved['time_zone'] = find_ref(client.get_all(endpoint('time_zones')), params['time_zone'], 'Time zone', keys=('name', 'windowsId'))

    def recover():
        again = find_child(BusinessUnitTree(client), parent, params['name'])
        return read_bunit(client, again['id']) if again else None

    # Forks ensuring the same unit take turns; the read that decides happens under the lock (a unit missing from
    # the tree read before the lock is looked up again inside it, so a unit another fork just created is found).
    with object_lock(client, parent['id'], 'bunit', params['name'].strip().lower()):
        found = find_child(tree, parent, params['name'])
        current = read_bunit(client, found['id']) if found else (recover() if params['state'] == 'present' else None)
        if current is not None and params['state'] == 'absent':
            refuse_if_not_empty(client, tree, current, path)
        wanted = dict(params)
        if params['state'] == 'present':
            # A unit still to be created offers what its parent's default server does.
            scope = (current['id'], path) if current is not None else (parent['id'], '%s (the parent of the new unit)' % tree.path(parent['id']))
            wanted.update(resolve_filters(client, params, scope[0], scope[1], current))
        result = Reconciler(check_mode, client).ensure(
            BUNIT, current, BUNIT.desired(wanted, resolved), params['state'],
            create=lambda body: client.post(endpoint('child_bunits', bunit=parent['id']), json=body),
            update=lambda body, changed: client.put(endpoint('bunit', bunit=current['id']), json=body),
            delete=lambda obj: client.delete(endpoint('bunit', bunit=obj['id'])),
            recover=recover,
        )
    return result.output('bunit', path=path)


def bunit_info(client, tree, params):
    """cloutility_bunit_info: one unit in full, the units below it (flat, with paths), optionally its users."""
    unit = tree.resolve(params.get('bunit'))
    unit_id = unit['id']
    details = read_bunit(client, unit_id)
    details['path'] = tree.path(unit_id)
    flat = []
    for item in tree.descendants(unit_id):
        entry = dict((key, value) for key, value in item.items() if key != 'businessUnits')
        entry['path'] = tree.path(item['id'])
        flat.append(entry)
    result = dict(changed=False, bunit=details, bunit_id=unit_id, tree=unit, bunits=flat, settings=settings_of(details))
    if params.get('users'):
        result['users'] = client.get_all(endpoint('bunit_users', bunit=unit_id))
    return result
