"""In-memory state of the Cloutility simulator (seed loading, ids, counters, faults, audit)."""

import copy
import datetime
import json
import os
import random
import re
import threading

# Bodies a fault can answer with (rules and drop_after_commit): an HTML page (a proxy's error or maintenance page),
# and what a proxy or a broken portal sends with a 2xx: JSON cut short, no body, an object where a list is due,
# a page object without its items, a list or a JSON string where an object is due.
FAULT_BODIES = ('html', 'truncated', 'empty', 'object', 'no_items', 'list', 'string')
OK_FAULT_BODIES = ('truncated', 'empty', 'object', 'no_items', 'list', 'string')
DEFAULT_SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seed', 'default.json')
DEFAULT_PAGE_SIZE = 100
DEFAULT_TOKEN_LIFETIME = 299

AUDIT_TYPES = {0: 'Info', 100: 'Create', 200: 'Modify', 300: 'Delete', 400: 'Error'}

# How GET .../node/spname answers (config spname_form): the guide's JSON string, or what the Go client's use of the
# answer as-is suggests (bare text), each with or without a line end; 'bare_as_json' is bare text labelled JSON (a
# digits-only name then reads as a JSON number).
SPNAME_FORMS = ('json', 'bare', 'bare_newline', 'quoted_newline', 'bare_as_json')

# Behaviours still a guess, each a config switch (simulator/README.md, "Switches for guessed behaviours").
BEHAVIOUR_SWITCHES = ('node_delete_needs_associations', 'consumer_delete_ignores_associations', 'billing_period_keys')
BEHAVIOUR_SWITCHES += ('billing_guessed_keys',)  # billing data with date / periodStart / periodEnd, not the published fields
# Fields the published model lists (resource-model.md) but no document says a write takes: with the switch on, a write that
# would change one is refused with a 400 naming it, as a portal that holds it read-only would (default off: taken).
READ_ONLY_SWITCHES = ('node_locked_read_only', 'consumer_tags_read_only')
BEHAVIOUR_SWITCHES += READ_ONLY_SWITCHES

# Switches that break what racing controllers could assume of a portal (simulator/README.md, "Racing controllers"):
# id_order 'growing' (the seeded formula) or 'random' (unique ids in no order, seeded, also below existing ones);
# page_shift_rate (0 to 1) of page reads past the first served as if a unit before the offset had just gone
# or come (page_shift_mode 'any', 'delete', 'create' or 'cancel': a delete and a create that leave total as it was);
# conflict_status: the status of a refused race write (409, or 400 as some portals answer); created_resolution:
# createdDate stamped to whole multiples of this many seconds (0: milliseconds), so ties happen.
ID_ORDERS = ('growing', 'random')
PAGE_SHIFT_MODES = ('any', 'delete', 'create', 'cancel')
RACE_DEFAULTS = dict(id_order='growing', page_shift_rate=0.0, page_shift_mode='any', conflict_status=409, created_resolution=0)


def check_race_config(values):
    """The race switches of ``values`` (a dict) checked; ValueError naming the key otherwise."""
    if 'id_order' in values and values['id_order'] not in ID_ORDERS:
        raise ValueError('id_order must be one of %s, not %r' % (', '.join(ID_ORDERS), values['id_order']))
    if 'page_shift_mode' in values and values['page_shift_mode'] not in PAGE_SHIFT_MODES:
        raise ValueError('page_shift_mode must be one of %s, not %r' % (', '.join(PAGE_SHIFT_MODES), values['page_shift_mode']))
    rate = values.get('page_shift_rate', 0.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError('page_shift_rate must be a number from 0 to 1, not %r' % (rate,))
    status = values.get('conflict_status', 409)
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 499:
        raise ValueError('conflict_status must be an HTTP status from 400 to 499, not %r' % (status,))
    resolution = values.get('created_resolution', 0)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) or resolution < 0:
        raise ValueError('created_resolution must be a number of seconds of 0 or more, not %r' % (resolution,))


