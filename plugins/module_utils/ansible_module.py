# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only Ansible-aware piece: connection options, the client, reconcile wiring, errors."""

from __future__ import annotations

import math
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.cloutility.cloutility.plugins.module_utils.ansible_compat import RecordsGivenParams
from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CloutilityApiError,
    CloutilityError,
    url_secrets,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.connection_options import (
    CONNECTION_ENV,
    CONNECTION_SPEC,
    client_from_options,
    env_value,
)
from ansible_collections.cloutility.cloutility.plugins.module_utils.names import BusinessUnitTree
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import secret_values
from ansible_collections.cloutility.cloutility.plugins.module_utils.reconcile import PartialWriteError, Reconciler


def env_setting(*names):
    """The fallback of a connection option: its environment variable, when set to something. An empty variable (what a
    credential type injects for a field left blank) counts as unset, so the option's default applies."""
    for name in names:
        value = env_value(name)
        if value is not None:
            return value
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    """Connection options shared by every module (connection_options.CONNECTION_SPEC, the one table); documented in
    the connection doc fragment.

    The five that say where and who are required: the environment variable satisfies ``required``
    (fallbacks are applied first), so with nothing set the task names every missing one at once, with its variable.
    Input rules (``min``, ``max``: see option_problems) are declared with each option.
    """
    spec = {}
    for option, declared in CONNECTION_SPEC.items():
        spec[option] = dict((key, value) for key, value in declared.items() if key != 'env')
        spec[option]['fallback'] = (env_setting, [declared['env']])
    return spec


MISSING_REQUIRED = re.compile(r'missing required arguments?: (.*)$')


def missing_connection_message(msg):
    """Ansible's "missing required arguments: origin, password", with what sets each connection option among them."""
    match = MISSING_REQUIRED.search(str(msg or ''))
    names = [name.strip() for name in match.group(1).split(',')] if match else []
    missing = [name for name in names if name in CONNECTION_ENV]
    if not missing:
        return msg
    return ('%s. Set %s as task options, in module_defaults (group cloutility.cloutility.cloutility), or with the environment '
            'variable%s %s; the onboard role and the audit take them from onboard_connection' % (
                str(msg).rstrip('.'), ', '.join(missing), 's' if len(missing) > 1 else '',
                ', '.join(CONNECTION_ENV[name] for name in missing)))


# The input rules an option may declare beside its argument spec (see option_problems). They are taken out of the
# spec before AnsibleModule sees it (argument_spec_of).
RULE_KEYS = ('not_blank', 'min', 'max', 'only_in_state', 'check')
TEXT_TYPES = ('str', 'path')


def argument_spec_of(declared):
    """The Ansible argument spec of declared options: the input rules taken out, at every level of ``options``."""
    spec = {}
    for name, option in declared.items():
        option = dict((key, value) for key, value in option.items() if key not in RULE_KEYS)
        if isinstance(option.get('options'), dict):
            option['options'] = argument_spec_of(option['options'])
        spec[name] = option
    return spec


def _kind_of(value):
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, dict):
        return 'a dictionary'
    if isinstance(value, (list, tuple, set)):
        return 'a list'
    return 'a %s' % type(value).__name__


def _type_problem(name, option, value):
    """A value the argument spec would convert into something the task did not mean (the options as given)."""
    kind = option.get('type', 'str')
    if kind in TEXT_TYPES and isinstance(value, (bool, dict, list, tuple, set)):
        return '%s must be a string, not %s; quote the value if it is meant as text' % (name, _kind_of(value))
    if kind in ('int', 'float') and isinstance(value, (bool, dict, list, tuple, set)):
        return '%s must be a number, not %s' % (name, _kind_of(value))
    if kind in ('int', 'float') and isinstance(value, float) and not math.isfinite(value):
        return '%s must be a finite number, not %s' % (name, value)
    return None


