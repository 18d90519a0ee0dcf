"""Flask application factory: request pipeline (counters, faults, origin, auth), errors, admin endpoints."""

import functools
import json
import re
import socket
import time

from flask import Blueprint, Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from .common import EXTENSION, json_body, sim
from .store import BEHAVIOUR_SWITCHES, RACE_DEFAULTS, ApiError, Simulator, bad_request, check_race_config, check_spname_config

admin = Blueprint('sim_admin', __name__, url_prefix='/_sim')

_HTTP_CODES = {400: 'ValidationFailed', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
               409: 'Conflict', 415: 'UnsupportedMediaType', 429: 'TooManyRequests', 500: 'InternalServerError',
               502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout'}


def error_response(status, code, message, developer_message=None, headers=None):
    response = jsonify({'code': code, 'message': message, 'developerMessage': developer_message or message, 'status': status})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


MAINTENANCE_PAGE = ('<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head><body>\n<h1>We&rsquo;ll be back soon</h1>\n'
                    '<p>The backup portal is down for scheduled maintenance. Please try again later.</p>\n</body></html>\n')


def fault_body_response(kind, status, headers):
    """A fault rule's answer with a body that is not the resource (store.FAULT_BODIES)."""
    if kind == 'html':
        if 200 <= status < 300:
            page = MAINTENANCE_PAGE
        else:
            page = '<html><head><title>%d Bad Gateway</title></head><body><center><h1>%d</h1></center><hr><center>nginx</center></body></html>' % (
                status, status)
        return Response(page, status=status, headers=headers, mimetype='text/html')
    listing = request.path
    bodies = {
        'truncated': '{"href": "%s", "total": 25, "offset": 0, "items": [{"href": "%s/1", "id": 1, "na' % (listing, listing),
        'empty': '',
        'object': json.dumps({'href': listing, 'id': 1, 'name': 'maintenance', 'message': 'OK'}),
        'no_items': json.dumps({'href': listing, 'total': 25, 'offset': 0, 'first': listing}),
        'list': json.dumps([{'href': listing, 'id': 1, 'name': 'maintenance'}]),
        'string': json.dumps('maintenance'),
    }
    return Response(bodies[kind], status=status, headers=headers, mimetype='application/json')


def no_route_response():
    """How ASP.NET Web API answers a URI that no route matches (both modes; also for config missing_routes)."""
    segment = request.path.rstrip('/').split('/')[-1] or 'v1'
    response = jsonify({'Message': "No HTTP resource was found that matches the request URI '%s'." % request.url,
                        'MessageDetail': "No type was found that matches the controller named '%s'." % segment})
    response.status_code = 404
    return response


def _missing_route():
    """Runs after _before (counters, latency, faults, auth): a route this portal does not have answers as unknown."""
    if _is_api(request.path) and request.path.rstrip('/') != '/v1/oauth' and sim().route_missing(request.path):
        return no_route_response()
    return None


def _is_api(path):
    return path == '/v1' or path.startswith('/v1/')


def _authenticate():
    """Origin + bearer token check for every /v1 call except /v1/oauth (which checks the origin itself)."""
    st = sim().state
    origin = request.headers.get('Origin')
    origins = {c['origin'] for c in st['clients'].values()}
    if origin not in origins:
        raise ApiError(403, 'InvalidOrigin', 'The Origin header is missing or not registered for any API client',
                       'Send the Origin header registered with the client id on every call (got %r)' % origin)
    header = request.headers.get('Authorization', '')
    scheme, _space, token = header.partition(' ')
    if scheme.lower() != 'bearer' or not token.strip():
        raise ApiError(401, 'Unauthorized', 'Authorization has been denied for this request.', 'Missing Authorization: Bearer <access_token> header')
    entry = st['accessTokens'].get(token.strip())
    if entry is None:
        raise ApiError(401, 'Unauthorized', 'Authorization has been denied for this request.', 'Unknown access token')
    if entry['expires'] <= time.time():
        raise ApiError(401, 'Unauthorized', 'Authorization has been denied for this request.', 'The access token has expired')
    client = st['clients'].get(entry['clientId'])
    if client is None or client['origin'] != origin:
        raise ApiError(403, 'InvalidOrigin', 'The Origin header does not match the origin registered for this client',
                       'Origin %r is not the origin of client %r' % (origin, entry['clientId']))
    user = st['users'].get(entry['userId'])
    if user is None:
        raise ApiError(401, 'Unauthorized', 'Authorization has been denied for this request.', 'The user of this token no longer exists')
    g.sim_user = user


def _before():
    path = request.path
    if not _is_api(path):
        return None
    simulator = sim()
    simulator.count(request.method, path)
    latency = simulator.faults.get('latency_ms') or 0
    if latency:
        time.sleep(latency / 1000.0)
    fault = simulator.take_fault(request.method, path, request.query_string.decode('latin-1'))
    if fault is not None:
        # Read the body before answering early: left unread in a keep-alive connection it would be taken for the
        # start of the next request.
        request.get_data()
        status = fault['status']
        headers = {}
        if fault.get('retry_after') is not None:
            headers['Retry-After'] = str(fault['retry_after'])
        if fault.get('body') or status == 502:
            return fault_body_response(fault.get('body') or 'html', status, headers)
        code = _HTTP_CODES.get(status, 'InjectedFault')
        return error_response(status, code, 'Injected fault: HTTP %d' % status, 'Simulator fault rule answered before doing any work', headers)
    if path.rstrip('/') != '/v1/oauth':
        with simulator.lock:
            try:
                _authenticate()
            except ApiError:
                request.get_data()  # an early answer: read the body first (see above)
                raise
    return None


def _after(response):
    path = request.path
    drop = sim().take_drop(request.method, path, request.query_string.decode('latin-1')) if _is_api(path) and response.status_code < 400 else None
    if drop is not None and drop.get('body'):
        # Committed, and the answer is not the resource (a proxy's page, JSON cut short...): what the client reads.
        return fault_body_response(drop['body'], drop.get('status') or 200, {})
    if drop is not None:
        sock = request.environ.get('werkzeug.socket')
        if sock is None:
            return Response('<html><body><h1>502 Bad Gateway</h1></body></html>', status=502, mimetype='text/html')
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return response


def _handle_api_error(exc):
    return error_response(exc.status, exc.code, exc.message, exc.developer_message, exc.headers)


def _handle_http(exc):
    status = exc.code or 500
    if status == 404 and request.url_rule is None and _is_api(request.path):
        return no_route_response()
    return error_response(status, _HTTP_CODES.get(status, 'Error'), exc.description or exc.name, '%s %s: %s' % (request.method, request.path, exc.name))


class PortalJSONProvider(DefaultJSONProvider):
    """JSON answers as the portal sends them: compact, keys in the order built, no line end after the value (Flask's
    own provider adds a newline, which a client that takes a text answer as-is, like the Go client with spname, keeps)."""

    sort_keys = False

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj, separators=(',', ':')), mimetype=self.mimetype)


