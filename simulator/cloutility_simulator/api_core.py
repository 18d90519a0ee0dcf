"""Auth, me, version, business units, time zones and consumers."""

import copy
import datetime
import secrets
import time

from flask import Blueprint, jsonify, request

from .common import (BACKUP_NODE_TYPE, HYPER, embedded, href, insert, named_body, new_node, paged, prune, query_bool, reference_routes,
                     render_timezone, replace_fields, sim, state, unit_ref, user)
from .common import bind, json_body
from .store import ApiError, bad_request, conflict, fmt_time, forbidden, now_iso, read_only, utcnow

bp = Blueprint('cloutility_core', __name__)

UNIT_SPEC = {
    'name': 'str',
    'registrationNumber': 'str',
    'note': 'str',
    'timeZone': ('ref', 'timeZones'),
    'tags': 'tags',
    'storageLimit': 'int',
    'transferLimit': 'int',
    'nodeLimit': 'int',
    'passwordExpirationDays': 'int',
    'domainFilter': 'list',
    'clientOptionSetFilter': 'list',
    'requiredApproversOfDeleteRequest': 'int',
    'finalDeleteRequestApprover': 'bool',
    'usersCanApproveOwnRequests': 'bool',
    'invoiceDay': 'int',
    'reportRemotely': 'bool',
    'supportResponsible': 'bool',
    'useScheduleBindings': 'bool',
}
# What a unit shows for a setting never set, or left out of the last PUT (whole-object PUT: the guide's BusinessUnit
# example shows every one of them, 0, false or empty).
UNIT_DEFAULTS = {
    'storageLimit': 0, 'transferLimit': 0, 'nodeLimit': 0, 'passwordExpirationDays': 0, 'requiredApproversOfDeleteRequest': 0,
    'finalDeleteRequestApprover': False, 'usersCanApproveOwnRequests': False, 'supportResponsible': False, 'invoiceDay': 0,
    'reportRemotely': False, 'useScheduleBindings': False, 'domainFilter': [], 'clientOptionSetFilter': [], 'tags': [],
}
# Settings that are counts or days: 0 or more; the invoice day a day of the month (0: none of its own).
UNIT_COUNTS = ('storageLimit', 'transferLimit', 'nodeLimit', 'passwordExpirationDays', 'requiredApproversOfDeleteRequest')
INVOICE_DAY_MAX = 28

CONSUMER_SPEC = {
    'name': 'str',
    'note': 'str',
    'externalReference': 'str',
    'billingStartDate': 'date',
    'limitHighStorage': 'num',
    'allowNoActivity': 'bool',
    'tags': 'tags',
}

DATA_SOURCE_STATES = {
    'new': {'id': 1, 'name': 'Not activated'},
    'active': {'id': 3, 'name': 'Active'},
    'pendingDeletion': {'id': 5, 'name': 'Pending deletion'},
}


# ----------------------------------------------------------------- auth
def _oauth_error(code, message, status=400):
    return ApiError(status, code, message, 'OAuth %s' % code)


def _issue_token(st, user_id, client_id, refresh_token=None):
    lifetime = sim().config['token_lifetime']
    now = time.time()
    for token, entry in list(st['accessTokens'].items()):
        if entry['expires'] < now - 3600:
            del st['accessTokens'][token]
    access = 'sim-at-' + secrets.token_urlsafe(24)
    st['accessTokens'][access] = {'userId': user_id, 'clientId': client_id, 'issued': now, 'expires': now + lifetime}
    if refresh_token is None:
        refresh_token = 'sim-rt-' + secrets.token_urlsafe(24)
        st['refreshTokens'][refresh_token] = {'userId': user_id, 'clientId': client_id, 'issued': now}
    return {'access_token': access, 'token_type': 'bearer', 'expires_in': lifetime, 'refresh_token': refresh_token}


