"""Users of a business unit: GET /v1/bunits/{id}/users (the reference guide's advice for reading users)."""

from flask import Blueprint, jsonify

from .common import href, paged, prune, sim, state, unit_ref, user

bp = Blueprint('cloutility_users', __name__)


def render_user(entry):
    """A User without its password; field names inferred (email, name, businessUnit)."""
    return prune({
        'href': href('users', entry['id']),
        'id': entry['id'],
        'name': entry.get('name'),
        'email': entry.get('email'),
        'businessUnit': unit_ref(entry.get('businessUnitId')),
        'createdDate': entry.get('createdDate'),
    })


@bp.route('/v1/bunits/<int:unit_id>/users', methods=['GET'])
def bunit_users(unit_id):
    sim().unit_for(user(), unit_id)
    items = [render_user(u) for u in sorted(state()['users'].values(), key=lambda u: u['id']) if u.get('businessUnitId') == unit_id]
    return jsonify(paged(items, href('bunits', unit_id, 'users'), 'User'))
