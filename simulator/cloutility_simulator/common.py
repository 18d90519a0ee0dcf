"""Helpers shared by the API blueprints: request access, binding of bodies, rendering."""

import datetime

from flask import current_app, g, jsonify, request

from .store import bad_request, fmt_time, not_found, parse_time, utcnow

EXTENSION = 'cloutility_simulator'
BACKUP_NODE_TYPE = {'id': 1, 'name': 'SP Backup node'}
HYPER = 'CloudPortal.Web.Api.Hyper.%s, CloudPortal.Web.Api'
COLLECTION_TYPE = 'CloudPortal.Web.Api.Hyper.Collection`1[[CloudPortal.Web.Api.Hyper.%s, CloudPortal.Web.Api]], CloudPortal.Web.Api'


def sim():
    return current_app.extensions[EXTENSION]


def state():
    return sim().state


def user():
    return g.sim_user


def base():
    """Base URL of the API including /v1, e.g. http://127.0.0.1:8180/v1."""
    return request.host_url.rstrip('/') + '/v1'


def href(*parts):
    return base() + '/' + '/'.join(str(p) for p in parts)


def query_bool(name, default=False):
    value = request.args.get(name)
    if value is None or value == '':
        return default
    lowered = value.strip().lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise bad_request('Query parameter %s must be true or false, not %r' % (name, value))


def query_int(name, default=None, minimum=None):
    value = request.args.get(name)
    if value is None or value == '':
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise bad_request('Query parameter %s must be an integer, not %r' % (name, value)) from exc
    if minimum is not None and number < minimum:
        raise bad_request('Query parameter %s must be at least %d' % (name, minimum))
    return number


def query_time(name, default=None):
    value = request.args.get(name)
    if value is None or value == '':
        return default
    try:
        return parse_time(value)
    except ValueError as exc:
        raise bad_request('Query parameter %s must be an ISO 8601 date, e.g. 2023-11-03T08:00:00Z, not %r' % (name, value)) from exc


def json_body(required=True):
    body = request.get_json(force=True, silent=True)
    if body is None:
        if not required and not request.get_data():
            return {}
        raise bad_request('The request body must be a JSON object', 'Could not parse the request body as JSON')
    if not isinstance(body, dict):
        raise bad_request('The request body must be a JSON object')
    return body


def _lower_keys(obj):
    return {str(k).lower(): v for k, v in obj.items()}


def _convert(name, kind, value):
    # pylint: disable=too-many-return-statements
    if kind == 'str':
        if not isinstance(value, str):
            raise bad_request('%s must be a string' % name)
        return value
    if kind == 'int':
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise bad_request('%s must be an integer' % name)
        return int(value)
    if kind == 'num':
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad_request('%s must be a number' % name)
        return float(value)
    if kind == 'bool':
        if not isinstance(value, bool):
            raise bad_request('%s must be true or false' % name)
        return value
    if kind == 'list':
        if not isinstance(value, list):
            raise bad_request('%s must be a list' % name)
        return value
    if kind == 'tags':
        return _tags(name, value)
    if kind == 'date':
        try:
            return fmt_time(parse_time(value)).replace('.000Z', 'Z')
        except (ValueError, TypeError) as exc:
            raise bad_request('%s must be an ISO 8601 date, e.g. 2023-06-09T00:00:00Z' % name) from exc
    # reference: ('ref', collection)
    collection = kind[1]
    if not isinstance(value, dict):
        raise bad_request('%s must be an object with an id, e.g. {"id": 4}' % name)
    ref_id = _lower_keys(value).get('id')
    if isinstance(ref_id, str) and ref_id.isdigit():
        ref_id = int(ref_id)
    if isinstance(ref_id, bool) or not isinstance(ref_id, int):
        raise bad_request('%s must be an object with a numeric id, e.g. {"id": 4}' % name,
                          '%s is resolved by its id only; other keys are ignored' % name)
    if ref_id not in state()[collection]:
        raise bad_request('%s with id %d does not exist' % (name, ref_id))
    return ref_id


