"""Cloutility REST API simulator (Flask), for testing the cloutility.cloutility Ansible collection."""

from .app import create_app
from .store import Simulator

__all__ = ['create_app', 'Simulator']
__version__ = '0.1.0'
