#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_consumer
short_description: Manage Cloutility consumption units
version_added: 1.0.0
description:
  - Create, update and delete consumption units (the API's I(consumers)) of a Cloutility business unit.
  - Only the options a task sets are compared and changed; every other field of the unit is kept.
  - Consumption unit names are not unique in Cloutility. When two units of the business unit have O(name)
    and O(consumer_id) is not given, the module fails and lists their ids; it never picks one or creates a third.
  - To manage the backup node of a unit, use M(cloutility.cloutility.cloutility_node).
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
options:
  name:
    description:
      - Name of the consumption unit.
      - Must hold more than white space, and be text (quote a value YAML would read as a number or boolean).
    type: str
    required: true
  bunit:
    description:
      - The business unit the consumption unit belongs to, as a path of names from the top of the tree the
        account can see (V(Acme Hosting/Customers/Contoso)) or as a numeric id.
      - The path may leave out the top unit's own name.
      - Defaults to the user's home business unit, the top of that tree.
    type: str
  consumer_id:
    description:
      - Id of the consumption unit, to choose one when several units share O(name). At least V(1).
    type: int
  note:
    description:
      - Free-text note. An empty string clears it.
      - Only with O(state=present).
    type: str
  external_reference:
    description:
      - Reference to the unit in another system, such as a CMDB or ERP id.
      - Only with O(state=present).
    type: str
  limit_high_storage:
    description:
      - Storage limit for the unit, as the portal's C(limitHighStorage) number. Zero or more.
      - Only with O(state=present).
    type: float
  allow_no_activity:
    description:
      - Whether the unit may go without backup activity without warnings.
      - Only with O(state=present).
    type: bool
  billing_start_date:
    description:
      - When billing of the unit starts (C(billingStartDate)), an ISO 8601 date (V(2026-01-01)) or date-time with its zone
        (V(2026-01-01T00:00:00Z)); a date alone is midnight UTC. Relative dates (V(-7d), V(now)) are refused, as they would
        change on every run.
      - Compared as the instant it names, whatever form the portal answers in.
      - Only with O(state=present).
    type: str
    version_added: 2.0.0
  tags:
    description:
      - The unit's tags by their text (the published C(BusinessUnitTag) has a C(text)); V([]) removes them all.
      - A set, compared without regard to order or letter case. A tag the unit holds is sent back as the portal holds it
        (with its id); a new one as an object with only its C(text), for the portal to find or make.
      - Nothing published says that the portal takes tags in the unit's body (no tag endpoint is published either).
        A portal that refuses them there (HTTP 400 naming C(tags)) fails the task with a message saying that the portal
        would not take C(tags); tag such units in the portal. The simulator plays both ways (switch
        C(consumer_tags_read_only)).
      - Only with O(state=present).
    type: list
    elements: str
    version_added: 2.0.0
  state:
    description:
      - V(present) creates or updates the unit, V(absent) deletes it.
      - An option that has no effect in the chosen state (O(note) with V(absent), O(deletion_comment) with V(present)...)
        is refused, not ignored.
    type: str
    choices: [present, absent]
    default: present
  delete_associations:
    description:
      - With O(state=absent), also delete what is associated with the unit, such as its backup node.
      - Without it, deleting a unit that has a node fails before any request is sent (the module reads the unit's node
        first), whatever the portal would do with the flag.
      - V(true) only with O(state=absent).
    type: bool
    default: false
  deletion_comment:
    description:
      - With O(state=absent), the comment recorded with the deletion. Only with O(state=absent).
    type: str
notes:
  - Tasks of parallel forks on one controller that ensure the same unit (same business unit and O(name)) take turns
    through a lock file under C(~/.cache/cloutility-ansible/locks); the unit is read inside the lock, so only one unit
    is created and updates of different fields all land.
seealso:
  - module: cloutility.cloutility.cloutility_node
  - module: cloutility.cloutility.cloutility_consumer_info
'''

EXAMPLES = r'''
- name: Connection options once for the play
  hosts: localhost
  module_defaults:
    group/cloutility.cloutility.cloutility:
      api_url: https://portal-api.backup.sto2.safedc.net/v1
      client_id: "{{ cloutility_client_id }}"
      origin: https://automation.example.com
      username: "{{ cloutility_user }}"
      password: "{{ cloutility_password }}"
  tasks:
    - name: Consumption unit for a file server
      cloutility.cloutility.cloutility_consumer:
        name: fs01.example.com
        bunit: Acme Hosting/Customers/Contoso
        note: File server in rack 4
        external_reference: CMDB-4711
        billing_start_date: "2026-01-01"
        tags: [gold, nightly]

    - name: Choose one of two units that share a name
      cloutility.cloutility.cloutility_consumer:
        name: web01
        bunit: Acme Hosting/Customers/Fabrikam
        consumer_id: 1234
        allow_no_activity: true

    - name: Delete a unit and its backup node
      cloutility.cloutility.cloutility_consumer:
        name: old-host
        bunit: Acme Hosting/Customers/Contoso
        state: absent
        delete_associations: true
        deletion_comment: Decommissioned in change CHG-1001
'''

RETURN = r'''
consumer:
  description:
    - The consumption unit as the API returns it after the task, or as predicted in check mode.
    - Empty when the unit is absent.
  returned: always
  type: dict
  sample:
    id: 408
    name: fs01.example.com
    note: File server in rack 4
    externalReference: CMDB-4711
    businessUnit: {id: 22, name: Contoso}
    dataSourceType: {id: 1, name: SP Backup node}
    allowNoActivity: false
bunit_id:
  description: Id of the business unit the unit belongs to.
  returned: always
  type: int
  sample: 22
changed_keys:
  description: The API fields the task changed, or would change in check mode.
  returned: always
  type: list
  elements: str
  sample: [note]
diff:
  description: The unit before and after the task, without server-managed fields such as C(href) and C(createdDate).
  returned: always
  type: dict
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import CONSUMER_ARGUMENT_SPEC, ensure_consumer


def main():
    module = CloutilityModule(argument_spec=CONSUMER_ARGUMENT_SPEC)
    module.run_resource(ensure_consumer, check_mode=module.check_mode)


if __name__ == '__main__':
    main()
