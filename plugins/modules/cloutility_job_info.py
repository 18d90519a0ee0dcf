#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_job_info
short_description: Read the jobs of a Cloutility backup node
version_added: 1.0.0
description:
  - Returns the jobs (backups, restores, ...) of a consumption unit's backup node over a time range.
  - The API refuses a range that starts before the completion of the node's first job. The module reads that time
    from C(jobs/first), and nothing else from that answer, whose other fields are not to be trusted, and moves the start
    of the range up to it when needed, reporting so in RV(range). A C(jobs/first) answer that is not a job with a
    completion date (a maintenance page, an object without C(completed)) fails the task; a 404 means no job.
  - A node without any job, or a range that ends before the first job completed, returns no jobs without asking
    for the range. A portal may also answer 404 for a range without jobs; the result is then empty. A 404 saying the
    route does not exist (C(No HTTP resource was found that matches the request URI)) always fails.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.INFO
  - cloutility.cloutility.bunit.CONSUMER
  - cloutility.cloutility.time_range
options:
  # start and end are described in the time_range fragment; only their defaults are set here.
  start:
    default: -24h
  end:
    default: now
notes:
  - The default range is the last 24 hours.
seealso:
  - module: cloutility.cloutility.cloutility_report_info
'''

EXAMPLES = r'''
- name: Jobs of the last 24 hours
  cloutility.cloutility.cloutility_job_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
  register: jobs

- name: Every job since the node's first one
  cloutility.cloutility.cloutility_job_info:
    bunit: Acme Hosting/Customers/Contoso
    consumer: web01
    start: "2000-01-01"
  register: all_jobs

- name: Failed jobs
  ansible.builtin.debug:
    msg: "{{ jobs.jobs | rejectattr('status', 'in', ['Completed', 'Successful']) | list }}"
'''

RETURN = r'''
jobs:
  description: The jobs in the range, as the API returns them (for example C(id), C(type), C(status), C(started),
    C(completed), C(transferredBytes), C(returnCode)).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 120100123, type: Backup, status: Completed, returnCode: 0, started: "2024-05-01T22:14:00.000Z", completed: "2024-05-01T22:40:00.000Z",
       transferredBytes: 1395864371, numberOfFiles: 1840, tsmName: CONTOSO-WEB01}
first_job_completed:
  description: When the node's first job completed, from C(jobs/first); null when the node has no job.
  returned: always
  type: str
  sample: "2023-07-10T01:14:00Z"
range:
  description: The range asked for and the range used.
  returned: always
  type: dict
  contains:
    start:
      description: Start of the range sent to the API (after the adjustment), ISO 8601 in UTC.
      type: str
      sample: "2024-04-30T08:00:00Z"
    end:
      description: End of the range sent to the API, ISO 8601 in UTC.
      type: str
      sample: "2024-05-01T08:00:00Z"
    requested_start:
      description: Start of the range the task asked for, ISO 8601 in UTC.
      type: str
      sample: "2024-04-30T08:00:00Z"
    adjusted:
      description: Whether the start was moved up to RV(first_job_completed).
      type: bool
      sample: false
    queried:
      description: Whether the range was asked for at all (false when no job can be in it).
      type: bool
      sample: true
consumer:
  description: The consumption unit the jobs belong to (C(id), C(name)).
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
from ansible_collections.cloutility.cloutility.plugins.module_utils.reports import job_info


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **CONSUMER_CHOICE,
            start=dict(type='str', default='-24h'),
            end=dict(type='str', default='now'),
        ),
        required_one_of=[('consumer', 'consumer_id')],
    )
    module.run_resource(job_info)


if __name__ == '__main__':
    main()
