"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test (``--venv``) bootstraps pip in its fresh virtual environments by running
``get-pip.py`` from ci-files.testing.ansible.com, which this machine cannot reach. It first
looks for a cached copy at ``~/.ansible/test/cache/get_pip_<X_Y>.py``; noxfile.py
(install_get_pip_standin) installs this file there.

It bootstraps pip with the interpreter's bundled ``ensurepip`` in a *subprocess* (running
ensurepip in-process leaves pip with broken TLS settings), then runs ``python -m pip install``
with the arguments ansible-test passed (for example ``pip==24.2``), dropping the get-pip-only
options ``--no-setuptools`` / ``--no-wheel``.
"""

import subprocess
import sys

GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
