#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: cloutility_invoice_file
short_description: Upload an invoice file (PDF) for a Cloutility business unit
version_added: 1.0.0
description:
  - Uploads an invoice file for a business unit, as a reseller does for its customers, with an optional ERP
    reference, and optionally sends it to the unit's billing address.
  - Idempotent by file name and content. The module first reads the unit's uploaded files. A file of the same name
    whose checksum the API returns and matches is not uploaded again; a differing checksum uploads the new content.
  - When the API does not return a checksum for a file of the same name, that file counts as uploaded and nothing is
    sent; set O(force=true) to upload anyway. Uploading is then an action that check mode only predicts.
extends_documentation_fragment:
  - cloutility.cloutility.connection
  - cloutility.cloutility.connection.ACTIONS
  - cloutility.cloutility.bunit
options:
  src:
    description:
      - Path of the PDF file to upload, on the host the module runs on.
    type: path
    required: true
  file_name:
    description:
      - Name of the file in Cloutility. Defaults to the base name of O(src).
    type: str
  erp_reference:
    description:
      - ERP code of the invoice (the API's C(erpReference)).
    type: str
  send_to_billing_address:
    description:
      - Send the invoice to the unit's billing address (the API's C(sendToBillingAddress)).
    type: bool
    default: false
  force:
    description:
      - Upload even when a file of the same name is already there and its content cannot be compared.
    type: bool
    default: false
notes:
  - An upload is a POST and is never repeated blindly. After an uncertain answer (none, or HTTP 5xx) the module
    reads the unit's files again and uploads again only when the file is not there.
  - Parallel tasks on one controller that upload the same file name to the same unit take turns.
  - With O(send_to_billing_address=true) the portal sends the invoice when it is uploaded; a file that is not uploaded
    again is not sent again.
seealso:
  - module: cloutility.cloutility.cloutility_billing_info
'''

EXAMPLES = r'''
- name: Upload May's invoice for Contoso and mail it
  cloutility.cloutility.cloutility_invoice_file:
    bunit: Acme Hosting/Customers/Contoso
    src: /srv/erp/export/contoso-2024-05.pdf
    erp_reference: INV-2024-0512
    send_to_billing_address: true
'''

RETURN = r'''
invoice_file:
  description:
    - The uploaded file as the API describes it after the task (for example C(id), C(fileName), C(erpReference)).
    - In check mode, when an upload is needed, the prediction C(fileName), C(erpReference), C(sendToBillingAddress).
  returned: always
  type: dict
  sample: {id: 301, fileName: contoso-2024-05.pdf, erpReference: INV-2024-0512, sendToBillingAddress: true}
uploaded:
  description: Whether the file was uploaded (or would be, in check mode).
  returned: always
  type: bool
  sample: true
reason:
  description: Why the file was or was not uploaded.
  returned: always
  type: str
  sample: no file of this name yet
checksum:
  description: SHA-256 of the local file.
  returned: always
  type: str
  sample: 0d1c7b0a5e8d3f0b4c9e6f2a1d7b8c3e5f4a2b1c0d9e8f7a6b5c4d3e2f1a0b9c
bunit_id:
  description: Id of the business unit.
  returned: always
  type: int
  sample: 94
diff:
  description: The unit's file of this name before and after the task.
  returned: always
  type: dict
'''

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_module import CloutilityModule
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BUNIT_OPTION
from ansible_collections.cloutility.cloutility.plugins.module_utils.resources.invoice_file import ensure_invoice_file


def main():
    module = CloutilityModule(
        argument_spec=dict(
            **BUNIT_OPTION,
            src=dict(type='path', required=True),
            file_name=dict(type='str'),
            erp_reference=dict(type='str'),
            send_to_billing_address=dict(type='bool', default=False),
            force=dict(type='bool', default=False),
        ),
    )
    module.run_resource(ensure_invoice_file, check_mode=module.check_mode)


if __name__ == '__main__':
    main()
