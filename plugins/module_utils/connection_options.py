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

import math
import os

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityClient

# Each option: its type, default, range, and the environment variable that sets it. The five that say where and who
# are required.
CONNECTION_SPEC = dict(
    api_url=dict(type='str', required=True, env='CLOUTILITY_API_URL'),
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
)

CONNECTION_ENV = dict((name, spec['env']) for name, spec in CONNECTION_SPEC.items())
CONNECTION_OPTIONS = tuple(CONNECTION_SPEC)

_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')


def env_value(name, environ=None):
    """An environment variable when set to something: an empty one (what a credential type injects for a field left
    blank) counts as unset, so the option's default applies."""
    value = (os.environ if environ is None else environ).get(name)
    if value is not None and value.strip():
        return value
    return None


def _convert(name, kind, value):
    """``value`` as the option's type, or a message saying what is wrong with it."""
    if kind == 'bool':
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE, None
        return None, '%s must be a boolean (true or false), not %r' % (name, value)
    if kind in ('int', 'float'):
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            return None, '%s must be a number, not %r' % (name, value)
        try:
            number = float(value) if kind == 'float' else int(str(value).strip())
        except ValueError:
            return None, '%s must be %s, not %r' % (name, 'a number' if kind == 'float' else 'a whole number', value)
        if not math.isfinite(number):
            return None, '%s must be a finite number, not %r' % (name, value)
        return number, None
    if isinstance(value, (bool, dict, list)):
        return None, '%s must be a string, not %r' % (name, type(value).__name__)
    text = str(value)
    return (os.path.expanduser(text) if kind == 'path' else text), None


def connection_settings(given, environ=None):
    """The connection options for code that runs outside Ansible: ``(options, problems)``.

    Each option comes from ``given`` (for example an event source's arguments), else its ``CLOUTILITY_*`` variable,
    else its default; values are converted to the option's type and checked against its range. ``problems`` lists,
    one message each, what is wrong or missing, naming the option and the variable that sets it; nothing is sent
    while there are any.
    """
    options, problems, missing = {}, [], []
    for name, spec in CONNECTION_SPEC.items():
        value = given.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            value = env_value(spec['env'], environ)
        if value is None:
            if spec.get('required'):
                missing.append(name)
            options[name] = spec.get('default')
            continue
        value, problem = _convert(name, spec['type'], value)
        if problem is None and spec['type'] in ('int', 'float'):
            low, high = spec.get('min'), spec.get('max')
            if (low is not None and value < low) or (high is not None and value > high):
                problem = '%s must be from %s to %s, not %s' % (name, low, high, value)
        if problem:
            problems.append(problem)
        options[name] = value
    if missing:
        problems.append('missing connection options: %s. Set them as arguments, or with the environment variable%s %s' % (
            ', '.join(missing), 's' if len(missing) > 1 else '', ', '.join(CONNECTION_ENV[name] for name in missing)))
    return options, problems


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
                            pool_size=pool_size)
