# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloutility_api's request: the path and query a playbook gives, checked before any request. Plain Python, no Ansible.
"""

from __future__ import annotations

import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, normalize_path


# ----------------------------------------------------------------------------- raw API
API_METHODS = ('GET', 'POST', 'PUT', 'DELETE', 'PATCH')


def api_path(path):
    """A path relative to /v1 from what a playbook gives: 'bunits/22', '/bunits/22' or '/v1/bunits/22'."""
    text = str(path or '').strip()
    if not text:
        raise CloutilityError('path is required, relative to /v1, for example bunits/22/consumers')
    if re.match(r'^[a-z][a-z0-9+.-]*://', text, re.IGNORECASE):
        raise CloutilityError("path must be relative to the API's /v1 (for example bunits/22), not a URL: '%s'" % text)
    if '?' in text or '#' in text:
        raise CloutilityError("path must not carry a query string; put parameters in query: '%s'" % text)
    text = text.lstrip('/')
    if text.lower() == 'v1' or text.lower().startswith('v1/'):
        text = text[3:]
    # Judged on the path the portal serves: %2e%2e, %252e%252e and a backslash for a slash make '..' there too.
    served = normalize_path(text)
    if any(part in ('.', '..') for part in text.split('/')) or '..' in served.split('/'):
        raise CloutilityError("path must not contain '.' or '..' segments, also percent-encoded: '%s'" % path)
    if served.strip('/').lower() == 'oauth':
        raise CloutilityError('path oauth is handled by the connection options; the module logs in itself')
    return text


def query_params(query):
    """Query parameters for requests: booleans as true/false, lists repeated (types=0&types=100)."""
    params = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            params[key] = [str(item).lower() if isinstance(item, bool) else str(item) for item in value]
        elif isinstance(value, bool):
            params[key] = str(value).lower()
        else:
            params[key] = str(value)
    return params
