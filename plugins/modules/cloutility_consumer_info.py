#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_consumer_info
short_description: Read Cloutility consumption units
version_added: 1.0.0
description:
  - Lists the consumption units (the API's I(consumers)) of a business unit, optionally of every unit below it too.
  - The list answer of the API is incomplete; O(details=true) reads each unit in full, one call per unit.
  - Consumption unit names are not unique; filtering by O(name) may return several units.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
  - cloutility.cloutility.bunit
options:
  include_descendants:
    description:
      - Also list the consumption units of every business unit below O(bunit).
    type: bool
    default: false
  name:
    description:
      - Return only the units with this name (exact match).
    type: str
  consumer_id:
    description:
      - Return only the unit with this id.
    type: int
  details:
    description:
      - Read every returned unit in full (one C(GET .../consumers/{id}) per unit) instead of returning the list answer.
    type: bool
    default: false
seealso:
  - module: cloutility.cloutility.cloutility_consumer
  - module: cloutility.cloutility.cloutility_bunit_info
'''

EXAMPLES = r'''
- name: Every consumption unit of a customer and its sub-units
  cloutility.cloutility.cloutility_consumer_info:
    bunit: Acme Hosting/Customers
    include_descendants: true
  register: result

- name: Full details of the units named laptop
  cloutility.cloutility.cloutility_consumer_info:
    bunit: Acme Hosting/Customers/Fabrikam
    name: laptop
    details: true
  register: laptops
'''

RETURN = r'''
consumers:
  description:
    - The consumption units, as the API returns them, ordered by business unit (top first), then as listed by the API.
    - The API's list answer has few fields (C(id), C(name), C(href), C(dataSourceType), C(createdDate));
      with O(details=true) each unit is the full object (C(note), C(externalReference), C(dataSourceState), C(tags), ...).
    - Each has C(businessUnitId) and C(businessUnitPath) added, the unit it belongs to.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 408
      name: web01
      href: https://portal-api.example.net/v1/bunits/94/consumers/408
      dataSourceType: {id: 1, name: SP Backup node}
      createdDate: "2023-07-09T15:10:20.133Z"
      businessUnitId: 94
      businessUnitPath: Acme Hosting/Customers/Contoso
bunit_id:
  description: Id of the business unit O(bunit).
  returned: always
  type: int
  sample: 94
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import consumer_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            include_descendants=dict(type='bool', default=False),
            name=dict(type='str'),
            consumer_id=dict(type='int'),
            details=dict(type='bool', default=False),
        ),
    )
    module.run_resource(consumer_info)


if __name__ == '__main__':
    main()
