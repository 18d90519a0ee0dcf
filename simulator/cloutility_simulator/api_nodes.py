"""Backup nodes, activation, proxies, default server, operating systems and node types."""

import hashlib
import json
import re
import secrets

from flask import Blueprint, Response, jsonify, request

from .api_core import data_source_state, delete_consumer_and_node, delete_node_only, file_deletion_request
from .common import (bind, href, json_body, named_value, new_node, paged, prune, query_bool, reference_routes, render_domain,
                     render_node_type, render_option_set, render_os, render_server, sim, sorted_values, state, unit_ref, user)
from .store import bad_request, conflict, fmt_time, not_found, now_iso, parse_time, read_only

bp = Blueprint('cloutility_nodes', __name__)

NODE_SPEC = {
    'operatingSystem': ('ref', 'operatingSystems'),
    'type': ('ref', 'nodeTypes'),
    'domain': ('ref', 'domains'),
    'clientOptionSet': ('ref', 'clientOptionSets'),
    'contact': 'str',
    'cpuCount': 'int',
    'locked': 'bool',
}
REQUIRED_NODE_FIELDS = ('operatingSystem', 'type', 'domain')
TSM_NAME_CHARS = set('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+&')
TSM_NAME_MAX = 64
# Values of the node's {id, name} fields (ids and values inferred; a seed may give a string or an object).
SYNC_STATES = {'Synchronized': 1, 'NotSynchronized': 2, 'Unknown': 3}
SESSION_SECURITY = {'Strict': 1, 'Transitional': 2}
PLATFORMS = {'Linux x86-64': 1, 'WinNT': 2, 'Mac': 3, 'AIX': 4}


# ----------------------------------------------------------------- reference data
def default_server_id(unit_id):
    units = state()['businessUnits']
    unit = units.get(unit_id)
    while unit is not None:
        if unit.get('defaultServerId') in state()['servers']:
            return unit['defaultServerId']
        unit = units.get(unit.get('parentId'))
    return min(state()['servers']) if state()['servers'] else None


def _default_server(unit_id):
    sim().unit_for(user(), unit_id)
    server_id = default_server_id(unit_id)
    if server_id is None:
        raise not_found('Business unit %d has no default backup server' % unit_id)
    return state()['servers'][server_id]


@bp.route('/v1/bunits/<int:unit_id>/defaultserver', methods=['GET'])
def defaultserver(unit_id):
    return jsonify(render_server(_default_server(unit_id), unit_id))


@bp.route('/v1/bunits/<int:unit_id>/defaultserver/domains', methods=['GET'])
def defaultserver_domains(unit_id):
    server = _default_server(unit_id)
    items = [render_domain(d, unit_id) for d in sorted_values(state()['domains']) if d.get('serverId') == server['id']]
    return jsonify(paged(items, href('bunits', unit_id, 'defaultserver', 'domains'), 'Domain'))


@bp.route('/v1/bunits/<int:unit_id>/defaultserver/clientoptionsets', methods=['GET'])
def defaultserver_optionsets(unit_id):
    server = _default_server(unit_id)
    items = [render_option_set(o, unit_id) for o in sorted_values(state()['clientOptionSets']) if o.get('serverId') == server['id']]
    return jsonify(paged(items, href('bunits', unit_id, 'defaultserver', 'clientoptionsets'), 'ClientOptionSet'))


reference_routes(bp, 'nodeoperatingsystems', 'operatingSystems', render_os, 'NodeOperatingSystem', 'Node operating system',
                 ('operating_systems', 'operating_system'))
reference_routes(bp, 'nodetypes', 'nodeTypes', render_node_type, 'NodeType', 'Node type', ('node_types', 'node_type'))


# ----------------------------------------------------------------- rendering
def node_href(node):
    consumer = state()['consumers'][node['consumerId']]
    return href('bunits', consumer['businessUnitId'], 'consumers', consumer['id'], 'node')


