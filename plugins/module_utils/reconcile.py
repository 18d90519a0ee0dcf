# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine: compare a resource with what a playbook asks for, plan the writes, send them, predict in check mode.

Knows nothing of any one resource (a module describes its fields with a ResourceSpec, its writes as Steps)
and nothing of Ansible (the caller passes check_mode). Every write of the collection goes through
``Plan.run``: check mode applies each step's prediction and sends nothing; otherwise each step is sent
under the write protocol (``perform``), and a failure after earlier steps wrote raises a PartialWriteError
that says what exists now and what is left.
"""

from __future__ import annotations

import copy
import time

from ansible_collections.cloutility.cloutility.plugins.module_utils.api_client import CloutilityApiError, CloutilityError
from ansible_collections.cloutility.cloutility.plugins.module_utils.dates import format_datetime, parse_datetime
from ansible_collections.cloutility.cloutility.plugins.module_utils.locks import ControllerLock
from ansible_collections.cloutility.cloutility.plugins.module_utils.masking import mask_keys, short

# Server-managed fields that say nothing about the resource's configuration; diffs ignore them.
VOLATILE_KEYS = frozenset(('href', '$type', 'actions', 'createdDate', 'lastCommentTime', 'lastCommentTypeId',
                           'comments', 'jobs', 'ancestors'))


class Field:
    """One option of a module mapped to one key of the API object.

    kind: 'str', 'int', 'float', 'bool', 'list', 'ref' (a nested object compared by its id), 'texts' (objects known by their
    text, such as tags, or the texts: compared as a set of texts, any letter case) or 'date' (compared as the instant it names).
    default: the value the server means when the key is absent.
    label, source: a reference's kind in messages and the endpoint (endpoints.py) that lists what it may name.
    on_create: the object cannot be created without it. create_default: the value a create sends when the task sets none
    (an update never sends it: only what the playbook sets is compared).
    """

    def __init__(self, option, key, kind='str', case_insensitive=False, unordered=False, default=None, label=None, source=None,
                 on_create=False, create_default=None):
        self.create_default = create_default
        self.label = label or option
        self.source = source
        self.on_create = on_create
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
        if self.kind == 'texts':
            # Objects known by their text (tags: {id, text} as published, {id, name} as older portals give them) or the
            # texts themselves: a set of texts, without regard to letter case.
            return sorted(set(text_of(item).lower() for item in (value or []) if text_of(item)))
        if self.kind == 'date':
            try:
                return format_datetime(parse_datetime(value)) if value not in (None, '') else None
            except CloutilityError:
                return value
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


def text_of(item):
    """The text of an object known by its text (a tag: ``text``, else ``name``), or of a bare text; '' for anything else."""
    if isinstance(item, dict):
        item = item.get('text') if isinstance(item.get('text'), str) else item.get('name')
    return item.strip() if isinstance(item, str) else ''


def name_refused_fields(exc, changed_keys, unpublished, where):
    """A write refused with a 400 that names one of ``unpublished`` (fields the published model lists but no document says
    this write takes) among ``changed_keys``: ``exc`` with a hint saying the portal would not take that field in ``where``
    (raised by the caller); any other error unchanged."""
    if not isinstance(exc, CloutilityApiError) or exc.status != 400:
        return exc
    text = ' '.join(str(part) for part in (exc.message, exc.developer_message) if part).lower()
    refused = [key for key in changed_keys if key in unpublished and key.lower() in text]
    if refused:
        exc.hint = ('the portal would not take %s in %s: the published model lists it, but no document says this write sets it; '
                    'change it in the portal, or leave the option out' % (', '.join(refused), where))
        exc.args = (str(exc),)
    return exc


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

    def create_body(self, desired):
        """What a create sends: the desired keys, and the create-time default of each field the task leaves out."""
        body = dict((field.key, field.create_default) for field in self.fields
                    if field.create_default is not None and field.key not in desired)
        body.update(copy.deepcopy(desired))
        return body

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
                shown[key] = mask_keys(obj, (key,))[key]
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
        return mask_keys(obj, self.secrets)


def _short_ref(value):
    """A nested object in a diff: its identity, not its whole server-side record."""
    if 'id' in value or 'name' in value:
        return short(value)
    return dict((key, item) for key, item in value.items() if key not in VOLATILE_KEYS)


def split_declaration(options):
    """One declaration of a module's options -> (argument_spec, [Field]).

    Each option is an Ansible argument spec plus engine keys: ``api`` (the API key it manages; options
    without it are not fields), ``kind`` (Field kind; default from ``type``), ``case_insensitive``,
    ``unordered``, ``api_default`` (what the server means when the key is absent), ``label``, ``source``,
    ``on_create`` and ``create_default`` (see Field). Input rules (ansible_module.RULE_KEYS) stay in the argument spec for
    CloutilityModule to take out.
    """
    argument_spec = {}
    fields = []
    for option, declared in options.items():
        spec = dict(declared)
        api = spec.pop('api', None)
        kind = spec.pop('kind', None) or {'int': 'int', 'float': 'float', 'bool': 'bool', 'list': 'list'}.get(spec.get('type'), 'str')
        extra = dict(case_insensitive=spec.pop('case_insensitive', False), unordered=spec.pop('unordered', False),
                     default=spec.pop('api_default', None), label=spec.pop('label', None), source=spec.pop('source', None),
                     on_create=spec.pop('on_create', False), create_default=spec.pop('create_default', None))
        argument_spec[option] = spec
        if api:
            fields.append(Field(option, api, kind=kind, **extra))
    return argument_spec, fields


# ---------------------------------------------------------------------------- locks
def object_lock(client, *key):
    """The controller lock of one API object (its key without the account's URL), shared by forks and threads.

    Take it before the read that decides what to write, and re-read inside it.
    """
    lock = getattr(client, 'controller_lock', None)  # the client's lock_dir, when it has one
    return lock(*key) if lock is not None else ControllerLock(getattr(client, 'base_url', ''), *key)


def consumer_lock_key(bunit_id, name=None, consumer_id=None):
    """The one key every task uses for a consumption unit: by name within its business unit, else by id."""
    if name is not None and str(name).strip():
        return (bunit_id, 'consumer', str(name).strip().lower())
    return ('consumer', consumer_id)


# ---------------------------------------------------------------------------- steps and plans
class Step:
    """One write of a plan.

    send(ctx) -> answer: the request, through the client (which applies the transport part of the protocol).
    verify(ctx) -> the effect, or None when it did not take: the re-read after an uncertain answer.
      A step without verify is safe to repeat (the client repeats it) or simply fails when uncertain.
    apply(ctx, effect): record the answer (or what verify found) in ctx.
    predict(ctx): check mode only: change ctx as the step would, without a request that writes.
    what: text (or callable(ctx) -> text) naming the step for people; hint: how to finish when it failed.
    gone_ok: a 404 means the effect is there (a delete whose first answer was lost).
    """

    def __init__(self, name, what, send, verify=None, apply=None, predict=None, changed_keys=(), hint=None, gone_ok=False):
        self.name = name
        self.what = what
        self.send = send
        self.verify = verify
        self.apply = apply
        self.predict = predict
        self.changed_keys = list(changed_keys)
        self.hint = hint
        self.gone_ok = gone_ok

    def describe(self, ctx):
        return self.what(ctx) if callable(self.what) else self.what


# 4xx answers that say nothing about the object (authentication, permission, throttling: the client handles 401 and 429).
NOT_REFUSALS = (401, 403, 429)


def refused(exc):
    """Whether an error is a refused write (a 4xx about the object: 400, 404, 409...), which a step's verify re-reads."""
    status = getattr(exc, 'status', None)
    return isinstance(status, int) and 400 <= status < 500 and status not in NOT_REFUSALS


def perform(step, ctx, client=None):
    """Send one step under the write protocol; return its effect.

    After a refused write (``refused``: any 4xx but 401, 403, 429) the step's verify re-reads: the effect found (another
    controller's work) is taken, else the error stands.

    After an uncertain answer (none, or 5xx, to a request that is not safe to repeat) the step's verify()
    re-reads: the effect found is taken; not found, the step is sent again, within the client's budget
    (``retries`` attempts, ``retry_max_time`` seconds, jittered backoff).
    """
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return step.send(ctx)
        except CloutilityApiError as exc:
            if step.gone_ok and exc.status == 404:
                return None
            if refused(exc) and step.verify is not None:
                # A refused write (409, or the 400 or 404 some portals answer): what the step was to do may be there already
                # (another controller did it). The state decides, not the status (rivals.py invariant 3).
                found = step.verify(ctx)
                if found is not None:
                    return found
                raise
            if not exc.uncertain or step.verify is None:
                raise
            found = step.verify(ctx)
            if found is not None:
                return found
            wait = getattr(client, 'wait_before_retry', None)
            if wait is None or not wait(attempt, started):
                raise


class PartialWriteError(CloutilityError):
    """A step failed after earlier steps wrote: ``result`` is the module result (changed: true, ids, steps)."""

    def __init__(self, message, result, cause=None):
        super().__init__(message)
        self.result = result
        self.cause = cause


class StepFailed(CloutilityError):
    """Raised by Plan.run: which step failed, what was done before it, what is left."""

    def __init__(self, message, step, done, pending, cause):
        super().__init__(message)
        self.step = step
        self.done = done
        self.pending = pending
        self.cause = cause


class Plan:
    """An ordered list of steps; ``changed`` and ``changed_keys`` come from it."""

    def __init__(self, steps=()):
        self.steps = list(steps)

    def add(self, step):
        self.steps.append(step)
        return step

    def __bool__(self):
        return bool(self.steps)

    @property
    def changed(self):
        return bool(self.steps)

    @property
    def changed_keys(self):
        keys = []
        for step in self.steps:
            keys.extend(key for key in step.changed_keys if key not in keys)
        return keys

    def names(self):
        return [step.name for step in self.steps]

    def run(self, ctx, check_mode=False, client=None):
        """Check mode: each step's prediction, nothing sent. Otherwise each step in order under the protocol.

        A step that fails raises its own error when nothing was written before it, else StepFailed.
        """
        done = []
        for position, step in enumerate(self.steps):
            if check_mode:
                if step.predict is not None:
                    step.predict(ctx)
                done.append(step)
                continue
            try:
                effect = perform(step, ctx, client)
            except CloutilityError as exc:
                if not done:
                    raise
                pending = self.steps[position + 1:]
                raise StepFailed(self.failure_message(ctx, step, done, pending, exc), step, done, pending, exc)
            if step.apply is not None:
                step.apply(ctx, effect)
            done.append(step)
        return done

    @staticmethod
    def failure_message(ctx, step, done, pending, exc):
        text = 'Partly done. Done: %s. Failed: %s: %s.' % ('; '.join(item.describe(ctx) for item in done), step.describe(ctx), exc)
        if pending:
            text += ' Not done: %s.' % '; '.join(item.describe(ctx) for item in pending)
        if step.hint:
            text += ' To finish: %s.' % step.hint
        return text


class Result(dict):
    """What ensure() returns: changed, object, diff, and the keys that changed."""

    @property
    def changed(self):
        return self['changed']

    def output(self, key, **extra):
        """The module result: changed, diff, changed_keys, the object under ``key`` and ``extra``."""
        output = dict(changed=self['changed'], diff=self['diff'], changed_keys=self['changed_keys'])
        output[key] = self['object']
        output.update(extra)
        return output


class Reconciler:
    """Brings one object to the desired state through a one-step plan, or predicts doing so in check mode."""

    def __init__(self, check_mode=False, client=None):
        self.check_mode = check_mode
        self.client = client

    def ensure(self, spec, current, desired, state='present', create=None, update=None, delete=None, recover=None):
        """Converge ``current`` (None when missing) to ``desired``.

        create(body) -> new object; update(body, changed_keys) -> updated object; delete(current) -> anything.
        recover() -> the object or None: the re-read after an uncertain create (no answer, 5xx), because a
        POST is never repeated blindly.
        """
        before = spec.project(current) if current is not None else {}
        ctx = {'object': current, 'outcome': None}
        if state == 'absent':
            if current is None:
                return self._result(spec, False, None, {}, {})
            step = Step('delete', 'delete the %s' % spec.kind, send=lambda ctx: delete(current), gone_ok=True,
                        apply=lambda ctx, answer: ctx.update(outcome=answer), changed_keys=list(before))
            Plan([step]).run(ctx, self.check_mode, self.client)
            return self._result(spec, True, None, before, {}, changed_keys=step.changed_keys, outcome=ctx['outcome'])

        if current is None:
            body = spec.apply({}, desired)
            step = Step('create', 'create the %s' % spec.kind, send=lambda ctx: create(body),
                        verify=(lambda ctx: recover()) if recover else None,
                        apply=lambda ctx, answer: ctx.update(object=answer or body),
                        predict=lambda ctx: ctx.update(object=body), changed_keys=sorted(desired))
        else:
            changed_keys = spec.differences(current, desired)
            if not changed_keys:
                return self._result(spec, False, current, before, before)
            body = spec.apply(current, desired)
            step = Step('update', 'update the %s (%s)' % (spec.kind, ', '.join(changed_keys)),
                        send=lambda ctx: update(body, changed_keys),
                        apply=lambda ctx, answer: ctx.update(object=answer or body),
                        predict=lambda ctx: ctx.update(object=body), changed_keys=changed_keys)
        Plan([step]).run(ctx, self.check_mode, self.client)
        after = ctx['object']
        return self._result(spec, True, after, before, spec.project(after), changed_keys=step.changed_keys)

    @staticmethod
    def _result(spec, changed, obj, before, after, changed_keys=(), outcome=None):
        result = Result(changed=changed, object=spec.mask(obj), diff={'before': before, 'after': after},
                        changed_keys=list(changed_keys))
        if outcome is not None:
            result['outcome'] = outcome
        return result
