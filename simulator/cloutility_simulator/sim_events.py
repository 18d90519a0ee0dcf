"""Admin endpoints for events the API cannot cause: billing subscribers and their trigger, jobs that fail or are missed.

Under /_sim like the other admin endpoints (no auth, not counted). The state they keep is cleared by /_sim/reset.
"""

import datetime

from flask import Blueprint, jsonify, request

from .api_read import INJECTED_JOB_STATUSES, add_injected_job
from .billing_post import check_url, deliver
from .common import json_body, sim, state
from .store import bad_request, not_found, parse_time, utcnow

bp = Blueprint('sim_events', __name__, url_prefix='/_sim')

# Default duration (seconds) of an injected job by status: a failed one ends early, a missed one never ran.
JOB_DURATIONS = {'Failed': 120, 'Warning': 300, 'Completed': 300, 'Missed': 0}


def unlocked(view):
    """Mark a view that takes the simulator lock itself (create_app does not wrap it): one that waits on the network."""
    view.sim_unlocked = True
    return view


def _int_field(body, name, required=True):
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request('%s must be an integer' % name)
    return value


def _unit_id(body):
    unit_id = _int_field(body, 'bunit')
    if unit_id not in state()['businessUnits']:
        raise bad_request('Business unit %s does not exist' % unit_id)
    return unit_id


# ----------------------------------------------------------------- billing subscribers
@bp.route('/billing/subscribers', methods=['GET'])
def subscribers():
    return jsonify({'items': [dict(s) for s in state()['billingSubscribers']]})


@bp.route('/billing/subscribers', methods=['POST'])
def subscriber_add():
    body = json_body()
    unit_id = _unit_id(body)
    url = body.get('url')
    reason = check_url(url)
    if reason:
        raise bad_request(reason)
    subscriber = {'id': sim().next_id('billingSubscriber'), 'bunit': unit_id, 'url': url}
    state()['billingSubscribers'].append(subscriber)
    return jsonify(dict(subscriber)), 201


@bp.route('/billing/subscribers/<int:subscriber_id>', methods=['DELETE'])
def subscriber_delete(subscriber_id):
    entries = state()['billingSubscribers']
    kept = [s for s in entries if s['id'] != subscriber_id]
    if len(kept) == len(entries):
        raise not_found('Billing subscriber %d was not found' % subscriber_id)
    entries[:] = kept
    return '', 204


def _flag(body, name, default):
    """A boolean from the JSON body or, failing that, the query string."""
    value = body.get(name, request.args.get(name))
    if value is None:
        return default
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    if not isinstance(value, bool):
        raise bad_request('%s must be true or false' % name)
    return value


@bp.route('/billing/generate', methods=['POST'])
@unlocked
def billing_generate():
    """"Billing data was generated" for a unit: POST the trigger to each of its subscribers, one after the other.
    The lock is held only to read the subscribers, so a subscriber may call the simulator back while it answers."""
    simulator = sim()
    with simulator.lock:
        body = json_body(required=False)
        unit_id = _unit_id(body)
        test = _flag(body, 'test', False)
        verify = _flag(body, 'verify', True)
        targets = [dict(s) for s in simulator.state['billingSubscribers'] if s['bunit'] == unit_id]
    deliveries = []
    for subscriber in targets:
        result = deliver(subscriber['url'], test=test, verify=verify)
        deliveries.append(dict(subscriber=subscriber['id'], **result))
    return jsonify({'deliveries': deliveries})


# ----------------------------------------------------------------- jobs on demand
def _job_start(body):
    text = body.get('started')
    if text is None:
        return utcnow() - datetime.timedelta(minutes=10)
    try:
        return parse_time(text)
    except (ValueError, TypeError) as exc:
        raise bad_request('started must be an ISO 8601 time, e.g. 2024-05-02T22:00:00Z') from exc


@bp.route('/jobs', methods=['POST'])
def job_add():
    """A job of a consumption unit's activated node: Failed, Missed, Warning or Completed; 201 with the job as
    GET .../jobs serves it."""
    body = json_body()
    consumer_id = _int_field(body, 'consumer')
    consumer = state()['consumers'].get(consumer_id)
    node = sim().node_of(consumer_id) if consumer is not None else None
    if node is None or not node.get('activatedDate'):
        raise bad_request('Consumption unit %s has no activated node' % consumer_id)
    status = body.get('status')
    if status not in INJECTED_JOB_STATUSES:
        raise bad_request('status must be one of %s, not %r' % (', '.join(INJECTED_JOB_STATUSES), status))
    started = _job_start(body)
    return_code = _int_field(body, 'returnCode', required=False) if 'returnCode' in body else INJECTED_JOB_STATUSES[status]
    duration = _int_field(body, 'duration', required=False)
    if duration is None:
        duration = JOB_DURATIONS[status]
    elif duration < 0:
        raise bad_request('duration must not be negative')
    return jsonify(add_injected_job(consumer, node, status, started, return_code, duration)), 201