def render_node_item(node):
    """Short form used in proxyAgents/proxyTargets and node lists."""
    st = state()
    consumer = st['consumers'][node['consumerId']]
    unit_id = consumer['businessUnitId']
    return prune({
        'href': node_href(node),
        'id': node['id'],
        'name': consumer['name'],
        'tsmName': node.get('tsmName'),
        'consumer': {'href': href('bunits', unit_id, 'consumers', consumer['id']), 'id': consumer['id'], 'name': consumer['name']},
        'businessUnitId': unit_id,
        'businessUnit': unit_ref(unit_id),
        'activatedDate': node.get('activatedDate'),
    })


def render_node(node):
    st = state()
    consumer = st['consumers'][node['consumerId']]
    unit_id = consumer['businessUnitId']
    osys = st['operatingSystems'].get(node.get('operatingSystemId'))
    ntype = st['nodeTypes'].get(node.get('typeId'))
    domain = st['domains'].get(node.get('domainId'))
    optset = st['clientOptionSets'].get(node.get('clientOptionSetId'))
    server = st['servers'].get(node.get('serverId'))
    agents = [st['nodes'][p['agentNodeId']] for p in st['proxies'] if p['targetNodeId'] == node['id'] and p['agentNodeId'] in st['nodes']]
    targets = [st['nodes'][p['targetNodeId']] for p in st['proxies'] if p['agentNodeId'] == node['id'] and p['targetNodeId'] in st['nodes']]
    out = {
        'href': node_href(node),
        'id': node['id'],
        'name': consumer['name'],
        'consumer': {'href': href('bunits', unit_id, 'consumers', consumer['id']), 'id': consumer['id'], 'name': consumer['name']},
        'operatingSystem': render_os(osys) if osys else None,
        'type': render_node_type(ntype) if ntype else None,
        'domain': render_domain(domain) if domain else None,
        'clientOptionSet': render_option_set(optset) if optset else None,
        'server': render_server(server) if server else None,
        'contact': node.get('contact'),
        'cpuCount': node.get('cpuCount'),
        'tsmName': node.get('tsmName'),
        'tsmNodeId': node.get('tsmNodeId'),
        'tsmPassword': node.get('tsmPassword'),
        'activatedDate': node.get('activatedDate'),
        'locked': bool(node.get('locked', False)),
        'decommissioned': bool(node.get('decommissioned', False)),
        # {id, name} objects, as the older guide gives them (the values and ids are inferred)
        'syncState': named_value(node.get('syncState') or ('Synchronized' if node.get('activatedDate') else None), SYNC_STATES),
        'sessionSecurity': named_value(node.get('sessionSecurity') or ('Transitional' if node.get('activatedDate') else None),
                                       SESSION_SECURITY),
        'platform': named_value(node.get('platform'), PLATFORMS),
        'proxyAgents': [render_node_item(a) for a in sorted(agents, key=lambda n: n['id'])],
        'proxyTargets': [render_node_item(t) for t in sorted(targets, key=lambda n: n['id'])],
        'dataSourceState': data_source_state(node['consumerId']),
        'createdDate': node.get('createdDate'),
    }
    for key in ('tsmClientVersion', 'osLevel', 'tcpName', 'tcpAddress', 'macAddress', 'replicationState', 'replicationMode'):
        out[key] = node.get(key)
    return prune(out)


# ----------------------------------------------------------------- node CRUD
def _consumer_and_node(unit_id, consumer_id, need_node=True):
    consumer = sim().consumer_for(user(), unit_id, consumer_id)
    node = sim().node_of(consumer_id)
    if node is None and need_node:
        raise not_found('Consumption unit %d (%s) has no backup node' % (consumer_id, consumer['name']))
    return consumer, node


def _check_unlocked(node, deletion_only=False):
    """A locked node is refused (activation, proxies); with ``deletion_only`` only one locked by a pending deletion request
    (its PUT, which unlocks a node a person or the backup server locked, and its password, set before the unlock)."""
    if node.get('locked') and (node.get('deletionRequestId') or not deletion_only):
        raise conflict('Backup node %d is locked (deletion request %s pending approval)' % (node['id'], node.get('deletionRequestId', '?')))


