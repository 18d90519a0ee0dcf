#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_auditlog_info
short_description: Read the audit log of a Cloutility consumption unit
version_added: 1.0.0
description:
  - Returns the audit log entries of a consumption unit (who created, changed or deleted what, and errors),
    filtered by type and time range, optionally with the entries of its descendants.
  - Walks the API's pages to the end, or stops after O(limit) entries.
  - A portal may answer 404 when the consumption unit has no matching entry; the result is then empty, not an error.
    A 404 saying the route does not exist (C(No HTTP resource was found that matches the request URI)) always fails.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
  - cloutility.cloutility.bunit.CONSUMER
  - cloutility.cloutility.time_range
options:
  types:
    description:
      - The kinds of entries to return. All kinds when not set.
    type: list
    elements: str
    choices: [info, create, modify, delete, error]
  include_descendants:
    description:
      - Also return the entries of the objects below the consumption unit (the API's C(includeDescendants)).
    type: bool
    default: false
  order:
    description:
      - V(newest_first) or V(oldest_first) (the API's C(orderDesc)).
    type: str
    choices: [newest_first, oldest_first]
    default: newest_first
  limit:
    description:
      - Return at most this many entries. Without it, every page is read.
    type: int
seealso:
  - module: cloutility.cloutility.cloutility_consumer
'''

EXAMPLES = r'''
- name: Who changed or deleted anything on web01 this week
  cloutility.cloutility.cloutility_auditlog_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
    types: [modify, delete]
    start: -7d
  register: audit

- name: The ten most recent errors
  cloutility.cloutility.cloutility_auditlog_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
    types: [error]
    limit: 10
  register: errors
'''

RETURN = r'''
entries:
  description:
    - The audit log entries, as the API returns them (for example C(id), C(type), C(time), C(message), C(userName)).
    - Entries with a numeric C(type) and no C(typeName) have C(typeName) added (V(info), V(create), V(modify),
      V(delete) or V(error)).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 90001, type: 100, typeName: Create, time: "2024-05-01T08:00:00.123Z", message: Consumer web02 created,
       userName: ansible@example.com}
total:
  description: The number of matching entries the API reports, which may exceed the entries returned when O(limit) is set.
  returned: always
  type: int
  sample: 42
types:
  description: The API type numbers asked for (0 info, 100 create, 200 modify, 300 delete, 400 error).
  returned: always
  type: list
  elements: int
  sample: [100, 200]
consumer:
  description: The consumption unit whose audit log was read (C(id), C(name)).
  returned: always
  type: dict
  sample: {id: 408, name: web01}
bunit_id:
  description: Id of the business unit of the consumption unit.
  returned: always
  type: int
  sample: 94
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import CONSUMER_CHOICE
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import auditlog_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **CONSUMER_CHOICE,
            types=dict(type='list', elements='str', choices=['info', 'create', 'modify', 'delete', 'error']),
            start=dict(type='str'),
            end=dict(type='str'),
            include_descendants=dict(type='bool', default=False),
            order=dict(type='str', choices=['newest_first', 'oldest_first'], default='newest_first'),
            limit=dict(type='int', min=1),
        ),
        required_one_of=[('consumer', 'consumer_id')],
    )
    module.run_resource(auditlog_info)


if __name__ == '__main__':
    main()
