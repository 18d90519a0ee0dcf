# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options in one place: each option, its type, default, range and environment variable.

No Ansible. Modules build their argument spec from this table (ansible_module.connection_argument_spec); code that
runs outside Ansible (the Event-Driven Ansible sources in extensions/eda) reads the same options from its arguments
and the same ``CLOUTILITY_*`` variables with ``connection_settings``. Documented in the doc fragment
cloutility.cloutility.connection.
"""

from __future__ import annotations

import os

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient, api_url_problem

# Each option: its type, default, range, and the environment variable that sets it. The five that say where and who
# are required. api_url: a scheme and a host, no user information, query or fragment (api_url_problem).
CONNECTION_SPEC = dict(
    api_url=dict(type='str', required=True, env='CLOUTILITY_API_URL', check=api_url_problem),
    client_id=dict(type='str', required=True, env='CLOUTILITY_CLIENT_ID'),
    origin=dict(type='str', required=True, env='CLOUTILITY_ORIGIN'),
    username=dict(type='str', required=True, env='CLOUTILITY_USERNAME'),
    password=dict(type='str', required=True, no_log=True, env='CLOUTILITY_PASSWORD'),
    validate_certs=dict(type='bool', default=True, env='CLOUTILITY_VALIDATE_CERTS'),
    timeout=dict(type='int', default=30, min=1, max=3600, env='CLOUTILITY_TIMEOUT'),
    token_cache=dict(type='bool', default=True, env='CLOUTILITY_TOKEN_CACHE'),
    retries=dict(type='int', default=5, min=0, max=100, env='CLOUTILITY_RETRIES'),
    retry_max_time=dict(type='float', default=60.0, min=0, max=86400, env='CLOUTILITY_RETRY_MAX_TIME'),
    lock_dir=dict(type='path', env='CLOUTILITY_LOCK_DIR'),
    lock_timeout=dict(type='float', default=120.0, min=1, max=3600, env='CLOUTILITY_LOCK_TIMEOUT'),
    race_margin=dict(type='float', default=2.0, min=0, max=600, env='CLOUTILITY_RACE_MARGIN'),
)

CONNECTION_ENV = dict((name, spec['env']) for name, spec in CONNECTION_SPEC.items())
CONNECTION_OPTIONS = tuple(CONNECTION_SPEC)


def env_value(name, environ=None):
    """An environment variable when set to something: an empty one (what a credential type injects for a field left
    blank) counts as unset, so the option's default applies."""
    value = (os.environ if environ is None else environ).get(name)
    if value is not None and value.strip():
        return value
    return None


def client_from_options(options, pool_size=None):
    """A CloutilityClient from a dict holding the connection options; ``pool_size`` for ``workers`` threads."""
    return CloutilityClient(options.get('api_url'), options.get('client_id'), options.get('origin'),
                            options.get('username'), options.get('password'),
                            validate_certs=options.get('validate_certs', True),
                            timeout=options.get('timeout') or 30,
                            token_cache=options.get('token_cache', True),
                            retries=options.get('retries'),
                            retry_max_time=options.get('retry_max_time'),
                            lock_dir=options.get('lock_dir'),
                            lock_timeout=options.get('lock_timeout'),
                            race_margin=options.get('race_margin'),
                            pool_size=pool_size)