@bp.route('/v1/oauth', methods=['POST'])
def oauth():
    st = state()
    form = request.form
    grant = form.get('grant_type')
    sim().count_grant(grant)
    client_id = form.get('client_id')
    if not client_id:
        raise _oauth_error('invalid_client', 'client_id is required (form-encoded body: client_id, grant_type, ...)')
    client = st['clients'].get(client_id)
    if client is None:
        raise _oauth_error('invalid_client', 'Unknown client id %r' % client_id)
    origin = request.headers.get('Origin')
    if origin != client['origin']:
        raise ApiError(403, 'InvalidOrigin', 'The Origin header does not match the origin registered for this client',
                       'Origin %r is not the origin registered for client %r' % (origin, client_id))
    if grant == 'password':
        username = (form.get('username') or '').strip().lower()
        password = form.get('password') or ''
        for candidate in st['users'].values():
            if candidate['email'].lower() == username and candidate['password'] == password:
                return jsonify(_issue_token(st, candidate['id'], client_id))
        raise _oauth_error('invalid_grant', 'The user name or password is incorrect.')
    if grant == 'refresh_token':
        if not client.get('allowRefresh', True):
            raise _oauth_error('unauthorized_client', 'Token refreshing is not allowed for this client')
        token = form.get('refresh_token') or ''
        entry = st['refreshTokens'].get(token)
        if entry is None or entry['clientId'] != client_id:
            raise _oauth_error('invalid_grant', 'The refresh token is invalid.')
        return jsonify(_issue_token(st, entry['userId'], client_id, refresh_token=token))
    raise _oauth_error('unsupported_grant_type', 'grant_type must be password or refresh_token, not %r' % grant)


@bp.route('/v1/me', methods=['GET'])
def me():
    current = user()
    return jsonify(prune({
        'href': href('me'),
        'id': current['id'],
        'name': current.get('name'),
        'email': current['email'],
        'userName': current['email'],
        'businessUnit': unit_ref(current['businessUnitId']),
        'createdDate': current.get('createdDate'),
    }))


@bp.route('/v1/fullVersion', methods=['GET'])
def full_version():
    return jsonify(state()['version'])


# ----------------------------------------------------------------- time zones
reference_routes(bp, 'timezones', 'timeZones', render_timezone, 'TimeZone', 'Time zone', ('timezones', 'timezone'))


# ----------------------------------------------------------------- business units
def unit_listing(unit_id, records_of, render, segment, type_name):
    """GET /v1/bunits/<unit_id>/<segment>: ``records_of(unit_id)`` rendered and paged, once the user may see the unit."""
    sim().unit_for(user(), unit_id)
    items = [render(record) for record in records_of(unit_id)]
    return jsonify(paged(items, href('bunits', unit_id, segment), type_name))


def render_unit(unit):
    st = state()
    tz = st['timeZones'].get(unit.get('timeZoneId'))
    out = {
        'href': href('bunits', unit['id']),
        'parentBusinessUnit': unit_ref(unit.get('parentId')) if unit.get('parentId') else None,
        'timeZone': render_timezone(tz) if tz else None,
        'users': embedded([], href('bunits', unit['id'], 'users'), 'User'),
        'businessUnits': embedded([], href('bunits', unit['id'], 'bunits'), 'BusinessUnit'),
        'groupName': unit.get('groupName'),
        'consumers': [],
    }
    for key in UNIT_SPEC:
        if key != 'timeZone':
            out[key] = unit.get(key, copy.deepcopy(UNIT_DEFAULTS.get(key)))
    out['id'] = unit['id']
    out['createdDate'] = unit.get('createdDate')
    return prune(out)


def render_unit_item(unit):
    return prune({'href': href('bunits', unit['id']), 'id': unit['id'], 'name': unit['name'], 'createdDate': unit.get('createdDate')})


def render_simple_tree(unit):
    sim_ = sim()
    return prune({
        'id': unit['id'],
        'parentId': unit.get('parentId'),
        'name': unit['name'],
        'groupName': unit.get('groupName'),
        'reportRemotely': unit.get('reportRemotely'),
        'businessUnits': [render_simple_tree(child) for child in sim_.children_of(unit['id'])],
        'tags': unit.get('tags'),
        'invoiceDay': unit.get('invoiceDay'),
    })


def _query_ci(name):
    """A query parameter by name, case-insensitively (ASP.NET binds query parameters so)."""
    for key, value in request.args.items():
        if key.lower() == name.lower():
            return key, value
    return name, None