def _validate_node_values(values, unit_id):
    missing = [f for f in REQUIRED_NODE_FIELDS if f + 'Id' not in values]
    if missing:
        raise bad_request('Missing required node field(s): %s (objects with an id)' % ', '.join(missing))
    st = state()
    osys = st['operatingSystems'][values['operatingSystemId']]
    if values['typeId'] not in osys.get('supportedNodeTypes', []):
        supported = ', '.join(st['nodeTypes'][t]['name'] for t in osys.get('supportedNodeTypes', []) if t in st['nodeTypes'])
        raise bad_request('Node type %s is not supported by operating system %s (supported: %s)' % (
            st['nodeTypes'][values['typeId']]['name'], osys['name'], supported))
    server_id = values.get('serverId') or default_server_id(unit_id)
    if st['domains'][values['domainId']].get('serverId') != server_id:
        raise bad_request('Domain %d does not belong to backup server %s' % (values['domainId'], server_id))
    if 'clientOptionSetId' in values and st['clientOptionSets'][values['clientOptionSetId']].get('serverId') != server_id:
        raise bad_request('Client option set %d does not belong to backup server %s' % (values['clientOptionSetId'], server_id))
    return server_id


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node', methods=['GET'])
def node_get(unit_id, consumer_id):
    node = _consumer_and_node(unit_id, consumer_id)[1]
    return jsonify(render_node(node))


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node', methods=['POST'])
def node_create(unit_id, consumer_id):
    consumer, node = _consumer_and_node(unit_id, consumer_id, need_node=False)
    if node is not None:
        raise sim().refused('Consumption unit %d (%s) already has a backup node (id %d)' % (consumer_id, consumer['name'], node['id']))
    body = json_body()
    values = bind(body, NODE_SPEC)
    extra = bind(body, {'server': ('ref', 'servers'), 'tsmPassword': 'str'})
    default_id = default_server_id(unit_id)
    if 'serverId' in extra and extra['serverId'] != default_id:
        raise bad_request('server %d is not the default backup server (%s) of business unit %d' % (extra['serverId'], default_id, unit_id))
    values['serverId'] = _validate_node_values(values, unit_id)
    if values.get('locked') and sim().switch('node_locked_read_only'):
        raise read_only('locked', 'POST .../node')
    if 'tsmPassword' in extra:
        _check_password(extra['tsmPassword'])
        values['tsmPassword'] = extra['tsmPassword']
    node = new_node(consumer_id, values)
    sim().audit(user(), 100, 'Backup node created for consumption unit "%s"' % consumer['name'], unit_id=unit_id, consumer_id=consumer_id,
                object_type='Node', object_id=node['id'])
    return jsonify(render_node(node)), 201


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node', methods=['PUT'])
def node_update(unit_id, consumer_id):
    consumer, node = _consumer_and_node(unit_id, consumer_id)
    _check_unlocked(node, deletion_only=True)
    values = bind(json_body(), NODE_SPEC)
    values['serverId'] = node.get('serverId') or default_server_id(unit_id)
    _validate_node_values(values, unit_id)
    if sim().switch('node_locked_read_only'):
        # Read-only: the value it holds may come back in a body; a change is refused, and an absent one is kept.
        if values.get('locked', bool(node.get('locked'))) != bool(node.get('locked')):
            raise read_only('locked', 'PUT .../node')
        values['locked'] = bool(node.get('locked'))
    # Whole-object PUT: a field the body lacks goes back to its default (locked: false).
    for key in ('operatingSystemId', 'typeId', 'domainId', 'clientOptionSetId', 'contact', 'cpuCount', 'locked'):
        node.pop(key, None)
    node.update(values)
    sim().audit(user(), 200, 'Backup node of "%s" modified' % consumer['name'], unit_id=unit_id, consumer_id=consumer_id,
                object_type='Node', object_id=node['id'])
    return jsonify(render_node(node))


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node', methods=['DELETE'])
def node_delete(unit_id, consumer_id):
    """200 with the deleted Node (the Go client decodes a Node from the answer); 202 when a deletion request is filed.
    Switch node_delete_needs_associations: without deleteAssociations=true only the node goes, its unit stays."""
    consumer, node = _consumer_and_node(unit_id, consumer_id)
    associations = query_bool('deleteAssociations', False)
    comment = request.args.get('deletionComment') or None
    if user().get('deleteRequiresApproval'):
        return file_deletion_request(consumer, node, comment)
    body = render_node(node)
    if sim().switch('node_delete_needs_associations') and not associations:
        delete_node_only(consumer, node, comment)
    else:
        delete_consumer_and_node(consumer, node, comment)
    return jsonify(body)


