# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How results show objects: secrets masked (one MASK), objects summarised (``short``). Plain Python, no Ansible.

The modelled resources declare their secret fields (ResourceSpec secrets, ``mask_keys``); an answer the
collection does not model (cloutility_api) can only be judged by its keys: any key whose name contains
``password``, ``secret`` or ``token`` (any letter case, at any depth) holds a secret, such as a node's
``tsmPassword``.
"""

from __future__ import annotations

import re

MASK = '********'
SECRET_KEY = re.compile(r'password|secret|token', re.IGNORECASE)


def is_secret_key(key):
    return isinstance(key, str) and SECRET_KEY.search(key) is not None


def _masked(value):
    # Numbers and flags under such a key are settings, not secrets (passwordExpirationDays: 90);
    # empty values have nothing to hide.
    if value is None or isinstance(value, (bool, int, float)) or value in ('', [], {}):
        return value
    return MASK


def mask_secrets(data):
    """A copy of parsed JSON with the value of every secret key masked, at any depth."""
    if isinstance(data, dict):
        return dict((key, _masked(value) if is_secret_key(key) else mask_secrets(value)) for key, value in data.items())
    if isinstance(data, list):
        return [mask_secrets(item) for item in data]
    return data


def secret_values(data):
    """Every text under a secret key of ``data`` (a request body, query...), at any depth."""
    found = set()

    def walk(value, secret):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, secret or is_secret_key(key))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, secret)
        elif secret and isinstance(value, str) and value:
            found.add(value)

    walk(data, False)
    return found


def mask_keys(obj, keys):
    """A shallow copy of ``obj`` with the value of each of ``keys`` masked when it is set; None stays None."""
    if obj is None:
        return None
    masked = dict(obj)
    for key in keys:
        if masked.get(key):
            masked[key] = MASK
    return masked


def short(obj, keys=('id', 'name')):
    """An object summarised to a few of its keys (by default its identity: id and name), for results and lists."""
    return dict((key, obj.get(key)) for key in keys if isinstance(obj, dict) and key in obj)