def unit_values(scope_id):
    """A business unit's POST / PUT body bound to UNIT_SPEC and checked: counts 0 or more, the invoice day 0 to
    INVOICE_DAY_MAX, and each name of the filters one of the domains / client option sets of the default server of unit
    ``scope_id`` (the parent for a new unit): a 400 naming the field otherwise."""
    values = named_body(UNIT_SPEC)
    for key in UNIT_COUNTS:
        if values.get(key) is not None and values[key] < 0:
            raise bad_request('%s must be 0 or more, not %s' % (key, values[key]))
    if values.get('invoiceDay') is not None and not 0 <= values['invoiceDay'] <= INVOICE_DAY_MAX:
        raise bad_request('invoiceDay must be a day of the month from 1 to %d, or 0 for none, not %s' % (INVOICE_DAY_MAX, values['invoiceDay']))
    from .api_nodes import default_server_id  # pylint: disable=import-outside-toplevel  # api_nodes imports this module
    server_id = default_server_id(scope_id)
    for key, table in (('domainFilter', 'domains'), ('clientOptionSetFilter', 'clientOptionSets')):
        offered = [item['name'] for item in state()[table].values() if item.get('serverId') == server_id]
        for name in values.get(key) or []:
            if not isinstance(name, str) or name not in offered:
                raise bad_request('%s: %r is not one of the names of the default backup server (%s)' % (key, name, ', '.join(offered)))
    return values


@bp.route('/v1/bunits', methods=['GET'])
def bunit_tree():
    """The SimpleBusinessUnit tree of the home unit, or with ?bunitID=N (the Go client's GetBusinessUnit) of unit N."""
    key, value = _query_ci('bunitID')
    if value is None or value == '':
        return jsonify(render_simple_tree(state()['businessUnits'][user()['businessUnitId']]))
    if not value.strip().isdigit():
        raise bad_request('Query parameter %s must be a business unit id, not %r' % (key, value))
    return jsonify(render_simple_tree(sim().unit_for(user(), int(value))))


@bp.route('/v1/bunits/<int:unit_id>', methods=['GET'])
def bunit_get(unit_id):
    return jsonify(render_unit(sim().unit_for(user(), unit_id)))


@bp.route('/v1/bunits/<int:unit_id>/bunits', methods=['GET'])
def bunit_children(unit_id):
    return unit_listing(unit_id, sim().children_of, render_unit_item, 'bunits', 'BusinessUnit')


@bp.route('/v1/bunits/<int:unit_id>/bunits', methods=['POST'])
def bunit_create(unit_id):
    sim_ = sim()
    parent = sim_.unit_for(user(), unit_id)
    values = unit_values(unit_id)
    unit = insert('businessUnits', 'businessUnit',
                  {'parentId': unit_id, 'groupName': parent.get('groupName'), 'defaultServerId': parent.get('defaultServerId')}, values)
    new_id = unit['id']
    sim_.audit(user(), 100, 'Business unit "%s" created under "%s"' % (unit['name'], parent['name']), unit_id=new_id,
               object_type='BusinessUnit', object_id=new_id)
    return jsonify(render_unit(unit)), 201


@bp.route('/v1/bunits/<int:unit_id>', methods=['PUT'])
def bunit_update(unit_id):
    sim_ = sim()
    unit = sim_.unit_for(user(), unit_id)
    replace_fields(unit, UNIT_SPEC, unit_values(unit_id))
    sim_.audit(user(), 200, 'Business unit "%s" modified' % unit['name'], unit_id=unit_id, object_type='BusinessUnit', object_id=unit_id)
    return jsonify(render_unit(unit))


@bp.route('/v1/bunits/<int:unit_id>', methods=['DELETE'])
def bunit_delete(unit_id):
    sim_ = sim()
    unit = sim_.unit_for(user(), unit_id)
    if unit_id == user()['businessUnitId']:
        raise forbidden('You cannot delete your own home business unit %d (%s)' % (unit_id, unit['name']))
    children = sim_.children_of(unit_id)
    if children:
        raise conflict('Business unit %d (%s) still has %d child business unit(s): %s; delete them first' % (
            unit_id, unit['name'], len(children), ', '.join('%s (%d)' % (c['name'], c['id']) for c in children)))
    consumers = sim_.consumers_in(unit_id)
    if consumers:
        raise conflict('Business unit %d (%s) still has %d consumption unit(s); delete them first' % (unit_id, unit['name'], len(consumers)))
    sim_.audit(user(), 300, 'Business unit "%s" deleted' % unit['name'], unit_id=unit.get('parentId'), object_type='BusinessUnit', object_id=unit_id)
    del state()['businessUnits'][unit_id]
    return '', 204


# ----------------------------------------------------------------- consumers
def data_source_state(consumer_id):
    node = sim().node_of(consumer_id)
    if node is None:
        return None
    if node.get('locked') and node.get('deletionRequestId'):
        return DATA_SOURCE_STATES['pendingDeletion']
    if node.get('activatedDate'):
        return DATA_SOURCE_STATES['active']
    return DATA_SOURCE_STATES['new']