# ----------------------------------------------------------------- naming, activation, password
def used_tsm_names(exclude_node_id=None):
    st = state()
    names = {n.upper() for n in st['usedTsmNames']}
    names.update(n['tsmName'].upper() for n in st['nodes'].values() if n.get('tsmName') and n['id'] != exclude_node_id)
    return names


def validate_tsm_name(name):
    if name is None or name == '':
        raise bad_request('tsmName is required: GET .../node/activate?tsmName=NAME')
    if len(name) > TSM_NAME_MAX:
        raise bad_request('tsmName %r is %d characters long; a node name is at most %d characters' % (name, len(name), TSM_NAME_MAX))
    for index, char in enumerate(name):
        if char.upper() not in TSM_NAME_CHARS:
            shown = 'space' if char == ' ' else repr(char)
            raise bad_request('tsmName %r contains the invalid character %s at position %d; allowed are A-Z, 0-9, _ . - + &' % (
                name, shown, index + 1))
    return name.upper()


def suggest_name(consumer):
    unit = state()['businessUnits'][consumer['businessUnitId']]
    raw = '%s-%s' % (unit['name'], consumer['name'])
    cleaned = re.sub(r'-{2,}', '-', ''.join(c if c in TSM_NAME_CHARS else '-' for c in raw.upper())).strip('-') or 'NODE'
    cleaned = cleaned[:TSM_NAME_MAX]
    used = used_tsm_names()
    candidate = cleaned
    counter = 2
    while candidate in used:
        suffix = '-%d' % counter
        candidate = cleaned[:TSM_NAME_MAX - len(suffix)] + suffix
        counter += 1
    return candidate


def spname_answer(name, form):
    """The suggested name in one of the forms of store.SPNAME_FORMS."""
    quoted = json.dumps(name)
    bodies = {
        'json': (quoted, 'application/json'),
        'bare': (name, 'text/plain'),
        'bare_newline': (name + '\r\n', 'text/plain'),
        'quoted_newline': (quoted + '\r\n', 'application/json'),
        'bare_as_json': (name, 'application/json'),
    }
    body, mimetype = bodies[form]
    return Response(body, mimetype=mimetype)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/spname', methods=['GET'])
def node_spname(unit_id, consumer_id):
    consumer = _consumer_and_node(unit_id, consumer_id)[0]
    config = sim().config
    return spname_answer(config.get('spname_override') or suggest_name(consumer), config.get('spname_form') or 'json')


def _generate_password(node_id):
    return 'Sim%s-%d' % (secrets.token_hex(6), node_id % 97)


def _check_password(password):
    # 8: the inferred IBM Storage Protect default; a server configured for longer passwords: /_sim/config password_min_length.
    least = sim().config.get('password_min_length') or 8
    if not isinstance(password, str) or not least <= len(password) <= 64:
        raise bad_request('tsmPassword must be %d to 64 characters long (the backup server\'s password rule)' % least)
    if any(c.isspace() for c in password):
        raise bad_request('tsmPassword must not contain spaces')


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/activate', methods=['GET'])
def node_activate(unit_id, consumer_id):
    consumer, node = _consumer_and_node(unit_id, consumer_id)
    name = validate_tsm_name(request.args.get('tsmName'))
    _check_unlocked(node)
    failure = None
    if node.get('activatedDate'):
        failure = sim().refused('Backup node %d is already activated as %s' % (node['id'], node.get('tsmName')),
                                'Activating an activated node is refused; check activatedDate/tsmName first')
    elif name in used_tsm_names(exclude_node_id=node['id']):
        failure = sim().refused('The node name %s is already in use on the backup server' % name)
    if failure is not None:
        sim().audit(user(), 400, 'Activation of the backup node of "%s" as %s failed: %s' % (consumer['name'], name, failure.message),
                    unit_id=unit_id, consumer_id=consumer_id, object_type='Node', object_id=node['id'])
        raise failure
    node['tsmName'] = name
    node['tsmNodeId'] = sim().next_id('tsmNode')
    node['activatedDate'] = now_iso()
    if not node.get('tsmPassword'):
        node['tsmPassword'] = _generate_password(node['id'])
    sim().audit(user(), 200, 'Backup node of "%s" activated as %s' % (consumer['name'], name), unit_id=unit_id, consumer_id=consumer_id,
                object_type='Node', object_id=node['id'])
    return jsonify(name)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/password', methods=['POST'])