# Routes a strict portal does not have (an older portal version): answered like an unknown route.
STRICT_MISSING_ROUTES = (r'^/v1/nodewarningtypes(/|$)',)

_ID_SEGMENT = re.compile(r'^(\d+|\d{4}-\d{2}-\d{2})$')
_COLLECTIONS = ('users', 'timeZones', 'nodeTypes', 'operatingSystems', 'servers', 'domains', 'clientOptionSets',
                'businessUnits', 'consumers', 'nodes')


class ApiError(Exception):
    """An error answer in the Cloutility error body shape."""

    def __init__(self, status, code, message, developer_message=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.developer_message = developer_message or message
        self.headers = headers or {}

    def body(self):
        return {'code': self.code, 'message': self.message, 'developerMessage': self.developer_message, 'status': self.status}


def bad_request(message, developer_message=None):
    return ApiError(400, 'ValidationFailed', message, developer_message)


def read_only(field, where):
    """The answer of a portal that does not take ``field`` in a write (switches READ_ONLY_SWITCHES)."""
    return ApiError(400, 'ValidationFailed', 'The field %s cannot be set through %s: it is read-only' % (field, where),
                    'The request changes %s, which this portal does not accept in a request body' % field)


def not_found(message):
    return ApiError(404, 'NotFound', message)


def no_data(message):
    """The strict portal's answer for a collection that holds nothing (reports in a range, audit logs, jobs)."""
    return ApiError(404, 'NotFound', message)


def forbidden(message):
    return ApiError(403, 'Forbidden', message)


def conflict(message, developer_message=None):
    return ApiError(409, 'Conflict', message, developer_message)


def utcnow():
    """The portal's clock: the real time plus the serving simulator's config ``clock_offset_s`` (in a request; outside
    one, the real time). Every date the simulator makes (createdDate, job times, reports, the Date header) comes from it."""
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=clock_offset())


def clock_offset():
    """Seconds the simulator's clock is off (config ``clock_offset_s``; negative: behind the real time), 0 outside a request."""
    from flask import current_app, has_app_context  # pylint: disable=import-outside-toplevel
    if not has_app_context():
        return 0
    simulator = current_app.extensions.get('cloutility_simulator')
    return simulator.config.get('clock_offset_s', 0) if simulator is not None else 0


