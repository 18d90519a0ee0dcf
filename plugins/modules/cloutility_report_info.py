#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_report_info
short_description: Read the reports of a Cloutility backup node
version_added: 1.0.0
description:
  - Returns the reports of a consumption unit's backup node over a date range, or its latest report.
    Reports hold usage over time, such as the storage used and the data transferred.
  - Each warning gets its node warning type id added as C(typeId) and, when the portal gives names, the name as C(typeName).
    Names come from the warning itself when the portal embeds them, otherwise from C(GET /v1/nodewarningtypes), read
    once and only when a warning lacks a name. A portal without that endpoint gives warnings with their type ids only;
    see RV(warning_type_names).
  - A portal may answer 404 when a node has no report in the range, or no report at all; the result is then empty,
    not an error. A 404 saying the route does not exist (C(No HTTP resource was found that matches the request URI))
    always fails.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
  - cloutility.cloutility.bunit.CONSUMER
  - cloutility.cloutility.time_range
options:
  status:
    description:
      - Include the status of each report.
    type: bool
    default: true
  warnings:
    description:
      - Include the warnings of each report, with their type ids and names.
      - With O(latest=true) the latest report is returned as the API gives it; V(false) then only skips
        naming its warnings (no C(GET /v1/nodewarningtypes)).
    type: bool
    default: true
  latest:
    description:
      - Return only the latest report, in RV(report). O(start), O(end) and O(status) do not apply.
    type: bool
    default: false
  user_id:
    description:
      - With O(latest=true), customize the latest report for this user id.
    type: int
notes:
  - Without O(start) the API's default range applies.
seealso:
  - module: cloutility.cloutility.cloutility_job_info
  - module: cloutility.cloutility.cloutility_reference_info
'''

EXAMPLES = r'''
- name: Reports of the last seven days
  cloutility.cloutility.cloutility_report_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
    start: -7d
  register: reports

- name: Latest report of a node that shares its name with another one
  cloutility.cloutility.cloutility_report_info:
    bunit: Acme Hosting/Customers/Fabrikam
    consumer_id: 442
    latest: true
  register: latest

- name: Fail when the latest report has warnings (named when the portal gives names, by type id otherwise)
  ansible.builtin.assert:
    that: latest.report.warnings | default([]) | length == 0
    fail_msg: "{{ latest.report.warnings | map(attribute='typeName', default='type id') | list }}"
'''

RETURN = r'''
reports:
  description:
    - The reports in the range, as the API returns them (for example C(date), C(storage) and C(transfer) in GB,
      C(storageBytes), C(transferBytes), C(numberOfFiles), C(status), C(warnings)); empty when the node has none in the range.
    - Each warning has C(typeId) added and, when the name is known, C(typeName).
  returned: when O(latest=false)
  type: list
  elements: dict
  sample:
    - date: "2024-05-01T00:00:00.000Z"
      consumer: {id: 408, name: web01}
      nodeId: 1201
      tsmName: CONTOSO-WEB01
      storage: 41.2
      storageBytes: 44237811302
      transfer: 1.3
      transferBytes: 1395864371
      numberOfFiles: 61240
      status: {id: 2, name: Failed}
      warnings: [{type: {id: 2}, typeId: 2, typeName: FailedBackup, message: Scheduled backup ended with return code 12}]
report:
  description: The latest report, with warning type ids and names added; empty when the node has no report yet.
  returned: when O(latest=true)
  type: dict
  sample:
    date: "2024-05-01T00:00:00.000Z"
    storage: 41.2
    transfer: 1.3
    status: {id: 1, name: Successful}
    warnings: []
warning_type_names:
  description:
    - How warning type names were found. V(read) - from C(GET /v1/nodewarningtypes); V(not_needed) - no warning lacked
      a name (or O(warnings=false)), nothing was read; V(unavailable) - the portal has no warning types
      (404), warnings carry their type ids only.
  returned: always
  type: str
  sample: read
consumer:
  description: The consumption unit the reports belong to (C(id), C(name)).
  returned: always
  type: dict
  sample: {id: 408, name: web01}
bunit_id:
  description: Id of the business unit of the consumption unit.
  returned: always
  type: int
  sample: 94
start:
  description: The start of the range as sent to the API, ISO 8601 in UTC; null when none was sent.
  returned: when O(latest=false)
  type: str
  sample: "2024-04-24T08:00:00Z"
end:
  description: The end of the range as sent to the API, ISO 8601 in UTC; null when none was sent.
  returned: when O(latest=false)
  type: str
  sample: "2024-05-01T08:00:00Z"
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.consumer import CONSUMER_CHOICE
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import report_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **CONSUMER_CHOICE,
            start=dict(type='str'),
            end=dict(type='str'),
            status=dict(type='bool', default=True),
            warnings=dict(type='bool', default=True),
            latest=dict(type='bool', default=False),
            user_id=dict(type='int'),
        ),
        required_one_of=[('consumer', 'consumer_id')],
    )
    module.run_resource(report_info)


if __name__ == '__main__':
    main()
