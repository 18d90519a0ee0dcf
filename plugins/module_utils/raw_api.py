# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloutility_api's request: the path and query a playbook gives, checked before any request, and the request itself
(api_call). Plain Python, no Ansible.
"""

from __future__ import annotations

import re

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityError, has_side_effect, normalize_path
from ansible_collections.cloutility.cloutility.plugins.module_utils.endpoints import endpoint
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import mask_secrets


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
    if served.strip('/').lower() == endpoint('token').lower():
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


def api_call(client, params, check_mode=False):
    """The result of cloutility_api: one request (or every page of a collection with ``follow_pages``).

    Everything is checked before any request: the path (api_path), the query, ``follow_pages`` (GET only, and not
    for a GET that acts) and ``body`` (not with GET). A request with a side effect (any method but GET, and a GET
    that acts: api_client.has_side_effect) is a change; in check mode it is not sent (``skipped_in_check_mode``).
    A GET that acts is sent once: repeating it after a lost answer could act twice. Secrets in the answer are masked
    unless ``return_secrets``.
    """
    method = params['method']
    path = api_path(params['path'])  # refused before any call
    query = query_params(params.get('query'))
    if params.get('follow_pages') and method != 'GET':
        raise CloutilityError('follow_pages applies to GET only, not %s' % method)
    if params.get('body') is not None and method == 'GET':
        raise CloutilityError('A GET request has no body; use query for parameters')
    acts = has_side_effect(method, path)
    if acts and params.get('follow_pages'):
        raise CloutilityError('follow_pages does not apply to GET %s: it acts, it is no collection' % path)
    result = dict(method=method, path=path, changed=acts, skipped_in_check_mode=False, json=None)
    if acts and check_mode:
        result['skipped_in_check_mode'] = True
        return result
    shown = (lambda answer: answer) if params.get('return_secrets') else mask_secrets
    if params.get('follow_pages'):
        items, answer = client.collect(path, query, require=False)  # any endpoint: its pages after the first are checked
        result['json'] = shown(answer)
        if items is not None:
            result['collection'] = shown(items)
    else:
        result['json'] = shown(client.request(method, path, params=query or None, json=params.get('body'),
                                              retry=False if acts and method == 'GET' else None))
    return result