def _locked(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with sim().lock:
            return view(*args, **kwargs)
    return wrapper


def create_app(seed=None, page_size=None, token_lifetime=None, simulator=None, strict=False, **options):
    """Build the Flask app. Either pass a Simulator or the seed file / page size / token lifetime / strict mode and
    any other Simulator option (node_delete_needs_associations, consumer_delete_ignores_associations, billing_period_keys,
    billing_guessed_keys, spname_form, spname_override, missing_routes, latency_ms)."""
    from .api_core import bp as core_bp  # pylint: disable=import-outside-toplevel
    from .api_nodes import bp as nodes_bp  # pylint: disable=import-outside-toplevel
    from .api_read import bp as read_bp  # pylint: disable=import-outside-toplevel
    from .api_users import bp as users_bp  # pylint: disable=import-outside-toplevel
    from .sim_events import bp as events_bp  # pylint: disable=import-outside-toplevel

    if simulator is None:
        kwargs = {}
        if page_size is not None:
            kwargs['page_size'] = page_size
        if token_lifetime is not None:
            kwargs['token_lifetime'] = token_lifetime
        kwargs.update(options)
        simulator = Simulator(seed=seed, strict=strict, **kwargs)
    app = Flask('cloutility_simulator')
    app.json = PortalJSONProvider(app)
    app.url_map.strict_slashes = False
    app.extensions[EXTENSION] = simulator
    app.before_request(_before)
    app.before_request(_missing_route)
    app.after_request(_after)
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http)
    for blueprint in (core_bp, nodes_bp, read_bp, users_bp, admin, events_bp):
        app.register_blueprint(blueprint)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != 'static' and not getattr(view, 'sim_unlocked', False):
            app.view_functions[endpoint] = _locked(view)
    return app


