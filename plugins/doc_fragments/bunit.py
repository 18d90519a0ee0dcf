# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The business unit a module works in (cloutility.cloutility.bunit).
    DOCUMENTATION = r'''
options:
  bunit:
    description:
      - The business unit, as a path of names from the top of the tree the account can see
        (V(Acme Hosting/Customers/Contoso)) or as a numeric id. The path may leave out the top unit's own name.
      - Defaults to the top of the tree, the user's home business unit.
    type: str
'''

    # One consumption unit, by name in a business unit or by id (cloutility.cloutility.bunit.CONSUMER).
    CONSUMER = r'''
options:
  bunit:
    description:
      - The business unit of the consumption unit, as a path of names from the top of the tree the account can see
        (V(Acme Hosting/Customers/Contoso)) or as a numeric id. The path may leave out the top unit's own name.
      - Defaults to the top of the tree, the user's home business unit.
    type: str
  consumer:
    description:
      - Name of the consumption unit. When two units of O(bunit) share the name, the module fails and lists their ids;
        set O(consumer_id) instead.
    type: str
  consumer_id:
    description:
      - Id of the consumption unit.
    type: int
'''