def consumer_values(consumer):
    """A consumption unit's POST / PUT body bound to CONSUMER_SPEC. Switch consumer_tags_read_only: tags are not taken
    through the unit's body (nothing published says they are): a body that would change them is a 400 naming the field,
    one that leaves them out keeps them."""
    held = [tag['id'] for tag in (consumer or {}).get('tags') or []]
    if sim().switch('consumer_tags_read_only'):
        body = json_body()
        given = bind(dict((key, value) for key, value in body.items() if str(key).lower() == 'tags'), {'tags': 'tags'}) if any(
            str(key).lower() == 'tags' for key in body) else None
        if given is not None and sorted(tag['id'] for tag in given.get('tags') or []) != sorted(held):
            raise read_only('tags', '%s .../consumers' % request.method)
    values = named_body(CONSUMER_SPEC)
    if sim().switch('consumer_tags_read_only'):
        values.pop('tags', None)
        if consumer is not None and consumer.get('tags'):
            values['tags'] = consumer['tags']
    return values


def render_consumer(consumer):
    node = sim().node_of(consumer['id'])
    unit_id = consumer['businessUnitId']
    out = {
        'href': href('bunits', unit_id, 'consumers', consumer['id']),
        'dataSourceType': dict(BACKUP_NODE_TYPE),
        'dataSourceIsPotentialParent': False,
        'dataSourceState': data_source_state(consumer['id']),
        'name': consumer['name'],
        'businessUnit': dict(unit_ref(unit_id), **{'$type': HYPER % 'BusinessUnit'}),
        'node': {'href': href('bunits', unit_id, 'consumers', consumer['id'], 'node'), 'id': node['id'], 'name': consumer['name']} if node else None,
    }
    for key in CONSUMER_SPEC:
        if key != 'name':
            out[key] = consumer.get(key)
    out['jobs'] = []
    out['id'] = consumer['id']
    out['createdDate'] = consumer.get('createdDate')
    return prune(out)


def render_consumer_item(consumer):
    return {'href': href('bunits', consumer['businessUnitId'], 'consumers', consumer['id']), 'id': consumer['id'], 'name': consumer['name'],
            'dataSourceType': dict(BACKUP_NODE_TYPE), 'createdDate': consumer.get('createdDate')}


@bp.route('/v1/bunits/<int:unit_id>/consumers', methods=['GET'])
def consumer_list(unit_id):
    return unit_listing(unit_id, sim().consumers_in, render_consumer_item, 'consumers', 'Consumer')


def new_consumer(unit_id, values):
    return insert('consumers', 'consumer', {'businessUnitId': unit_id}, values)


@bp.route('/v1/bunits/<int:unit_id>/consumers', methods=['POST'])
def consumer_create(unit_id):
    sim_ = sim()
    unit = sim_.unit_for(user(), unit_id)
    consumer = new_consumer(unit_id, consumer_values(None))
    sim_.audit(user(), 100, 'Consumption unit "%s" created in "%s"' % (consumer['name'], unit['name']), unit_id=unit_id,
               consumer_id=consumer['id'], object_type='Consumer', object_id=consumer['id'])
    return jsonify(render_consumer(consumer)), 201


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>', methods=['GET'])
def consumer_get(unit_id, consumer_id):
    return jsonify(render_consumer(sim().consumer_for(user(), unit_id, consumer_id)))


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>', methods=['PUT'])
def consumer_update(unit_id, consumer_id):
    sim_ = sim()
    consumer = sim_.consumer_for(user(), unit_id, consumer_id)
    replace_fields(consumer, CONSUMER_SPEC, consumer_values(consumer))
    sim_.audit(user(), 200, 'Consumption unit "%s" modified' % consumer['name'], unit_id=unit_id, consumer_id=consumer_id,
               object_type='Consumer', object_id=consumer_id)
    return jsonify(render_consumer(consumer))