# ----------------------------------------------------------------- admin endpoints (no auth, not counted)
@admin.route('/counters', methods=['GET'])
def counters():
    return jsonify(sim().counters_copy())


@admin.route('/counters/reset', methods=['POST'])
def counters_reset():
    sim().reset_counters()
    return jsonify(sim().counters_copy())


@admin.route('/reset', methods=['POST'])
def reset():
    sim().reset()
    return jsonify({'reset': True})


@admin.route('/state', methods=['GET'])
def get_state():
    return jsonify(sim().snapshot())


@admin.route('/config', methods=['GET', 'POST'])
def config():
    simulator = sim()
    if request.method == 'POST':
        body = json_body()
        for key in ('page_size', 'token_lifetime', 'password_min_length'):
            if key in body:
                value = body[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise bad_request('%s must be a positive integer' % key)
                simulator.config[key] = value
        for key in ('strict',) + BEHAVIOUR_SWITCHES:
            if key in body:
                if not isinstance(body[key], bool):
                    raise bad_request('%s must be true or false' % key)
                simulator.config[key] = body[key]
        if 'spname_form' in body or 'spname_override' in body:
            form = body.get('spname_form', simulator.config.get('spname_form'))
            override = body.get('spname_override', simulator.config.get('spname_override'))
            try:
                check_spname_config(form, override)
            except ValueError as exc:
                raise bad_request(str(exc)) from exc
            simulator.config.update(spname_form=form, spname_override=override)
        if 'missing_routes' in body:
            routes = body['missing_routes']
            if not isinstance(routes, list) or not all(isinstance(item, str) for item in routes):
                raise bad_request('missing_routes must be a list of regular expressions (re.search on the request path)')
            for item in routes:
                try:
                    re.compile(item)
                except re.error as exc:
                    raise bad_request('bad missing_routes regex %r: %s' % (item, exc)) from exc
            simulator.config['missing_routes'] = list(routes)
        race = dict((key, body[key]) for key in RACE_DEFAULTS if key in body)
        if race:
            try:
                check_race_config(race)
            except ValueError as exc:
                raise bad_request(str(exc)) from exc
            simulator.config.update(race)
        if 'latency_ms' in body:
            value = body['latency_ms']
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request('latency_ms must be an integer of 0 or more')
            simulator.set_latency(value)
        if 'clock_offset_s' in body:
            value = body['clock_offset_s']
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= 10 * 366 * 86400:
                raise bad_request('clock_offset_s must be a number of seconds (negative: the portal is behind), at most ten years')
            simulator.config['clock_offset_s'] = value
        unknown = set(body) - {'page_size', 'token_lifetime', 'strict', 'missing_routes', 'latency_ms', 'password_min_length',
                               'spname_form', 'spname_override', 'clock_offset_s'} - set(BEHAVIOUR_SWITCHES) - set(RACE_DEFAULTS)
        if unknown:
            raise bad_request('unknown config keys: %s' % ', '.join(sorted(unknown)))
    return jsonify(dict(simulator.config))


@admin.route('/tokens/expire', methods=['POST'])
def tokens_expire():
    simulator = sim()
    now = time.time()
    for entry in simulator.state['accessTokens'].values():
        entry['expires'] = min(entry['expires'], now - 1)
    return jsonify({'expired': len(simulator.state['accessTokens'])})


@admin.route('/faults', methods=['GET', 'POST', 'DELETE'])
def faults():
    simulator = sim()
    if request.method == 'POST':
        return jsonify(simulator.set_faults(json_body()))
    if request.method == 'DELETE':
        simulator.clear_faults()
    return jsonify(simulator.faults)


@admin.route('/bulk', methods=['POST'])
def bulk():
    from .api_core import bulk_create  # pylint: disable=import-outside-toplevel
    return jsonify(bulk_create(json_body()))
