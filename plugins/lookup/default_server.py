# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: default_server
short_description: The default backup server of Cloutility business units
version_added: 1.0.0
description:
  - Returns the default Storage Protect server of each business unit given as a term, read-only
    (C(GET /v1/bunits/{id}/defaultserver)).
  - The C(cloutility.cloutility.onboard) role uses its address and port to write the backup client's option files.
author:
  - Cloutility Ansible collection contributors (@cloutility-ansible)
extends_documentation_fragment:
  - cloutility.cloutility.connection.PLUGINS
options:
  _terms:
    description:
      - Business units, as paths of names from the top of the tree the account can see or as numeric ids.
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Where the backup client connects
  ansible.builtin.debug:
    msg: "{{ server.tcpAddress }}:{{ server.tcpPort }}"
  vars:
    server: "{{ lookup('cloutility.cloutility.default_server', 'Acme Hosting/Customers/Contoso') }}"
'''

RETURN = r'''
_list:
  description: One BackupServer per term, as the API returns it.
  type: list
  elements: dict
  contains:
    id:
      description: Server id.
      type: int
    name:
      description: Server name, used as C(SERVERNAME) in the client options.
      type: str
    tcpAddress:
      description: Address the backup client connects to (field name as the portal returns it).
      type: str
    tcpPort:
      description: TCP port the backup client connects to.
      type: int
'''

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.lookup import LookupBase

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.plugin_utils.connection import client_from_plugin


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        try:
            client = client_from_plugin(self, where='cloutility.cloutility.default_server')
            tree = BusinessUnitTree(client)
            return [client.get_object(endpoint('default_server', bunit=tree.resolve(term)['id']), what='the default backup server') for term in terms]
        except CloutilityError as exc:
            raise AnsibleError('cloutility.cloutility.default_server: %s' % to_native(exc))