def option_problems(declared, params, given=None, prefix=''):
    """What is wrong with a module's options beyond what the argument spec checks, one message per problem.

    The one mechanism for input rules: every module (CloutilityModule), the fleet's entries (``options`` of a list of
    dictionaries, named ``nodes[2].consumer``) and the onboard role's hosts (their node settings) are checked here,
    before the first request. The rules are declared with each option, beside its argument spec:

    - always: a dictionary, list or boolean given for a text option, or one of them for a number, is refused (Ansible
      would turn ``{'a': 1}`` into the text "{'a': 1}" and ``true`` into 1); ``given`` holds the values as the task
      gave them, before conversion;
    - ``not_blank``: when given, a text option must hold more than white space;
    - ``min``, ``max``: the range of a number (NaN and infinity refused);
    - ``only_in_state``: the option has an effect only with that ``state``; giving it (other than its default) with
      another state is refused rather than silently ignored;
    - ``check``: a function of the value that returns what is wrong with it, or None.
    """
    given = params if given is None else given
    problems = []
    state = params.get('state')
    for name, option in declared.items():
        label = prefix + name
        raw, value = given.get(name), params.get(name)
        problem = _type_problem(label, option, raw) if raw is not None else None
        if problem:
            problems.append(problem)
            continue
        if value is None:
            continue
        if option.get('not_blank') and isinstance(value, str) and not value.strip():
            problems.append('%s must not be empty or blank' % label)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = option.get('min'), option.get('max')
            if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
                problems.append('%s must be %s, not %s' % (label, _range(low, high), value))
        wanted = option.get('only_in_state')
        if wanted and state != wanted and value != option.get('default'):
            problems.append('%s has no effect with state=%s (only with state=%s); remove it' % (label, state, wanted))
        if option.get('check'):
            message = option['check'](value)
            if message:
                problems.append('%s %s' % (label, message))
        if isinstance(option.get('options'), dict) and isinstance(value, list):
            raws = raw if isinstance(raw, list) and len(raw) == len(value) else value
            for index, (item, raw_item) in enumerate(zip(value, raws)):
                if isinstance(item, dict):
                    problems.extend(option_problems(option['options'], item, raw_item if isinstance(raw_item, dict) else item,
                                                    prefix='%s[%d].' % (label, index)))
    return problems


def _range(low, high):
    if low is not None and high is not None:
        return 'from %s to %s' % (low, high)
    return '%s or more' % low if low is not None else '%s or less' % high


def connection_settings(given, environ=None):
    """The connection options for code that runs outside a module: ``(options, problems)``; other keys of ``given``
    are left alone (see checked_settings, which also checks a plugin's own options and refuses unknown ones)."""
    return checked_settings({}, dict((name, value) for name, value in given.items() if name in CONNECTION_SPEC), environ)


def checked_settings(declared, given, environ=None, connection=True, where='argument'):
    """The one input mechanism for code that runs outside a module (the event sources, the inventory plugin):
    ``(options, problems)``, the same checks as a module's.

    ``declared``: the plugin's own options, declared like a module's (argument spec plus the input rules of
    option_problems, and ``env``: an environment variable read when the option is not given). With ``connection``,
    the connection options (CONNECTION_SPEC) are declared too, each read from ``given``, else its ``CLOUTILITY_*``
    variable (from ``environ``, default the process environment; empty counts as unset). A name of ``given`` that is
    declared nowhere is refused. Values are converted and checked by Ansible's argument spec validator (types,
    choices, defaults, required), then by the input rules on the values as given (a list or a boolean for a text
    option, a boolean for a number, ranges, blanks). ``problems`` names each option (``where`` says what it is: an
    argument, an option) that is wrong or missing, a missing connection option with the variable that sets it;
    nothing may be sent while there are any.
    """
    every = {}
    if connection:
        every.update((name, dict(spec)) for name, spec in CONNECTION_SPEC.items())
    every.update(declared)
    unknown = sorted(str(name) for name in given if name not in every)
    if unknown:
        plural = 's' if len(unknown) > 1 else ''
        return {}, ['unknown %s%s %s; the %ss are %s' % (where, plural, ', '.join(unknown), where, ', '.join(sorted(every)))]
    params = {}
    for name, option in every.items():
        value = given.get(name)
        if option.get('env') and (value is None or (isinstance(value, str) and not value.strip())):
            value = env_value(option['env'], environ)
        if value is not None:
            params[name] = value
    spec = argument_spec_of(dict((name, dict((key, value) for key, value in option.items() if key not in ('env', 'fallback')))
                                 for name, option in every.items()))
    # The type rules first, on the values as given: Ansible would turn a list into the text "['a', 'b']" and true into 1.
    problems = [problem for name, option in every.items() if params.get(name) is not None
                for problem in [_type_problem(name, option, params[name])] if problem]
    if problems:
        return {}, problems
    result = ArgumentSpecValidator(spec).validate(params)
    for error in result.error_messages:
        match = MISSING_REQUIRED.search(str(error))
        names = [name.strip() for name in match.group(1).split(',')] if match else []
        env_names = [every[name]['env'] for name in names if every.get(name, {}).get('env')]
        if names and env_names:
            label = 'connection options' if all(name in CONNECTION_SPEC for name in names) else '%ss' % where
            problems.append('missing %s: %s. Set them as %ss, or with the environment variable%s %s' % (
                label, ', '.join(names), where, 's' if len(env_names) > 1 else '', ', '.join(env_names)))
        else:
            problems.append(str(error))
    options = result.validated_parameters
    if not problems:
        problems = option_problems(every, options, given=params)
    return options, problems


