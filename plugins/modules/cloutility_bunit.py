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
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.bunit import BUNIT_ARGUMENT_SPEC, ensure_bunit


def main():
    module = CloutilityModule(argument_spec=BUNIT_ARGUMENT_SPEC)
    module.run_resource(ensure_bunit, check_mode=module.check_mode)


if __name__ == '__main__':
    main()
