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
  - Billing data is named by its B(invoice date) (the date in C(GET /v1/bunits/{id}/billing/{date})), not by the usage it
    bills. An invoice dated the first day of a month usually bills the month before it; the billing data of invoice date
    V(2025-02-01) covers January 2025. RV(billing_periods) says which usage period each returned entry covers, so a report
    labels the usage month from the data, not from the invoice date.
  - The invoice date is read from the fields the vendor publishes, C(invoiceDate) (a date-time; its date part is taken as
    written) or C(invoiceDateStr), then from C(date), the name earlier versions expected; O(invoice_date_key) names one
    key instead.
  - "The usage period is, in this order: the entry's O(period_start_key) and O(period_end_key) (C(periodStart) and
    C(periodEnd) by default, names no document publishes); else the earliest C(startDate) and the latest C(endDate) of the
    lines of its C(invoices) (published fields of InvoiceLine); else the calendar month before its invoice date, and the
    task warns once that the period is derived."
  - An entry whose invoice date or period cannot be told (no invoice date, a value that is not a date, only one of the two
    period keys, an end before the start, C(invoiceDate) and C(invoiceDateStr) on different days) is still returned as the
    portal gave it, without an entry in RV(billing_periods), and the task warns naming the entry and what is wrong. It never
    fails the read of all billing data, and never guesses a month for it.
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
      - Empty or blank is refused (leave the option out to read every invoice).
    type: str
  billing_date:
    description:
      - Read only the billing data of this B(invoice date), V(YYYY-MM-DD) (C(GET .../billing/{date})). The usage it covers
        is in RV(billing_periods); on a portal that invoices on the first day of a month, V(2025-02-01) is January's usage.
      - V(latest) reads the list of billing data (C(GET .../billing), read to the last page) and returns the newest final entry,
        the one with the latest invoice date among those that are not C(preliminary) (its C(preliminary) is not V(true))
        and whose usage period (as in RV(billing_periods)) ended before today (UTC). This asks for the last closed usage
        period without knowing the portal's invoice date convention. RV(billing) is empty when there is none.
      - Anything else, empty or blank included (leave the option out to read the list), is refused before any request.
    type: str
  include_next:
    description:
      - Also return this many upcoming, not yet invoiced billing periods (the API's C(includeNext)).
      - Only for the list of billing data; given with O(billing_date) it is refused before any request.
    type: int
  period_start_key:
    description:
      - The key of billing data that holds the start of its usage period (a date or an ISO 8601 date-time; its date part
        is taken as written, without converting it to UTC).
      - No published field holds the period (the vendor's resource model has none); V(periodStart) is the name earlier
        versions expected. An entry without the key is dated by the lines of its invoices, or derived from its invoice date
        (see the description). Set the key your portal uses.
    type: str
    default: periodStart
    version_added: 2.0.0
  period_end_key:
    description:
      - The key of billing data that holds the end of its usage period (a date or an ISO 8601 date-time such as
        V(2025-01-31T23:59:59.999Z); its date part is the last day of the period).
      - Like O(period_start_key), a guess of the field name; set the key your portal uses.
    type: str
    default: periodEnd
    version_added: 2.0.0
  invoice_date_key:
    description:
      - The key of billing data that holds its invoice date (a date or an ISO 8601 date-time; its date part is taken as
        written).
      - Default, the first of C(invoiceDate) and C(invoiceDateStr) (the published fields) and C(date) (the name earlier
        versions expected) that the entry has; entries whose keys name different days get no period (a warning).
      - With this option only that key is read.
    type: str
    version_added: 2.0.0
seealso:
  - module: cloutility.cloutility.cloutility_invoice_file
'''

EXAMPLES = r'''
- name: Everything billing-related of a reseller unit
  cloutility.cloutility.cloutility_billing_info:
    bunit: Acme Hosting
  register: billing

- name: The billing data of invoice date 2024-06-01 (on most portals the usage of May 2024), for the ERP
  cloutility.cloutility.cloutility_billing_info:
    bunit: Acme Hosting
    include: [billing]
    billing_date: "2024-06-01"
  register: invoiced

- name: Write it where the ERP import picks it up, named by the usage month the data says it covers
  ansible.builtin.copy:
    content: "{{ invoiced.billing | to_nice_json }}"
    dest: "/srv/erp/import/cloutility-{{ (invoiced.billing_periods.values() | first).month }}.json"
    mode: "0640"
  when: invoiced.billing_periods | length == 1

- name: The newest final billing data (the last closed usage period), on a portal that names the period otherwise
  cloutility.cloutility.cloutility_billing_info:
    bunit: Acme Hosting
    include: [billing]
    billing_date: latest
    period_start_key: usageFrom
    period_end_key: usageTo
  register: latest

- name: Which month it covers
  ansible.builtin.debug:
    msg: "{{ (latest.billing_periods.values() | first).month }}"
  when: latest.billing_periods | length == 1

- name: Every billing entry with its usage month (an entry without a period was named in a warning)
  ansible.builtin.debug:
    msg: "Invoice date {{ item.key }}: usage {{ item.value.month }} ({{ item.value.source }})"
  loop: "{{ billing.billing_periods | dict2items }}"
  loop_control:
    label: "{{ item.key }}"
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
    - C(invoiceDate) and C(invoiceDateStr) are the invoice date, not the usage period; see RV(billing_periods).
    - The sample shows the published fields and, after them, figures the simulator adds (C(preliminary), C(currency),
      C(total), C(rows)); check what your portal sends with C(-v).
  returned: when O(include) has V(billing)
  type: list
  elements: dict
  sample:
    - id: 9426306
      invoiceDate: "2024-06-01T00:00:00.000Z"
      invoiceDateStr: "2024-06-01"
      summary: [{currency: EUR, total: 24.18}]
      billingBusinessUnit: {id: 94, name: Contoso}
      invoices:
        - id: 94263060
          payingBusinessUnit: {id: 94, name: Contoso}
          lines:
            - {id: 94263061, product: {id: 1, name: Backup node}, startDate: "2024-05-01T00:00:00.000Z",
               endDate: "2024-05-31T23:59:59.999Z", unitPrice: 5.0, quantity: 2.0}
      preliminary: false
      currency: EUR
      total: 24.18
      rows:
        - {consumer: {id: 408, name: web01}, businessUnit: {id: 94, name: Contoso}, activeDays: 31, storageGB: 91.7, amount: 6.83}
billing_periods:
  description:
    - The usage period of each entry of RV(billing), keyed by its invoice date as V(YYYY-MM-DD) (see O(invoice_date_key)).
      An entry whose invoice date or period cannot be told has no key here (the task warned naming it).
    - C(invoice_date), C(start) and C(end) are V(YYYY-MM-DD) (the first and the last day of the period); C(month) is the
      V(YYYY-MM) of C(start), the label of the usage month.
    - C(source) says where the period comes from - V(period_keys) - the entry's O(period_start_key) and
      O(period_end_key); V(invoice_lines) - the earliest C(startDate) and the latest C(endDate) of the lines of its
      C(invoices); V(derived_from_invoice_date) - none of these, so the period is the calendar month before the invoice
      date (an assumption; the task warns once).
  version_added: 2.0.0
  returned: when O(include) has V(billing)
  type: dict
  sample:
    "2024-06-01":
      invoice_date: "2024-06-01"
      start: "2024-05-01"
      end: "2024-05-31"
      month: "2024-05"
      source: invoice_lines
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.billing import KINDS, billing_info
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION


ARGUMENT_SPEC = dict(
    **BUNIT_OPTION,
    include=dict(type='list', elements='str', choices=list(KINDS), default=list(KINDS)),
    invoice_date=dict(type='str', not_blank=True),
    billing_date=dict(type='str', not_blank=True),
    include_next=dict(type='int', min=0),
    period_start_key=dict(type='str', default='periodStart', not_blank=True, no_log=False),
    period_end_key=dict(type='str', default='periodEnd', not_blank=True, no_log=False),
    invoice_date_key=dict(type='str', not_blank=True, no_log=False),
)


def main():
    module = CloutilityModule(argument_spec=dict(ARGUMENT_SPEC))
    module.run_resource(billing_info, warn=module.warn)


if __name__ == '__main__':
    main()