def _tags(name, value):
    """Tags as the older guide gives them: {id, name} objects. Each item an object with a known id, or with a name (or a
    bare string, as a lenient portal might take it): a new name is registered with a new id (inferred behaviour)."""
    if not isinstance(value, list):
        raise bad_request('%s must be a list of {"id", "name"} objects' % name)
    registry = state()['tags']
    by_name = {tag_name.lower(): tag_id for tag_id, tag_name in registry.items()}
    result = []
    for item in value:
        if isinstance(item, dict):
            lowered = _lower_keys(item)
            tag_id, tag_name = lowered.get('id'), lowered.get('name') or lowered.get('text')  # text: the published BusinessUnitTag
        else:
            tag_id, tag_name = None, item
        if tag_id is not None:
            if isinstance(tag_id, bool) or not isinstance(tag_id, int) or tag_id not in registry:
                raise bad_request('%s: no tag with id %r' % (name, tag_id))
        elif isinstance(tag_name, str) and tag_name.strip():
            tag_id = by_name.get(tag_name.strip().lower())
            if tag_id is None:
                tag_id = sim().next_id('tag')
                registry[tag_id] = tag_name.strip()
                by_name[tag_name.strip().lower()] = tag_id
        else:
            raise bad_request('%s: every tag is an object with an id or a name, e.g. {"id": 3, "name": "gold"}' % name)
        if tag_id not in [tag['id'] for tag in result]:
            result.append({'id': tag_id, 'name': registry[tag_id]})
    return result


def named_value(value, ids):
    """A field the older guide gives as an {id, name} object: a stored object as-is, a stored string (seed) with its id
    from ``ids`` (0 when not listed), None as None."""
    if value is None or isinstance(value, dict):
        return value
    return {'id': ids.get(value, 0), 'name': value}


def bind(body, spec):
    """Bind a request body to a field spec, keys case-insensitive.

    spec maps canonical field name -> kind ('str', 'int', 'num', 'bool', 'list', 'date', ('ref', collection)).
    Returns {internal key: value} for the fields present and not null; references come back as
    '<name>Id': id.
    """
    lowered = _lower_keys(body)
    out = {}
    for name, kind in spec.items():
        value = lowered.get(name.lower())
        if value is None:
            continue
        key = name + 'Id' if isinstance(kind, tuple) else name
        out[key] = _convert(name, kind, value)
    return out


def internal_keys(spec):
    return [name + 'Id' if isinstance(kind, tuple) else name for name, kind in spec.items()]


def replace_fields(obj, spec, values):
    """PUT semantics: every writable field takes the new value or is removed."""
    for key in internal_keys(spec):
        obj.pop(key, None)
    obj.update(values)


def named_body(spec):
    """The request body bound to ``spec`` (see bind), with a name that check_name accepts."""
    values = bind(json_body(), spec)
    check_name(values)
    return values


def check_name(values, required=True, what='name'):
    name = values.get('name')
    if name is None:
        if required:
            raise bad_request('%s is required' % what)
        return
    if not name.strip():
        raise bad_request('%s must not be empty' % what)
    if len(name) > 255:
        raise bad_request('%s must be at most 255 characters' % what)


def paged(items, collection_href, type_name=None):
    """A Cloutility collection, paged with offset/limit; never more than page_size items."""
    page_size = sim().config['page_size']
    offset = query_int('offset', 0, minimum=0)
    limit = query_int('limit', page_size, minimum=0)
    count = min(limit, page_size)
    total = len(items)
    shift = sim().page_shift() if offset and items else None
    if shift == 'delete' or shift == 'cancel':
        # A unit before the offset went since the page before: every later item moved one place up, so the one at the
        # offset was on the page before and a reader skips it. 'cancel': a create at the end kept total as it was.
        page = items[offset + 1:offset + 1 + count]
        total -= shift == 'delete'
    elif shift == 'create':
        # A unit came before the offset: every later item moved one place down and the reader sees one twice.
        page = items[offset - 1:offset - 1 + count]
        total += 1
    else:
        page = items[offset:offset + count]
    result = {
        'href': collection_href,
        'total': total,
        'offset': offset,
        'first': collection_href,
        'items': page,
    }
    if type_name:
        result['$type'] = COLLECTION_TYPE % type_name
    return result


def embedded(items, collection_href, type_name):
    return {'$type': COLLECTION_TYPE % type_name, 'href': collection_href, 'total': len(items), 'items': items}


def prune(obj):
    """Drop None values: fields never set are absent, not null."""
    return {k: v for k, v in obj.items() if v is not None}


# ----------------------------------------------------------------- renderers of reference data
def sorted_values(mapping):
    """A state table's records in key order (ids), as the API lists them."""
    return [mapping[key] for key in sorted(mapping)]


