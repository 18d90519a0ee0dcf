# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a resource with what a playbook asks for, change only what differs, predict in check mode.

Knows nothing of any one resource (a module describes its fields with a ResourceSpec) and
nothing of Ansible (the caller passes check_mode and the create/update/delete callables).
"""

from __future__ import annotations

import copy

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError

MASK = '********'

# Server-managed fields that say nothing about the resource's configuration; diffs ignore them.
VOLATILE_KEYS = frozenset(('href', '$type', 'actions', 'createdDate', 'lastCommentTime', 'lastCommentTypeId',
                           'comments', 'jobs', 'ancestors'))


class Field:
    """One option of a module mapped to one key of the API object.

    kind: 'str', 'int', 'float', 'bool', 'list' or 'ref' (a nested object compared by its id).
    default: the value the server means when the key is absent.
    """

    def __init__(self, option, key, kind='str', case_insensitive=False, unordered=False, default=None):
        self.option = option
        self.key = key
        self.kind = kind
        self.case_insensitive = case_insensitive
        self.unordered = unordered
        self.default = default

    def normalize(self, value):
        if value is None:
            value = self.default
        if self.kind == 'ref':
            return value.get('id') if isinstance(value, dict) else value
        if self.kind == 'str':
            value = '' if value is None else str(value).strip()
            return value.lower() if self.case_insensitive else value
        if self.kind in ('int', 'float'):
            if value in (None, ''):
                return None
            try:
                return float(value)
            except (TypeError, ValueError):
                return value
        if self.kind == 'bool':
            return None if value is None else bool(value)
        if self.kind == 'list':
            items = [self._normalize_item(item) for item in (value or [])]
            return sorted(items, key=repr) if self.unordered else items
        return value

    def _normalize_item(self, item):
        if isinstance(item, dict) and 'id' in item:
            return item['id']
        if isinstance(item, str):
            item = item.strip()
            return item.lower() if self.case_insensitive else item
        return item

    def equal(self, current, desired):
        return self.normalize(current) == self.normalize(desired)


class ResourceSpec:
    """The fields a module manages for one kind of API object."""

    def __init__(self, kind, fields, secrets=(), volatile=()):
        self.kind = kind
        self.fields = list(fields)
        self.secrets = frozenset(secrets)
        self.volatile = VOLATILE_KEYS | frozenset(volatile)

    def desired(self, params, resolved=None):
        """The API keys the playbook sets: options left out (None) are not managed.

        ``resolved`` maps the option of each 'ref' field to the object its name resolved to.
        """
        resolved = resolved or {}
        wanted = {}
        for field in self.fields:
            if params.get(field.option) is None:
                continue
            if field.kind == 'ref':
                ref = resolved.get(field.option)
                wanted[field.key] = {'id': ref['id'], 'name': ref.get('name')} if isinstance(ref, dict) else {'id': ref}
            else:
                wanted[field.key] = params[field.option]
        return wanted

    def field(self, key):
        for field in self.fields:
            if field.key == key:
                return field
        return Field(key, key, kind='str')

    def differences(self, current, desired):
        """Keys whose desired value differs from the current object, in spec order."""
        return [key for key in desired if not self.field(key).equal((current or {}).get(key), desired[key])]

    def apply(self, current, desired):
        """The whole object with the desired values set: the API replaces the resource on PUT."""
        merged = copy.deepcopy(current or {})
        for key, value in desired.items():
            merged[key] = copy.deepcopy(value)
        return merged

    def project(self, obj):
        """The object as shown in diffs and results: volatile fields out, references short, secrets masked."""
        if obj is None:
            return {}
        shown = {}
        for key, value in obj.items():
            if key in self.volatile:
                continue
            if key in self.secrets:
                shown[key] = MASK if value else value
            elif isinstance(value, dict):
                if 'items' in value and 'href' in value:
                    continue  # an embedded sub-collection (users, addresses...) with its own endpoint
                shown[key] = _short_ref(value)
            elif isinstance(value, list):
                shown[key] = [_short_ref(item) if isinstance(item, dict) else item for item in value]
            else:
                shown[key] = value
        return shown

    def mask(self, obj):
        """The object with secrets masked, nothing else removed: what a module returns."""
        if obj is None:
            return None
        masked = dict(obj)
        for key in self.secrets:
            if masked.get(key):
                masked[key] = MASK
        return masked


def _short_ref(value):
    """A nested object in a diff: its identity, not its whole server-side record."""
    if 'id' in value or 'name' in value:
        return dict((key, value[key]) for key in ('id', 'name') if key in value)
    return dict((key, item) for key, item in value.items() if key not in VOLATILE_KEYS)


class Result(dict):
    """What ensure() returns: changed, object, diff, and the keys that changed."""

    @property
    def changed(self):
        return self['changed']


class Reconciler:
    """Brings one object to the desired state, or predicts doing so in check mode."""

    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def ensure(self, spec, current, desired, state='present', create=None, update=None, delete=None, recover=None):
        """Converge ``current`` (None when missing) to ``desired``.

        create(body) -> new object; update(body, changed_keys) -> updated object; delete(current) -> anything.
        recover() -> the object or None: called when a create failed without a clear answer
        (no response, 5xx), because POST is never repeated blindly.
        """
        before = spec.project(current) if current is not None else {}
        if state == 'absent':
            if current is None:
                return self._result(spec, False, None, {}, {})
            outcome = None if self.check_mode else delete(current)
            return self._result(spec, True, None, before, {}, changed_keys=list(before), outcome=outcome)

        if current is None:
            body = spec.apply({}, desired)
            if self.check_mode:
                after = body
            else:
                after = self._create(create, body, recover)
            return self._result(spec, True, after, {}, spec.project(after), changed_keys=sorted(desired))

        changed_keys = spec.differences(current, desired)
        if not changed_keys:
            return self._result(spec, False, current, before, before)
        body = spec.apply(current, desired)
        if self.check_mode:
            after = body
        else:
            after = update(body, changed_keys) or body
        return self._result(spec, True, after, before, spec.project(after), changed_keys=changed_keys)

    @staticmethod
    def _create(create, body, recover):
        try:
            return create(body) or body
        except CloutilityApiError as exc:
            uncertain = exc.status is None or exc.status >= 500
            if not (uncertain and recover):
                raise
            found = recover()
            if found is None:
                raise
            return found

    @staticmethod
    def _result(spec, changed, obj, before, after, changed_keys=(), outcome=None):
        result = Result(changed=changed, object=spec.mask(obj), diff={'before': before, 'after': after},
                        changed_keys=list(changed_keys))
        if outcome is not None:
            result['outcome'] = outcome
        return result