def node_password(unit_id, consumer_id):
    consumer, node = _consumer_and_node(unit_id, consumer_id)
    values = bind(json_body(), {'tsmPassword': 'str'})
    if 'tsmPassword' not in values:
        raise bad_request('tsmPassword is required: {"tsmPassword": "..."}')
    _check_password(values['tsmPassword'])
    node['tsmPassword'] = values['tsmPassword']
    sim().audit(user(), 200, 'Password of backup node of "%s" changed' % consumer['name'], unit_id=unit_id, consumer_id=consumer_id,
                object_type='Node', object_id=node['id'])
    return jsonify(render_node(node))


# ----------------------------------------------------------------- filespaces
_FILESPACES = {
    'LNX': [('/', 'EXT4'), ('/home', 'XFS'), ('/var', 'XFS')],
    'WIN': [('\\\\{host}\\c$', 'NTFS'), ('\\\\{host}\\d$', 'NTFS'), ('{host}\\SystemState\\NULL\\System State\\SystemState', 'VSS')],
    'MAC': [('/', 'APFS'), ('/Users', 'APFS')],
    'AIX': [('/', 'JFS2'), ('/opt', 'JFS2')],
}


def _digest(*parts):
    return int(hashlib.sha256('/'.join(str(p) for p in parts).encode()).hexdigest()[:8], 16)


def filespaces_of(node):
    if not node.get('activatedDate'):
        return []
    osys = state()['operatingSystems'].get(node.get('operatingSystemId'), {})
    layout = _FILESPACES.get(osys.get('shortName'), _FILESPACES['LNX'])
    host = (node.get('tcpName') or node.get('tsmName') or 'node').lower()
    activated = parse_time(node['activatedDate'])
    items = []
    for index, (name, fstype) in enumerate(layout):
        seed = _digest(node['id'], name)
        capacity = 20480 * (1 + seed % 50)
        items.append({
            'id': index + 1,
            'name': name.format(host=host),
            'type': fstype,
            'unicode': True,
            'capacityMegaBytes': capacity,
            'percentageUtilized': round(10 + (seed % 800) / 10.0, 1),
            'occupancy': round(capacity * (0.05 + (seed % 60) / 100.0), 1),
            'registrationDate': fmt_time(activated),
            'lastBackupStart': now_iso(),
            'lastBackupEnd': now_iso(),
        })
    return items


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/filespaces', methods=['GET'])
def node_filespaces(unit_id, consumer_id):
    node = _consumer_and_node(unit_id, consumer_id)[1]
    query_bool('tsmSync', False)
    return jsonify(paged(filespaces_of(node), href('bunits', unit_id, 'consumers', consumer_id, 'node', 'filespaces'), 'Filespace'))


# ----------------------------------------------------------------- proxies
def possible_proxy_nodes(node):
    sim_ = sim()
    st = state()
    visible = set(sim_.units_under(user()['businessUnitId']))
    result = []
    for other in sorted(st['nodes'].values(), key=lambda n: n['id']):
        if other['id'] == node['id'] or not other.get('activatedDate') or other.get('locked'):
            continue
        if st['consumers'][other['consumerId']]['businessUnitId'] in visible:
            result.append(other)
    return result


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/possibleproxynodes', methods=['GET'])
def node_possible_proxies(unit_id, consumer_id):
    node = _consumer_and_node(unit_id, consumer_id)[1]
    items = [render_node_item(n) for n in possible_proxy_nodes(node)]
    return jsonify(paged(items, href('bunits', unit_id, 'consumers', consumer_id, 'node', 'possibleproxynodes'), 'Node'))


