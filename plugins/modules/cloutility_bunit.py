#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_bunit
short_description: Manage Cloutility business units
version_added: 1.0.0
description:
  - Create, update and delete business units (tenants) below the units the account can see.
  - A unit is identified by its O(name) under its O(parent). Only the options a task sets are compared and changed.
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
options:
  name:
    description:
      - Name of the business unit, unique among the children of O(parent).
      - Must hold more than white space, and be text (quote a value YAML would read as a number or boolean).
    type: str
    required: true
  parent:
    description:
      - The parent unit, as a path of names from the top of the tree the account can see
        (V(Acme Hosting/Customers)), or as a numeric id. The path may leave out the top unit's own name.
      - Defaults to the top of the tree, the user's home business unit.
    type: str
  registration_number:
    description:
      - Company registration number.
      - Only with O(state=present).
    type: str
  time_zone:
    description:
      - Time zone of the unit, by name (V((GMT+01:00\) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna)),
        Windows id (V(W. Europe Standard Time)) or numeric id.
      - Only with O(state=present).
    type: str
  note:
    description:
      - Free-text note. An empty string clears it.
      - Only with O(state=present).
    type: str
  state:
    description:
      - V(present) creates or updates the unit, V(absent) deletes it.
      - A unit that still has child units or consumption units is not deleted; the module fails and says what is left.
      - With V(absent), the options that set fields (O(registration_number), O(time_zone), O(note)) are refused,
        as they would have no effect.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: cloutility.cloutility.cloutility_bunit_info
  - module: cloutility.cloutility.cloutility_consumer
'''

EXAMPLES = r'''
- name: A customer below the reseller unit
  cloutility.cloutility.cloutility_bunit:
    name: Contoso
    parent: Acme Hosting/Customers
    registration_number: SE556612345678
    time_zone: W. Europe Standard Time
    note: Onboarded 2026-11

- name: Remove an empty unit
  cloutility.cloutility.cloutility_bunit:
    name: Old Customer
    parent: Acme Hosting/Customers
    state: absent
'''

RETURN = r'''
bunit:
  description:
    - The business unit as the API returns it after the task, or as predicted in check mode. Empty when absent.
  returned: always
  type: dict
  sample:
    id: 76
    name: Contoso
    registrationNumber: SE556612345678
    timeZone: {id: 4, name: "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"}
path:
  description: Path of the unit from the top of the visible tree.
  returned: always
  type: str
  sample: Acme Hosting/Customers/Contoso
changed_keys:
  description: The API fields the task changed, or would change in check mode.
  returned: always
  type: list
  elements: str
  sample: [note]
diff:
  description: The unit before and after the task, without server-managed fields and embedded collections.
  returned: always
  type: dict
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree, PATH_SEPARATOR, bunit_problem, find_one, find_ref
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import consumers_path
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Field, ResourceSpec, object_lock

BUNIT = ResourceSpec('bunit', [
    # Found case-insensitively (as paths are), so compared that way too: never a rename by letter case.
    Field('name', 'name', case_insensitive=True),
    Field('registration_number', 'registrationNumber'),
    Field('time_zone', 'timeZone', kind='ref'),
    Field('note', 'note'),
])


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


def refuse_if_not_empty(module, unit, path):
    """The API refuses to delete a non-empty unit; say so before trying, and say what is left."""
    left = []
    children = module.bunits.children(unit['id'])
    if children:
        left.append('child units: %s' % ', '.join(child['name'] for child in children))
    total = count_consumers(module.client, unit['id'])
    if total:
        left.append('%s consumption unit(s)' % total)
    if left:
        module.fail_json(msg="Business unit '%s' is not empty and was not deleted; remove first its %s"
                         % (path, ' and '.join(left)))


def run(module):
    params = module.params
    client = module.client
    if PATH_SEPARATOR in params['name']:
        module.fail_json(msg="name '%s' contains '%s': give the unit's own name and its parent as parent"
                         % (params['name'], PATH_SEPARATOR))
    parent = module.bunits.resolve(params['parent'])
    parent_path = module.bunits.path(parent['id'])
    path = parent_path + PATH_SEPARATOR + params['name']
    resolved = {}
    if params['time_zone'] is not None and params['state'] == 'present':
        resolved['time_zone'] = find_ref(client.get_all('timezones'), params['time_zone'], 'Time zone', keys=('name', 'windowsId'))

    def read_unit(unit_id):
        return client.get_object('bunits/%s' % unit_id, what='a business unit', keys=('id',))

    def recover():
        again = find_child(BusinessUnitTree(client), parent, params['name'])
        return read_unit(again['id']) if again else None

    # Forks ensuring the same unit take turns; the read that decides happens under the lock (a unit missing from
    # the tree read before the lock is looked up again inside it, so a unit another fork just created is found).
    with object_lock(client, parent['id'], 'bunit', params['name'].strip().lower()):
        found = find_child(module.bunits, parent, params['name'])
        current = read_unit(found['id']) if found else (recover() if params['state'] == 'present' else None)
        if current is not None and params['state'] == 'absent':
            refuse_if_not_empty(module, current, path)
        result = module.reconciler.ensure(
            BUNIT, current, BUNIT.desired(params, resolved), params['state'],
            create=lambda body: client.post('bunits/%s/bunits' % parent['id'], json=body),
            update=lambda body, changed: client.put('bunits/%s' % current['id'], json=body),
            delete=lambda obj: client.delete('bunits/%s' % obj['id']),
            recover=recover,
        )
    module.exit_reconciled(result, 'bunit', path=path)


def main():
    module = CloutilityModule(
        argument_spec=dict(
            name=dict(type='str', required=True, not_blank=True),
            parent=dict(type='str', check=bunit_problem),
            registration_number=dict(type='str', only_in_state='present'),
            time_zone=dict(type='str', only_in_state='present'),
            note=dict(type='str', only_in_state='present'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
    )
    module.run(run)


if __name__ == '__main__':
    main()
