"""Backup nodes, activation, proxies, default server, operating systems and node types."""

from flask import Blueprint

from .common import sim, state
from .store import now_iso

bp = Blueprint('cloutility_nodes', __name__)


def new_node(consumer_id, values):
    node_id = sim().next_id('node')
    node = {'id': node_id, 'consumerId': consumer_id, 'createdDate': now_iso()}
    node.update(values)
    state()['nodes'][node_id] = node
    return node