def _other_node(param_name, other_consumer_id):
    st = state()
    visible = set(sim().units_under(user()['businessUnitId']))
    other = st['consumers'].get(other_consumer_id)
    if other is None or other['businessUnitId'] not in visible:
        raise not_found('Consumption unit %d (%s) was not found' % (other_consumer_id, param_name))
    other_node = sim().node_of(other_consumer_id)
    if other_node is None:
        raise not_found('Consumption unit %d (%s) has no backup node' % (other_consumer_id, other['name']))
    return other, other_node


def _proxy_ids(param_name):
    value = request.args.get(param_name)
    if value is None or not value.strip().isdigit():
        raise bad_request('Query parameter %s (a consumer id) is required' % param_name)
    return int(value)


def _link(unit_id, consumer_id, other_consumer_id, this_is_target):
    consumer, node = _consumer_and_node(unit_id, consumer_id)
    other, other_node = _other_node('proxyAgentId' if this_is_target else 'proxyTargetId', other_consumer_id)
    for side, side_consumer in ((node, consumer), (other_node, other)):
        if not side.get('activatedDate'):
            raise bad_request('The backup node of consumption unit %d (%s) is not activated; proxy relationships need activated nodes' % (
                side_consumer['id'], side_consumer['name']))
    _check_unlocked(node)
    if other_node['id'] not in [n['id'] for n in possible_proxy_nodes(node)]:
        raise bad_request('Consumption unit %d (%s) is not among the possible proxy nodes of %d (%s)' % (
            other['id'], other['name'], consumer['id'], consumer['name']))
    agent, target = (other_node, node) if this_is_target else (node, other_node)
    proxies = state()['proxies']
    if not any(p['agentNodeId'] == agent['id'] and p['targetNodeId'] == target['id'] for p in proxies):
        proxies.append({'agentNodeId': agent['id'], 'targetNodeId': target['id']})
        sim().audit(user(), 200, 'Proxy relationship added: %s may act for %s' % (agent.get('tsmName'), target.get('tsmName')), unit_id=unit_id,
                    consumer_id=consumer_id, object_type='Node', object_id=node['id'])
    return jsonify(render_node(node))


def _unlink(unit_id, consumer_id, other_consumer_id, this_is_target):
    node = _consumer_and_node(unit_id, consumer_id)[1]
    other = state()['consumers'].get(other_consumer_id)
    other_node = sim().node_of(other_consumer_id) if other else None
    if other_node is None:
        raise not_found('Consumption unit %d has no backup node' % other_consumer_id)
    agent, target = (other_node, node) if this_is_target else (node, other_node)
    proxies = state()['proxies']
    kept = [p for p in proxies if not (p['agentNodeId'] == agent['id'] and p['targetNodeId'] == target['id'])]
    if len(kept) == len(proxies):
        raise not_found('There is no proxy relationship with agent %d and target %d' % (agent['consumerId'], target['consumerId']))
    state()['proxies'] = kept
    sim().audit(user(), 200, 'Proxy relationship removed: %s no longer acts for %s' % (agent.get('tsmName'), target.get('tsmName')), unit_id=unit_id,
                consumer_id=consumer_id, object_type='Node', object_id=node['id'])
    return '', 204


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/proxyagents', methods=['POST'])
def proxy_agent_add(unit_id, consumer_id):
    return _link(unit_id, consumer_id, _proxy_ids('proxyAgentId'), this_is_target=True)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/proxytargets', methods=['POST'])
def proxy_target_add(unit_id, consumer_id):
    return _link(unit_id, consumer_id, _proxy_ids('proxyTargetId'), this_is_target=False)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/proxyagents/<int:agent_id>', methods=['DELETE'])
def proxy_agent_remove(unit_id, consumer_id, agent_id):
    return _unlink(unit_id, consumer_id, agent_id, this_is_target=True)


@bp.route('/v1/bunits/<int:unit_id>/consumers/<int:consumer_id>/node/proxytargets/<int:target_id>', methods=['DELETE'])
def proxy_target_remove(unit_id, consumer_id, target_id):
    return _unlink(unit_id, consumer_id, target_id, this_is_target=False)
