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
  - V(GET) never reports C(changed), except a V(GET) that acts (C(.../node/activate)); any other method does.
  - In check mode only requests without a side effect are sent (V(GET)s other than C(.../node/activate));
    the others are not sent and reported as a change.
  - Side effects and the refusal of C(..) segments are judged on the path the portal serves, percent-decoded until
    nothing changes and normalised (runs of slashes and backslashes as one slash, C(.) segments dropped, any letter
    case), so C(node/%61ctivate) and C(NODE//Activate) are the activation and C(%2e%2e) is refused.
  - Secrets in answers are masked unless O(return_secrets=true), that is the value of every key whose name contains
    C(password), C(secret) or C(token) (any letter case, at any depth), such as a node's C(tsmPassword).
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
attributes:
  check_mode:
    description:
      - Requests without a side effect (V(GET)) are sent and return their data; any other request, and a V(GET)
        that acts (C(.../node/activate)), is not sent and is reported as a change.
  diff_mode:
    support: none
    details: The module does not know what a request changes.
options:
  method:
    description:
      - HTTP method.
      - Some V(GET) endpoints act, such as C(.../node/activate) (it activates a backup node), so such a V(GET) is a
        change, and is not sent in check mode.
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
  return_secrets:
    description:
      - Return secrets found in the answer in clear instead of masked (V(********)), that is the value of every key whose
        name contains C(password), C(secret) or C(token), at any depth. Numbers and booleans under such keys
        (C(passwordExpirationDays)) are never masked.
      - A task that sets it should also set C(no_log=true), or the secret shows in the output at C(-v) and in logs.
      - A secret the task itself sends in O(body) (under such a key) is masked in the answer anyway, and in the
        module arguments shown at C(-vvv).
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

- name: The backup node's password, which the portal keeps (hidden from the output)
  cloutility.cloutility.cloutility_api:
    path: bunits/94/consumers/408/node
    return_secrets: true
  register: node
  no_log: true

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
    - The parsed answer; null when it has no body (a V(204), a write answered without one) or the request was skipped
      in check mode.
    - A string that is not JSON only from the endpoints that answer a bare string (C(.../node/spname),
      C(.../node/activate), C(fullversion)). Any other 2xx whose body is not JSON (an HTML maintenance page, JSON cut
      short), or a V(GET) with no body, fails the task naming the method, URL, status and the first bytes of the body.
    - With O(follow_pages=true), the answer of the first page.
    - Secrets masked, unless O(return_secrets=true).
  returned: always
  type: raw
  sample: {id: 22, name: Acme Hosting}
collection:
  description:
    - Every item of the collection, all pages read. Secrets masked, unless O(return_secrets=true).
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
from ansible_collections.cloutility.cloutility.plugins.module_utils.raw_api import api_call


def run(module):
    module.exit_json(**api_call(module.client, module.params, module.check_mode))


def main():
    module = CloutilityModule(
        argument_spec=dict(
            method=dict(type='str', choices=['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], default='GET'),
            path=dict(type='str', required=True, not_blank=True),
            query=dict(type='dict'),
            body=dict(type='raw'),
            follow_pages=dict(type='bool', default=False),
            return_secrets=dict(type='bool', default=False, no_log=False),
        ),
        secret_keys_in=('body', 'query'),
    )
    module.run(run)


if __name__ == '__main__':
    main()