def fmt_time(value):
    """Format an aware datetime the way the API does: 2023-07-09T15:10:20.133Z."""
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (value.microsecond // 1000)


def now_iso():
    return fmt_time(utcnow())


def parse_time(text):
    """Parse an ISO 8601 date or date-time; naive values are taken as UTC. Raises ValueError."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError('empty date')
    text = text.strip()
    if text.endswith('Z') or text.endswith('z'):
        text = text[:-1] + '+00:00'
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def check_spname_config(form, override):
    """spname_form among SPNAME_FORMS; spname_override null or a non-empty string (ValueError otherwise)."""
    if form not in SPNAME_FORMS:
        raise ValueError('spname_form must be one of %s, not %r' % (', '.join(SPNAME_FORMS), form))
    if override is not None and (not isinstance(override, str) or not override.strip()):
        raise ValueError('spname_override must be null or a non-empty string, not %r' % (override,))


def next_state_id(state, kind):
    """The next id of ``kind`` in ``state`` (deterministic, non-sequential: next = id + 1 + (id * 7) % 9)."""
    ids = state['nextIds']
    current = int(ids[kind])
    ids[kind] = current + 1 + (current * 7) % 9
    return current


def route_key(method, path):
    """METHOD + path with every numeric/id segment replaced by {id}."""
    parts = [('{id}' if _ID_SEGMENT.match(seg) else seg) for seg in path.split('/')]
    return '%s %s' % (method.upper(), '/'.join(parts))


class Simulator:
    """Whole simulator: state, configuration, counters and faults, all guarded by one lock."""

    def __init__(self, seed=None, page_size=DEFAULT_PAGE_SIZE, token_lifetime=DEFAULT_TOKEN_LIFETIME, strict=False, missing_routes=None,
                 latency_ms=0, node_delete_needs_associations=False, consumer_delete_ignores_associations=False, spname_form='json',
                 spname_override=None, billing_period_keys=True, billing_guessed_keys=False,
                 clock_offset_s=0, **race):
        self.lock = threading.RLock()
        self.seed_path = seed or DEFAULT_SEED
        # latency_ms: the baseline of the latency fault (faults['latency_ms']), kept when faults are cleared.
        self.initial_config = {'page_size': int(page_size), 'token_lifetime': int(token_lifetime), 'latency_ms': int(latency_ms)}
        # Strict mode (simulator/README.md): answer the strict way the API guide leaves room for.
        self.initial_config.update(strict=bool(strict), missing_routes=list(missing_routes or []))
        # Switches for behaviours the documents leave open (default: the simulator's first guess).
        self.initial_config.update(node_delete_needs_associations=bool(node_delete_needs_associations),
                                   consumer_delete_ignores_associations=bool(consumer_delete_ignores_associations),
                                   billing_period_keys=bool(billing_period_keys))
        self.initial_config.update(billing_guessed_keys=bool(billing_guessed_keys))
        check_spname_config(spname_form, spname_override)
        self.initial_config.update(spname_form=spname_form, spname_override=spname_override)
        # The portal's clock, off from the real one by this many seconds (store.utcnow): a controller whose clock disagrees.
        self.initial_config.update(clock_offset_s=clock_offset_s)
        unknown = set(race) - set(RACE_DEFAULTS)
        if unknown:
            raise TypeError('unknown simulator settings: %s' % ', '.join(sorted(unknown)))
        check_race_config(race)
        self.initial_config.update(dict(RACE_DEFAULTS, **race))
        self.state = {}
        self.config = {}
        self.counters = {}
        self.faults = {}
        self.random = random.Random(1)
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    def reset(self):
        with self.lock:
            with open(self.seed_path, encoding='utf-8') as handle:
                seed = json.load(handle)
            self.state = self._build_state(seed)
            self.config = copy.deepcopy(self.initial_config)
            self.race_random = random.Random(29)  # ids in no order and shifted pages: seeded, so a failure can be replayed
            self._random_ids = {}
            self.reset_counters()
            self.clear_faults()

    @staticmethod
    def _build_state(seed):
        state = {
            'version': seed.get('version', '1.0.4480.0'),
            'clients': {c['clientId']: dict(c) for c in seed.get('clients', [])},
            'proxies': [dict(p) for p in seed.get('proxies', [])],
            'usedTsmNames': [n.upper() for n in seed.get('usedTsmNames', [])],
            'nextIds': dict(seed.get('nextIds', {})),
            'accessTokens': {},
            'refreshTokens': {},
            'auditLogs': [],
            'deletionRequests': [],
            'invoiceFiles': [],
            'deletedNodes': [],
            # Admin-made: billing subscribers (the portal's "Post URL"s) and jobs that failed or were missed on demand.
            'billingSubscribers': [],
            'injectedJobs': [],
            'tags': {int(tag['id']): tag['name'] for tag in seed.get('tags', [])},
        }
        for name in _COLLECTIONS:
            state[name] = {int(item['id']): copy.deepcopy(item) for item in seed.get(name, [])}
        for kind, start in (('businessUnit', 1000), ('consumer', 5000), ('node', 9000), ('auditLog', 90001), ('tsmNode', 7000),
                            ('invoiceFile', 301), ('deletionRequest', 71), ('token', 1), ('tag', 40), ('billingSubscriber', 51),
                            ('injectedJob', 0)):
            state['nextIds'].setdefault(kind, start)
        # Tags are {id, name} objects; a seed's bare tag names get the id of a registered tag of that name, or a new one.
        by_name = {tag_name.lower(): tag_id for tag_id, tag_name in state['tags'].items()}
        for name in ('businessUnits', 'consumers'):
            for item in state[name].values():
                if isinstance(item.get('tags'), list):
                    item['tags'] = [Simulator._seed_tag(state, by_name, tag) for tag in item['tags']]
        return state

    @staticmethod
    def _seed_tag(state, by_name, tag):
        if isinstance(tag, dict):
            return tag
        if tag.lower() not in by_name:
            tag_id = next_state_id(state, 'tag')
            state['tags'][tag_id] = tag
            by_name[tag.lower()] = tag_id
        return {'id': by_name[tag.lower()], 'name': state['tags'][by_name[tag.lower()]]}

    def reset_counters(self):
        with self.lock:
            self.counters = {'total': 0, 'writes': 0, 'password_grants': 0, 'refresh_grants': 0, 'by_route': {},
                             'faults': 0, 'drops': 0}

    def clear_faults(self):
        with self.lock:
            self.faults = {'rules': [], 'drop_after_commit': [], 'latency_ms': self.config.get('latency_ms', 0),
                           'error_rate': 0.0, 'random_seed': 1}
            self.random = random.Random(1)

    def set_faults(self, spec):
        if not isinstance(spec, dict):
            raise bad_request('faults must be a JSON object')
        with self.lock:
            faults = {'rules': [], 'drop_after_commit': [], 'latency_ms': 0, 'error_rate': 0.0, 'random_seed': 1}
            for key in ('rules', 'drop_after_commit'):
                rules = spec.get(key) or []
                if not isinstance(rules, list):
                    raise bad_request('%s must be a list' % key)
                for rule in rules:
                    if not isinstance(rule, dict) or not rule.get('path'):
                        raise bad_request('every %s entry needs at least "path" (a regular expression)' % key)
                    try:
                        re.compile(rule['path'])
                    except re.error as exc:
                        raise bad_request('bad path regex %r: %s' % (rule['path'], exc)) from exc
                    rate = rule.get('rate')
                    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1):
                        raise bad_request('rate must be a number from 0 to 1, got %r' % (rate,))
                    if rule.get('query') is not None:
                        try:
                            re.compile(rule['query'])
                        except re.error as exc:
                            raise bad_request('bad query regex %r: %s' % (rule['query'], exc)) from exc
                    body = rule.get('body')
                    if body is not None and body not in FAULT_BODIES:
                        raise bad_request('body must be one of %s, got %r' % (', '.join(FAULT_BODIES), body))
                    entry = {'method': (rule.get('method') or '*').upper(), 'path': rule['path'], 'times': rule.get('times'),
                             'rate': rate, 'body': body, 'query': rule.get('query')}
                    # A rule answers 503 unless told; a body that a proxy or a broken portal sends with a 2xx, 200.
                    default_status = 200 if body in OK_FAULT_BODIES or key == 'drop_after_commit' else 503
                    entry['status'] = int(rule.get('status') or default_status)
                    if key == 'rules':
                        entry['retry_after'] = rule.get('retry_after')
                    faults[key].append(entry)
            # Without latency_ms of its own, a fault set keeps the configured latency (--latency-ms, /_sim/config).
            faults['latency_ms'] = int(spec['latency_ms'] or 0) if 'latency_ms' in spec else self.config.get('latency_ms', 0)
            faults['error_rate'] = float(spec.get('error_rate') or 0.0)
            faults['random_seed'] = spec.get('random_seed', 1)
            self.faults = faults
            self.random = random.Random(faults['random_seed'])
            return copy.deepcopy(self.faults)

    def set_latency(self, latency_ms):
        """The configured latency: every API request waits this long (the latency fault's baseline)."""
        with self.lock:
            self.config['latency_ms'] = int(latency_ms)
            self.faults['latency_ms'] = int(latency_ms)

    # ----------------------------------------------------------------- counters / faults
    def count(self, method, path):
        key = route_key(method, path)
        with self.lock:
            counters = self.counters
            counters['total'] += 1
            counters['by_route'][key] = counters['by_route'].get(key, 0) + 1
            if self.is_write(method, path):
                counters['writes'] += 1

    def count_grant(self, grant_type):
        with self.lock:
            if grant_type == 'password':
                self.counters['password_grants'] += 1
            elif grant_type == 'refresh_token':
                self.counters['refresh_grants'] += 1

    @staticmethod
    def is_write(method, path):
        """A request that changes something: POST/PUT/DELETE/PATCH under /v1 except /v1/oauth, and the activation GET."""
        return path.rstrip('/') != '/v1/oauth' and (method in ('POST', 'PUT', 'DELETE', 'PATCH') or path.rstrip('/').endswith('/node/activate'))

    def _matches(self, rule, method, path, query=''):
        """Method: '*', one method, several joined by '|', or WRITE (see is_write); path, and query when the rule has one
        (e.g. 'offset=2': the second page of a list). Then a random draw for a 'rate'."""
        methods = rule['method'].split('|')
        if not ('*' in methods or method in methods or ('WRITE' in methods and self.is_write(method, path))):
            return False
        if re.search(rule['path'], path) is None:
            return False
        if rule.get('query') is not None and re.search(rule['query'], query or '') is None:
            return False
        return rule.get('rate') is None or self.random.random() < rule['rate']

    def _take_rule(self, rules, counter, method, path, query):
        """The first rule of ``rules`` that matches and has 'times' left, consumed (one of its 'times', one more in
        counters[``counter``]) and copied; or None. The caller holds the lock."""
        for rule in rules:
            if rule['times'] is not None and rule['times'] <= 0:
                continue
            if self._matches(rule, method, path, query):
                if rule['times'] is not None:
                    rule['times'] -= 1
                self.counters[counter] = self.counters.get(counter, 0) + 1
                return dict(rule)
        return None

    def take_fault(self, method, path, query=''):
        """Return the fault rule to apply to this request (consuming one of its 'times'), or None."""
        with self.lock:
            rule = self._take_rule(self.faults['rules'], 'faults', method, path, query)
            if rule is not None:
                return rule
            rate = self.faults['error_rate']
            if rate and self.random.random() < rate:
                self.counters['faults'] = self.counters.get('faults', 0) + 1
                return {'status': 503, 'retry_after': None, 'body': None, 'random': True}
        return None

    def take_drop(self, method, path, query=''):
        """The drop_after_commit entry to apply to this committed request (consuming one of its 'times'), or None."""
        with self.lock:
            return self._take_rule(self.faults['drop_after_commit'], 'drops', method, path, query)

    # ----------------------------------------------------------------- ids and helpers
    def next_id(self, kind):
        """Deterministic but non-sequential ids; with config id_order 'random', unique ids in no order (seeded)."""
        with self.lock:
            if self.config.get('id_order') != 'random':
                return next_state_id(self.state, kind)
            used = self._random_ids.get(kind)
            if used is None:
                used = self._random_ids[kind] = set()
                for name in _COLLECTIONS + ('auditLogs', 'deletionRequests', 'invoiceFiles'):
                    table = self.state.get(name)
                    used.update(table if isinstance(table, dict) else (item.get('id') for item in table or () if isinstance(item, dict)))
                used.update(int(value) for value in self.state['nextIds'].values())
            # Below the kind's existing ids too, and above them; room grows with the ids handed out.
            handed = self._random_ids[kind + '#'] = self._random_ids.get(kind + '#', 0) + 1
            ceiling = 2 * int(self.state['nextIds'].get(kind, 1000)) + 100 + 8 * handed
            while True:
                candidate = self.race_random.randint(1, ceiling)
                if candidate not in used:
                    used.add(candidate)
                    return candidate

    def refused(self, message, developer_message=None):
        """A refused race write (a second node, an activated node, a node name in use): 409, or config conflict_status."""
        status = int(self.config.get('conflict_status') or 409)
        return ApiError(status, 'Conflict' if status == 409 else 'ValidationFailed', message, developer_message)

    def page_shift(self):
        """For a page read past the first: None, or how the listing moved since the page before ('delete', 'create',
        'cancel'), drawn at config page_shift_rate."""
        with self.lock:
            rate = float(self.config.get('page_shift_rate') or 0)
            if not rate or self.race_random.random() >= rate:
                return None
            mode = self.config.get('page_shift_mode') or 'any'
            if mode == 'any':
                mode = self.race_random.choice(('delete', 'create', 'cancel'))
            self.counters['page_shifts'] = self.counters.get('page_shifts', 0) + 1
            return mode

    def units_under(self, unit_id):
        """The unit and all its descendants (ids)."""
        result = [unit_id]
        index = 0
        while index < len(result):
            parent = result[index]
            result.extend(u['id'] for u in self.children_of(parent))
            index += 1
        return result

    def children_of(self, unit_id):
        return sorted((u for u in self.state['businessUnits'].values() if u.get('parentId') == unit_id), key=lambda u: u['id'])

    def unit_for(self, user, unit_id):
        """The unit if it exists and the user may reach it: 404 / 403 otherwise."""
        unit = self.state['businessUnits'].get(unit_id)
        if unit is None:
            raise not_found('Business unit %s was not found' % unit_id)
        if unit_id not in self.units_under(user['businessUnitId']):
            raise forbidden('Business unit %s is outside the business units this account can reach' % unit_id)
        return unit

    def consumer_for(self, user, unit_id, consumer_id):
        self.unit_for(user, unit_id)
        consumer = self.state['consumers'].get(consumer_id)
        if consumer is None or consumer['businessUnitId'] != unit_id:
            raise not_found('Consumer %s was not found in business unit %s' % (consumer_id, unit_id))
        return consumer

    @property
    def strict(self):
        return bool(self.config.get('strict'))

    def switch(self, name):
        """A behaviour switch of the config (BEHAVIOUR_SWITCHES)."""
        return bool(self.config.get(name))

    def route_missing(self, path):
        """Whether ``path`` is a route this portal does not have (config missing_routes; strict: nodewarningtypes)."""
        patterns = list(self.config.get('missing_routes') or [])
        if self.strict:
            patterns.extend(STRICT_MISSING_ROUTES)
        return any(re.search(pattern, path) for pattern in patterns)

    def node_of(self, consumer_id):
        """The node of a consumer, or None. An index answers at once (tens of thousands of nodes);
        an entry is checked against the state, and a miss scans and rebuilds it, so it is never stale."""
        nodes = self.state['nodes']
        index = getattr(self, '_node_index', None)
        if index is not None and index[0] is nodes:
            node = nodes.get(index[1].get(consumer_id))
            if node is not None and node['consumerId'] == consumer_id:
                return node
        self._node_index = (nodes, dict((node['consumerId'], node_id) for node_id, node in nodes.items()))
        node_id = self._node_index[1].get(consumer_id)
        return nodes[node_id] if node_id is not None else None

    def consumers_in(self, unit_id):
        return sorted((c for c in self.state['consumers'].values() if c['businessUnitId'] == unit_id), key=lambda c: c['id'])

    def audit(self, user, type_id, message, unit_id=None, consumer_id=None, object_type=None, object_id=None):
        """Record an audit log entry (types: 0 info, 100 create, 200 modify, 300 delete, 400 error)."""
        entry = {
            'id': self.next_id('auditLog'),
            'type': type_id,
            'typeName': AUDIT_TYPES.get(type_id, 'Info'),
            'time': now_iso(),
            'message': message,
        }
        if user is not None:
            entry['userId'] = user['id']
            entry['userName'] = user['email']
        if unit_id is not None:
            entry['businessUnitId'] = unit_id
            unit = self.state['businessUnits'].get(unit_id)
            if unit is not None:
                entry['businessUnitName'] = unit['name']
        if consumer_id is not None:
            entry['consumerId'] = consumer_id
            consumer = self.state['consumers'].get(consumer_id)
            if consumer is not None:
                entry['consumerName'] = consumer['name']
        if object_type:
            entry['objectType'] = object_type
        if object_id is not None:
            entry['objectId'] = object_id
        self.state['auditLogs'].append(entry)
        return entry

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.state, default=str))

    def counters_copy(self):
        with self.lock:
            return copy.deepcopy(self.counters)
