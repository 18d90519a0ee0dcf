#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_api
short_description: Call any endpoint of the Cloutility API
version_added: 1.0.0
description:
  - An escape hatch for endpoints the collection does not model yet. Sends one request (or walks the pages of a
    collection) with the same login, token cache, retries and error handling as every other module.
  - Prefer the dedicated modules where they exist; they are idempotent, this module is not.
  - V(GET) never reports C(changed); any other method does. In check mode only V(GET) requests are sent.
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
attributes:
  check_mode:
    description: V(GET) requests are sent and return their data; any other request is skipped and reported as a change.
  diff_mode:
    support: none
    details: The module does not know what a request changes.
options:
  method:
    description:
      - HTTP method.
      - Some V(GET) endpoints act, such as C(.../node/activate); this module cannot tell and sends them in check mode too.
    type: str
    choices: [GET, POST, PUT, DELETE, PATCH]
    default: GET
  path:
    description:
      - The endpoint path relative to C(/v1), for example V(bunits/22/consumers). A leading V(/) or V(/v1/) is accepted.
      - No query string here; use O(query).
    type: str
    required: true
  query:
    description:
      - Query parameters. Lists are sent as repeated parameters (V(types=0&types=100)), booleans as V(true)/V(false).
    type: dict
  body:
    description:
      - JSON request body.
    type: raw
  follow_pages:
    description:
      - When the answer is a collection (C(items), C(total), C(offset)), read every page and return all items in
        RV(collection). Only for V(GET).
    type: bool
    default: false
notes:
  - GET, PUT and DELETE are retried on HTTP 429, 502, 503 and 504; POST and PATCH are never repeated.
seealso:
  - module: cloutility.cloutility.cloutility_bunit_info
'''

EXAMPLES = r'''
- name: API version
  cloutility.cloutility.cloutility_api:
    path: fullVersion
  register: version

- name: Every filespace of a node, synced with the backup server
  cloutility.cloutility.cloutility_api:
    path: bunits/94/consumers/408/node/filespaces
    query:
      tsmSync: true
    follow_pages: true
  register: filespaces

- name: Something the collection has no module for
  cloutility.cloutility.cloutility_api:
    method: POST
    path: bunits/94/addresses
    body:
      street: Main Street 1
      city: Stockholm
'''

RETURN = r'''
json:
  description:
    - The parsed answer; a string when the answer is not JSON, null when it is empty or the request was skipped
      in check mode.
    - With O(follow_pages=true), the answer of the first page.
  returned: always
  type: raw
  sample: {id: 22, name: Acme Hosting}
collection:
  description:
    - Every item of the collection, all pages read.
    - Named so, not C(items), because C(result.items) would be the Python method of the result in a template.
  returned: when O(follow_pages=true) and the answer is a collection
  type: list
  elements: raw
  sample: [{id: 408, name: web01}]
method:
  description: The method sent.
  returned: always
  type: str
  sample: GET
path:
  description: The path sent, relative to C(/v1).
  returned: always
  type: str
  sample: bunits/22/consumers
skipped_in_check_mode:
  description: Whether the request was not sent because of check mode.
  returned: always
  type: bool
  sample: false
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.readside import api_path, query_params


def run(module):
    params = module.params
    method = params['method']
    path = api_path(params['path'])  # refused before any call
    query = query_params(params['query'])
    if params['follow_pages'] and method != 'GET':
        module.fail_json(msg='follow_pages applies to GET only, not %s' % method)
    if params['body'] is not None and method == 'GET':
        module.fail_json(msg='A GET request has no body; use query for parameters')
    result = dict(method=method, path=path, changed=method != 'GET', skipped_in_check_mode=False, json=None)
    if method != 'GET' and module.check_mode:
        result['skipped_in_check_mode'] = True
        module.exit_json(**result)
    client = module.client
    if params['follow_pages']:
        items, answer = client.collect(path, query)
        result['json'] = answer
        if items is not None:
            result['collection'] = items
    else:
        result['json'] = client.request(method, path, params=query or None, json=params['body'])
    module.exit_json(**result)


def main():
    module = CloutilityModule(
        argument_spec=dict(
            method=dict(type='str', choices=['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], default='GET'),
            path=dict(type='str', required=True),
            query=dict(type='dict'),
            body=dict(type='raw'),
            follow_pages=dict(type='bool', default=False),
        ),
    )
    module.run(run)


if __name__ == '__main__':
    main()