def reference_routes(bp, collection, table, render, type_name, what, endpoints):
    """Reference data (time zones, operating systems, node types) on ``bp``: GET /v1/<collection> lists every record
    of state table ``table`` (paged), GET /v1/<collection>/<id> answers one or 404 '<what> <id> was not found'.
    ``endpoints``: the two views' names (list, item)."""

    def listing():
        items = [render(record) for record in sorted_values(state()[table])]
        return jsonify(paged(items, href(collection), type_name))

    def item(record_id):
        record = state()[table].get(record_id)
        if record is None:
            raise not_found('%s %d was not found' % (what, record_id))
        return jsonify(render(record))

    bp.add_url_rule('/v1/%s' % collection, endpoints[0], listing, methods=['GET'])
    bp.add_url_rule('/v1/%s/<int:record_id>' % collection, endpoints[1], item, methods=['GET'])


def render_timezone(tz):
    return prune({
        '$type': HYPER % 'TimeZone',
        'href': href('timezones', tz['id']),
        'name': tz.get('name'),
        'windowsId': tz.get('windowsId'),
        'offset': tz.get('offset'),
        'id': tz['id'],
        'createdDate': tz.get('createdDate'),
    })


def render_node_type(nt):
    return prune({'href': href('nodetypes', nt['id']), 'id': nt['id'], 'name': nt.get('name'), 'shortName': nt.get('shortName'),
                  'createdDate': nt.get('createdDate')})


def render_os(osys):
    types = state()['nodeTypes']
    return prune({
        'href': href('nodeoperatingsystems', osys['id']),
        'id': osys['id'],
        'name': osys.get('name'),
        'shortName': osys.get('shortName'),
        'supportedNodeTypes': [render_node_type(types[t]) for t in osys.get('supportedNodeTypes', []) if t in types],
        'createdDate': osys.get('createdDate'),
    })


def render_server(server, unit_id=None):
    """BackupServer. tcpAddress/tcpPort are inferred field names."""
    link = href('bunits', unit_id, 'defaultserver') if unit_id is not None else href('servers', server['id'])
    return prune({'href': link, 'id': server['id'], 'name': server.get('name'), 'tcpAddress': server.get('tcpAddress'),
                  'tcpPort': server.get('tcpPort'), 'createdDate': server.get('createdDate')})


def render_domain(domain, unit_id=None):
    server = state()['servers'].get(domain.get('serverId'))
    link = href('bunits', unit_id, 'defaultserver', 'domains', domain['id']) if unit_id is not None else href('domains', domain['id'])
    return prune({
        'href': link,
        'id': domain['id'],
        'name': domain.get('name'),
        'description': domain.get('description'),
        'backupRetention': domain.get('backupRetention'),
        'archiveRetention': domain.get('archiveRetention'),
        'missingInTsm': domain.get('missingInTsm'),
        'server': render_server(server, unit_id) if server else None,
        'createdDate': domain.get('createdDate'),
    })


def render_option_set(opt, unit_id=None):
    link = href('bunits', unit_id, 'defaultserver', 'clientoptionsets', opt['id']) if unit_id is not None else href('clientoptionsets', opt['id'])
    return prune({'href': link, 'id': opt['id'], 'name': opt.get('name'), 'description': opt.get('description'),
                  'createdDate': opt.get('createdDate')})


def unit_ref(unit_id):
    unit = state()['businessUnits'].get(unit_id)
    if unit is None:
        return None
    return {'href': href('bunits', unit_id), 'id': unit_id, 'name': unit['name']}


def insert(table, kind, fields, values):
    """Store a new record in state table ``table`` under the next ``kind`` id: its id, ``fields``, createdDate (now),
    then ``values`` (no validation, no audit)."""
    record_id = sim().next_id(kind)
    record = {'id': record_id}
    record.update(fields)
    resolution = sim().config.get('created_resolution') or 0
    stamp = utcnow()
    if resolution:  # a portal that stamps whole seconds (or coarser): units created together tie
        epoch = stamp.timestamp()
        stamp = datetime.datetime.fromtimestamp(epoch - epoch % resolution, datetime.timezone.utc)
    record['createdDate'] = fmt_time(stamp)
    record.update(values)
    state()[table][record_id] = record
    return record


def new_node(consumer_id, values):
    """Store a new node for a consumer (no validation, no audit)."""
    return insert('nodes', 'node', {'consumerId': consumer_id}, values)
