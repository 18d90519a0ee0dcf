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
  - Every other setting is kept as the portal holds it. The portal's PUT replaces the whole unit (a setting left out of its
    body goes back to its default), so an update sends the whole unit back with the task's settings changed.
  - Counts, days and the invoice day are checked before any request.
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
  storage_limit:
    description:
      - The unit's storage limit, the portal's C(storageLimit) number. Zero or more; V(0) is what the portal shows for a unit
        without a limit.
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  transfer_limit:
    description:
      - The unit's transfer limit, the portal's C(transferLimit) number. Zero or more; V(0) as for O(storage_limit).
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  node_limit:
    description:
      - How many backup nodes the unit may hold (C(nodeLimit)). Zero or more; V(0) as for O(storage_limit).
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  password_expiration_days:
    description:
      - After how many days the passwords of the unit's users expire (C(passwordExpirationDays)). Zero or more; V(0) for never.
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  required_approvers_of_delete_request:
    description:
      - How many approvers a deletion request of the unit needs (C(requiredApproversOfDeleteRequest)). Zero or more.
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  final_delete_request_approver:
    description:
      - Whether the unit's approvers give the final approval of its deletion requests (C(finalDeleteRequestApprover)).
      - Only with O(state=present).
    type: bool
    version_added: 2.0.0
  users_can_approve_own_requests:
    description:
      - Whether a user may approve a deletion request of their own (C(usersCanApproveOwnRequests)).
      - Only with O(state=present).
    type: bool
    version_added: 2.0.0
  support_responsible:
    description:
      - Whether the unit is responsible for its own support (C(supportResponsible)).
      - Only with O(state=present).
    type: bool
    version_added: 2.0.0
  invoice_day:
    description:
      - The day of the month the unit is invoiced (C(invoiceDay)), V(1) to V(28), or V(0) for none of its own.
      - V(0) is what every unit of the vendor's examples holds, so it is taken as "not set". Days 29 to 31 are refused before
        any request; they do not exist in every month and nothing published says what the portal does with them.
      - Only with O(state=present).
    type: int
    version_added: 2.0.0
  report_remotely:
    description:
      - Whether the unit's reports are sent remotely (C(reportRemotely)).
      - Only with O(state=present).
    type: bool
    version_added: 2.0.0
  use_schedule_bindings:
    description:
      - Whether the unit's nodes use schedule bindings (C(useScheduleBindings)).
      - Only with O(state=present).
    type: bool
    version_added: 2.0.0
  domain_filter:
    description:
      - The policy domains the unit's users may pick for a node, by name (C(domainFilter)); V([]) for no filter.
      - A set, compared without regard to order or letter case, and sent as the portal spells the names.
      - Each name must be a domain of the unit's default backup server (of its parent's, for a unit still to be created);
        another name fails the task before any write, listing the valid names. The server's list is read only when the
        filter would change.
      - Only with O(state=present).
    type: list
    elements: str
    version_added: 2.0.0
  client_option_set_filter:
    description:
      - The client option sets the unit's users may pick, by name (C(clientOptionSetFilter)); checked and compared like
        O(domain_filter).
      - Only with O(state=present).
    type: list
    elements: str
    version_added: 2.0.0
  state:
    description:
      - V(present) creates or updates the unit, V(absent) deletes it.
      - A unit that still has child units or consumption units is not deleted; the module fails and says what is left.
      - With V(absent), the options that set fields (O(registration_number), O(time_zone), O(note) and the settings above)
        are refused, as they would have no effect.
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

- name: Its limits, approvals and filters
  cloutility.cloutility.cloutility_bunit:
    name: Contoso
    parent: Acme Hosting/Customers
    storage_limit: 5000
    node_limit: 40
    required_approvers_of_delete_request: 2
    final_delete_request_approver: true
    invoice_day: 15
    domain_filter: [STANDARD, 30DAYS]
    client_option_set_filter: [FORCE_ENCRYPT]

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