def error_details(exc):
    """Extra result keys for a failed API call, so a playbook can branch on the status."""
    if isinstance(exc, CloutilityApiError):
        return dict(api_error=exc.as_result())
    return {}


class CloutilityModule(RecordsGivenParams, AnsibleModule):
    """AnsibleModule with the connection options, a lazily built client and API errors as failures.

    Each option of ``argument_spec`` may declare input rules beside its argument spec (see option_problems); a task
    that breaks one fails before any request, naming the option.
    ``secret_keys_in`` names free-form options (a request body): their values under secret keys
    (masking.is_secret_key) are treated as no_log values, masked in the invocation, the log and the result.
    """

    def __init__(self, argument_spec, secret_keys_in=(), **kwargs):
        declared = connection_argument_spec()
        declared.update(argument_spec)
        kwargs.setdefault('supports_check_mode', True)
        self._secret_keys_in = tuple(secret_keys_in)
        super().__init__(argument_spec=argument_spec_of(declared), **kwargs)
        self._hide_secret_values()
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'),
                           exception=''.join(traceback.format_exception_only(type(REQUESTS_IMPORT_ERROR), REQUESTS_IMPORT_ERROR)))
        # The options as the task gave them, before the argument spec converted them (type rules).
        problems = option_problems(declared, self.params, self.given_params)
        if problems:
            self.fail_json(msg='; '.join(problems))
        self._client = None
        self._tree = None
        self.pool_size = None  # set before the first use of .client by a module that reads with several threads

    def fail_json(self, msg=None, **kwargs):  # pylint: disable=arguments-differ
        super().fail_json(msg=missing_connection_message(msg), **kwargs)

    def _hide_secret_values(self):
        for name in self._secret_keys_in:
            self.no_log_values.update(secret_values(self.params.get(name)))
        # A password put into api_url (refused below): masked in the result too, whose invocation (up to 2.20) repeats
        # the module's arguments.
        self.no_log_values.update(url_secrets(self.params.get('api_url')))

    def _log_invocation(self):
        # AnsibleModule logs the arguments (syslog/journal) before __init__ returns: hide first.
        self._hide_secret_values()
        super()._log_invocation()

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_options(self.params, pool_size=self.pool_size)
            self._client.on_warning = self.warn  # a lock of another user in lock_dir, not waited on
        return self._client

    @property
    def bunits(self):
        """The business unit tree, fetched once per task."""
        if self._tree is None:
            self._tree = BusinessUnitTree(self.client)
        return self._tree

    @property
    def reconciler(self):
        return Reconciler(check_mode=self.check_mode, client=self.client)

    def fail_on_error(self, exc, **extra):
        if isinstance(exc, PartialWriteError):
            # Earlier steps wrote: the task changed the portal, and says what exists now and what is left.
            extra.update(exc.result)
            extra['changed'] = True
            extra.update(error_details(exc.cause))
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

    def run_resource(self, work, **extra):
        """The one call of a module file: ``work(client, tree, params, **extra)`` (a function of module_utils, such as
        ``ensure_bunit(..., check_mode=...)``) returns the module's result; the collection's errors fail the task cleanly."""
        self.run(lambda module: module.finish(work(module.client, module.bunits, module.params, **extra)))

    def finish(self, result):
        """exit_json, or fail_json for a result with ``failed`` (and its ``msg``). A result's ``warnings`` (a list of lines)
        go through ``warn``: ansible-core 2.22 deprecates passing them to exit_json (removed in 2.23)."""
        for warning in result.pop('warnings', None) or []:
            self.warn(warning)
        if result.pop('failed', False):
            self.fail_json(**result)
        self.exit_json(**result)