def file_deletion_request(consumer, node, comment):
    """Approval workflow: the node is locked and kept; a request waits for approval (inferred shape)."""
    sim_ = sim()
    st = state()
    request_entry = None
    for entry in st['deletionRequests']:
        if entry['nodeId'] == node['id'] and entry['status'] == 'Pending':
            request_entry = entry
    if request_entry is None:
        request_entry = {'id': sim_.next_id('deletionRequest'), 'consumerId': consumer['id'], 'nodeId': node['id'],
                         'businessUnitId': consumer['businessUnitId'], 'requestedBy': user()['email'], 'comment': comment,
                         'status': 'Pending', 'createdDate': now_iso()}
        st['deletionRequests'].append(request_entry)
        sim_.audit(user(), 0, 'Deletion request %d filed for consumption unit "%s"; awaiting approval' % (request_entry['id'], consumer['name']),
                   unit_id=consumer['businessUnitId'], consumer_id=consumer['id'], object_type='DeleteRequest', object_id=request_entry['id'])
    node['locked'] = True
    node['deletionRequestId'] = request_entry['id']
    body = {'message': 'A deletion request was filed and awaits approval; the node is locked until then',
            'deletionRequest': prune(dict(request_entry))}
    return jsonify(body), 202


def delete_node_only(consumer, node, comment):
    """Delete a node and keep its consumption unit (no audit entry for the unit)."""
    st = state()
    unit_id = consumer['businessUnitId']
    st['proxies'] = [p for p in st['proxies'] if node['id'] not in (p['agentNodeId'], p['targetNodeId'])]
    gone = dict(node)
    gone['deletedDate'] = now_iso()
    gone['businessUnitId'] = unit_id
    gone['consumerName'] = consumer['name']
    st['deletedNodes'].append(gone)
    del st['nodes'][node['id']]
    suffix = (': ' + comment) if comment else ''
    sim().audit(user(), 300, 'Backup node %s of "%s" deleted%s' % (node.get('tsmName') or node['id'], consumer['name'], suffix),
                unit_id=unit_id, consumer_id=consumer['id'], object_type='Node', object_id=node['id'])


def delete_consumer_and_node(consumer, node, comment):
    """Delete a consumption unit and its node, if any."""
    if node is not None:
        delete_node_only(consumer, node, comment)
    sim().audit(user(), 300, 'Consumption unit "%s" deleted%s' % (consumer['name'], (': ' + comment) if comment else ''),
                unit_id=consumer['businessUnitId'], consumer_id=consumer['id'], object_type='Consumer', object_id=consumer['id'])
    del state()['consumers'][consumer['id']]


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>', methods=['DELETE'])
def consumer_delete(unit_id, consumer_id):
    sim_ = sim()
    consumer = sim_.consumer_for(user(), unit_id, consumer_id)
    associations = query_bool('deleteAssociations', False)
    comment = request.args.get('deletionComment') or None
    node = sim_.node_of(consumer_id)
    if node is not None:
        # Switch consumer_delete_ignores_associations: the unit and its node go whatever the flag says.
        if not associations and not sim_.switch('consumer_delete_ignores_associations'):
            raise conflict('Consumption unit %d (%s) has a backup node (id %d); pass deleteAssociations=true to delete it together with the node' % (
                consumer_id, consumer['name'], node['id']))
        if user().get('deleteRequiresApproval'):
            return file_deletion_request(consumer, node, comment)
    delete_consumer_and_node(consumer, node, comment)
    return '', 204


def bulk_create(body):
    """Admin helper: create many consumers (optionally with nodes) without counting or auditing."""
    st = state()
    unit_id = body.get('bunit')
    if unit_id not in st['businessUnits']:
        raise bad_request('bunit must be an existing business unit id')
    count = body.get('consumers', 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0 or count > 100000:
        raise bad_request('consumers must be an integer between 0 and 100000')
    prefix = body.get('prefix', 'bulk-')
    ids = []
    node_ids = []
    start = utcnow()
    for index in range(count):
        consumer = new_consumer(unit_id, {'name': '%s%d' % (prefix, index + 1)})
        ids.append(consumer['id'])
        if body.get('nodes'):
            values = {'operatingSystemId': min(st['operatingSystems']), 'typeId': min(st['nodeTypes']), 'domainId': min(st['domains'])}
            node = new_node(consumer['id'], values)
            if body.get('activated'):  # as if activated ten days ago: reports and jobs exist
                node.update(tsmName=('%s%d' % (prefix, index + 1)).upper(), tsmNodeId=sim().next_id('tsmNode'),
                            activatedDate=fmt_time(start - datetime.timedelta(days=10)))
            node_ids.append(node['id'])
    return {'bunit': unit_id, 'ids': ids, 'nodeIds': node_ids, 'seconds': (utcnow() - start).total_seconds()}
