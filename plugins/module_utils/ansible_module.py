# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only Ansible-aware piece: connection options, the client, reconcile wiring, errors."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CloutilityApiError,
    CloutilityClient,
    CloutilityError,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.lookups import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import Reconciler


def connection_argument_spec():
    """Connection options shared by every module; documented in the connection doc fragment."""
    return dict(
        api_url=dict(type='str', fallback=(env_fallback, ['CLOUTILITY_API_URL'])),
        client_id=dict(type='str', fallback=(env_fallback, ['CLOUTILITY_CLIENT_ID'])),
        origin=dict(type='str', fallback=(env_fallback, ['CLOUTILITY_ORIGIN'])),
        username=dict(type='str', fallback=(env_fallback, ['CLOUTILITY_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['CLOUTILITY_PASSWORD'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['CLOUTILITY_VALIDATE_CERTS'])),
        timeout=dict(type='int', default=30, fallback=(env_fallback, ['CLOUTILITY_TIMEOUT'])),
        token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['CLOUTILITY_TOKEN_CACHE'])),
    )


CONNECTION_OPTIONS = tuple(connection_argument_spec())


def client_from_options(options, pool_size=None):
    """A CloutilityClient from a dict holding the connection options (``pool_size``: threads that share it)."""
    return CloutilityClient(options.get('api_url'), options.get('client_id'), options.get('origin'),
                            options.get('username'), options.get('password'),
                            validate_certs=options.get('validate_certs', True),
                            timeout=options.get('timeout') or 30,
                            token_cache=options.get('token_cache', True),
                            pool_size=pool_size)


def error_details(exc):
    """Extra result keys for a failed API call, so a playbook can branch on the status."""
    if isinstance(exc, CloutilityApiError):
        return dict(api_error=dict(method=exc.method, path=exc.path, status=exc.status,
                                   message=exc.message, developer_message=exc.developer_message))
    return {}


class CloutilityModule(AnsibleModule):
    """AnsibleModule with the connection options, a lazily built client and API errors as failures."""

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        kwargs.setdefault('supports_check_mode', True)
        super().__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'),
                           exception=''.join(traceback.format_exception_only(type(REQUESTS_IMPORT_ERROR), REQUESTS_IMPORT_ERROR)))
        self._client = None
        self._tree = None

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_options(self.params)
        return self._client

    @property
    def bunits(self):
        """The business unit tree, fetched once per task."""
        if self._tree is None:
            self._tree = BusinessUnitTree(self.client)
        return self._tree

    @property
    def reconciler(self):
        return Reconciler(check_mode=self.check_mode)

    def fail_on_error(self, exc, **extra):
        extra.update(error_details(exc))
        self.fail_json(msg=str(exc), **extra)

    def run(self, work):
        """Call ``work(self)`` and turn the collection's own errors into a clean failure (no traceback)."""
        error = None
        try:
            work(self)
        except CloutilityError as exc:
            error = exc
        if error is not None:
            # Outside the except block: ansible-core 2.19 attaches the active traceback to fail_json,
            # and these errors are meant for people, not for debugging the module.
            self.fail_on_error(error)

    def exit_reconciled(self, result, key, **extra):
        """exit_json for a Reconciler result, returning the object under ``key``."""
        output = dict(changed=result['changed'], diff=result['diff'], changed_keys=result['changed_keys'])
        output[key] = result['object']
        output.update(extra)
        self.exit_json(**output)
