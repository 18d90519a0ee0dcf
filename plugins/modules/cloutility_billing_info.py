#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_billing_info
short_description: Read the contract, invoices, invoice files and billing data of a Cloutility business unit
version_added: 1.0.0
description:
  - Returns the contract a business unit takes part in, its invoices (all, or one by date), the invoice files
    uploaded for it and, for a reseller unit, the billing data of its children.
  - The answers are returned as the API gives them, as JSON ready to feed an ERP import.
  - A 404 meaning "nothing there" (no contract, no invoice or billing data of that date, an empty list) gives an empty
    result. A 404 saying the route does not exist on this portal (C(No HTTP resource was found that matches the request URI))
    fails the task, so a missing endpoint never passes for a month without billing data.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
  - cloutility.cloutility.bunit
options:
  include:
    description:
      - What to read. Each kind left out saves an API call.
    type: list
    elements: str
    choices: [contract, invoices, invoice_files, billing]
    default: [contract, invoices, invoice_files, billing]
  invoice_date:
    description:
      - Read only the invoice of this date, V(YYYY-MM-DD) (the date in the invoice's C(href)).
    type: str
  billing_date:
    description:
      - Read only the billing data of this invoice date, V(YYYY-MM-DD).
    type: str
  include_next:
    description:
      - Also return this many upcoming, not yet invoiced billing periods (the API's C(includeNext)).
      - Does not apply with O(billing_date).
    type: int
seealso:
  - module: cloutility.cloutility.cloutility_invoice_file
'''

EXAMPLES = r'''
- name: Everything billing-related of a reseller unit
  cloutility.cloutility.cloutility_billing_info:
    bunit: Acme Hosting
  register: billing

- name: Billing data of one month, for the ERP
  cloutility.cloutility.cloutility_billing_info:
    bunit: Acme Hosting
    include: [billing]
    billing_date: "2024-05-01"
  register: may

- name: Write it where the ERP import picks it up
  ansible.builtin.copy:
    content: "{{ may.billing | to_nice_json }}"
    dest: /srv/erp/import/cloutility-2024-05.json
    mode: "0640"
'''

RETURN = r'''
bunit_id:
  description: Id of the business unit.
  returned: always
  type: int
  sample: 22
bunit_path:
  description: Path of the business unit from the top of the visible tree.
  returned: always
  type: str
  sample: Acme Hosting
contract:
  description: The contract of the unit, as the API returns it; empty when the unit has none.
  returned: when O(include) has V(contract)
  type: dict
  sample: {id: 5, name: Backup as a Service, currency: SEK}
invoices:
  description:
    - The invoices of the unit, as the API returns them; with O(invoice_date), a list of that one invoice
      (empty when there is no invoice of that date).
  returned: when O(include) has V(invoices)
  type: list
  elements: dict
  sample:
    - {date: "2024-06-01", href: "https://portal.example/v1/bunits/22/invoices/2024-06-01", amount: 24.18, currency: EUR}
invoice_files:
  description: The invoice files uploaded for the unit (for example C(id), C(fileName), C(erpReference)).
  returned: when O(include) has V(invoice_files)
  type: list
  elements: dict
  sample:
    - {id: 301, fileName: invoice-2024-05.pdf, erpReference: ERP-2024-05}
billing:
  description:
    - The billing data of the unit (one entry per invoice date, with the consumption of each child unit and node),
      as the API returns it; with O(billing_date), a list of that one entry (empty when there is none).
  returned: when O(include) has V(billing)
  type: list
  elements: dict
  sample:
    - date: "2024-05-01"
      currency: EUR
      total: 24.18
      rows:
        - {consumer: {id: 408, name: web01}, businessUnit: {id: 94, name: Contoso}, activeDays: 31, storageGB: 91.7, amount: 6.83}
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import KINDS, billing_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            include=dict(type='list', elements='str', choices=list(KINDS), default=list(KINDS)),
            invoice_date=dict(type='str'),
            billing_date=dict(type='str'),
            include_next=dict(type='int', min=0),
        ),
    )
    module.run_resource(billing_info)


if __name__ == '__main__':
    main()
