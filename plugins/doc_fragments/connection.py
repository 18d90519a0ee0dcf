# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options, attributes and the author shared by every module of the collection (the internal modules of
    # the role and the audit excepted); the plugins (inventory, lookups) take PLUGINS instead.
    DOCUMENTATION = r'''
author:
  - Cloutility Ansible collection contributors (!UNKNOWN)
options:
  api_url:
    description:
      - Base URL of the Cloutility API, with or without the trailing C(/v1),
        for example V(https://portal-api.backup.sto2.safedc.net/v1).
      - "A scheme (C(http://) or C(https://)) and a host, nothing more: a URL with a user or password in it
        (C(https://user:password@host)), a query or a fragment is refused before any request. Put the user in
        O(username) and the password in O(password)."
      - If not set, the value of the E(CLOUTILITY_API_URL) environment variable is used. One of them is required;
        a task that has neither fails before any request and names every missing connection option at once.
    type: str
    required: true
  client_id:
    description:
      - Client ID generated in the Cloutility portal under Settings, API access.
      - If not set, the value of the E(CLOUTILITY_CLIENT_ID) environment variable is used. One of them is required;
        a task that has neither fails before any request and names every missing connection option at once.
    type: str
    required: true
  origin:
    description:
      - The origin URL registered with the client ID. It is sent as the C(Origin) header on every call.
      - If not set, the value of the E(CLOUTILITY_ORIGIN) environment variable is used. One of them is required;
        a task that has neither fails before any request and names every missing connection option at once.
    type: str
    required: true
  username:
    description:
      - Cloutility user name.
      - If not set, the value of the E(CLOUTILITY_USERNAME) environment variable is used. One of them is required;
        a task that has neither fails before any request and names every missing connection option at once.
    type: str
    required: true
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(CLOUTILITY_PASSWORD) environment variable is used. One of them is required;
        a task that has neither fails before any request and names every missing connection option at once.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Turn it off only for a test portal.
      - If not set, the value of the E(CLOUTILITY_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer; at least V(1).
      - If not set, the value of the E(CLOUTILITY_TIMEOUT) environment variable is used.
    type: int
    default: 30
  token_cache:
    description:
      - Reuse an access token obtained by an earlier task, so a play of many tasks logs in once while
        the token is valid (about five minutes).
      - Only the short-lived access token, its expiry and its lifetime are stored, in a C(0600) file of C(0700)
        directories under C($XDG_CACHE_HOME/cloutility-ansible) (default C(~/.cache)); never the password or the
        refresh token.
      - A token is reused only by a task with the same URL, client ID, origin, user and password.
      - Nothing found there is trusted. A symlink in C(cloutility-ansible) or below is never followed, a file of
        another user or one that others can read is ignored, and an entry that does not hold a well-formed token is
        removed; the task then logs in again, it does not fail.
      - Forks that start together with no cached token log in once per account; the first sends the password grant
        under a controller lock (a file lock in C(cloutility-ansible/locks)), the others wait for it and reuse its token.
      - A token is renewed a tenth of its lifetime (at most 20 seconds) before it expires.
      - If not set, the value of the E(CLOUTILITY_TOKEN_CACHE) environment variable is used.
    type: bool
    default: true
  retries:
    description:
      - How many times one request is sent again after a transient fault (HTTP 429, 502, 503, 504, no answer).
        V(0) sends every request once.
      - If not set, the value of the E(CLOUTILITY_RETRIES) environment variable is used.
    type: int
    default: 5
  retry_max_time:
    description:
      - The most seconds spent waiting between the attempts of one request (and of one write that is re-read and
        sent again). A wait that would go past it is not made and the last error is reported.
      - If not set, the value of the E(CLOUTILITY_RETRY_MAX_TIME) environment variable is used.
    type: float
    default: 60
  lock_dir:
    description:
      - A lock folder that several controllers share (an NFS export or a volume mounted on every AWX or Automation
        Controller execution node). The write lock of each object (a consumption unit by business unit and name, a
        node, an upload) and the lock of an account's first login are taken there, so controllers that share it
        take turns instead of racing. It is a fast path that avoids most races; what happens when writers do race
        does not rest on it.
      - Without it, the locks are files in the user's private C(cloutility-ansible/locks) folder (see O(token_cache)),
        which only the forks of one controller share.
      - A missing folder is created with mode C(0700) (for one user); an existing one is used as it is (for example
        C(2770), owned by a group every controller's user is in). A symlink, a folder every user can write to without
        the sticky bit, or one this user cannot write to is refused; the task fails before any request, naming
        O(lock_dir). Lock files are opened without following symlinks; their names are hashes of the URL, the user
        and the object, never the password. Access tokens are never written there; the token cache stays private.
      - Lock files are removed when released and nobody waits for them; files nobody holds are removed at most once
        an hour.
      - On NFS, C(flock) locks exclude processes on different hosts when the client emulates them with NFS locks
        (Linux does, unless the export is mounted with C(local_lock=flock) or C(local_lock=all)); otherwise the locks
        only exclude the forks of each controller, and racing controllers still converge.
      - "The holder of a lock writes who it is (process id, host, user, since when) into the lock file. A lock file of
        the folder that belongs to another user (in a folder every user can write to, any local user can create and
        hold one) is waited on for at most 5 seconds: then the task takes its own lock in its private folder instead
        (which excludes the forks of this controller only) and warns which file and whose. So let only the controllers'
        user, or a group of them alone, write to the folder."
      - If not set, the value of the E(CLOUTILITY_LOCK_DIR) environment variable is used.
    type: path
    version_added: 2.0.0
  lock_timeout:
    description:
      - "The most seconds one holder (another fork, task or controller) may keep an object's write lock this task waits
        for. Past it the task fails, before it writes anything, naming the object and the holder (process id, host,
        user) when it said who it is; stop a stuck holder, or raise this for a slow portal. The clock starts again
        whenever the lock changes hands, so a queue of tasks that each hold it briefly does not fail; no task waits
        more than five times this in all. The first-login lock is never a failure: past its own bound (the retry
        budget) the task logs in alone."
      - If not set, the value of the E(CLOUTILITY_LOCK_TIMEOUT) environment variable is used.
    type: float
    version_added: 2.0.0
    default: 120
  race_margin:
    description:
      - Seconds within which the portal shows a new consumption unit in its lists, counted from the unit's
        C(createdDate) (with room for the portal's clock). Controllers that share no O(lock_dir) and create the same
        unit at once keep the one created first (by C(createdDate), then id); a run that created a unit waits until
        this long after the create's answer (time spent on later steps counts) before it reads the list that decides.
        Raise it for a portal whose lists lag; V(0) trusts that a create shows at once.
      - If not set, the value of the E(CLOUTILITY_RACE_MARGIN) environment variable is used.
    type: float
    version_added: 2.0.0
    default: 2
notes:
  - "Transient faults: HTTP 429 means the server did nothing, so any request is sent again after C(Retry-After)
    (seconds or an HTTP date, at most 30 s) or a backoff. After HTTP 502, 503, 504 or no answer, GET, PUT and
    DELETE are sent again. A POST and the node activation are never sent again blindly: the module re-reads the
    portal, takes the effect when it is there and sends again only when it is not. Waits double from 0.5 s
    (at most 8 s) and are stretched by a random share of up to half, so parallel forks do not retry in lockstep;
    O(retries) and O(retry_max_time) bound them."
  - Set the connection options once per play with C(module_defaults) and the action group
    C(group/cloutility.cloutility.cloutility).
  - When the task runs on the controller (C(delegate_to=localhost) or C(connection=local), without C(become) or
    C(async)), the module runs inside the controller's worker process instead of starting a new Python, which
    makes a task several times cheaper. The module receives the same arguments and returns the same result
    either way. Set the variable C(cloutility_in_process=false) to run it as an ordinary module process;
    C(-vvv) shows which way a task ran. On a macOS controller modules run as processes unless
    C(cloutility_in_process=true), because macOS system frameworks may abort in a forked process.
attributes:
  action:
    support: full
    description:
      - Runs, as every module of the collection does, through its one action plugin, C(cloutility.cloutility.cloutility_api)
        (by name for the module of that name, as the C(action_plugin) of the others in the collection's
        C(meta/runtime.yml)), which runs the module in the controller process when the task runs on the controller.
  action_group:
    support: full
    description: Use C(group/cloutility.cloutility.cloutility) in C(module_defaults) to set the connection options once.
    membership:
      - cloutility.cloutility.cloutility
requirements:
  - requests
'''

    # Attributes of every module that changes the portal (with DOCUMENTATION).
    ACTIONS = r'''
attributes:
  check_mode:
    support: full
    description: Predicts the change and the resulting object; no POST, PUT or DELETE is sent.
  diff_mode:
    support: full
    description: Returns C(before) and C(after) of the whole managed object, secrets masked.
'''

    # Attributes of every read-only (_info) module (with DOCUMENTATION).
    INFO = r'''
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return the data it would return in normal mode.
    details: This module only reads; it behaves the same in check mode.
  diff_mode:
    support: N/A
    description: Would return details on what has changed, in diff mode.
    details: This module never changes anything.
'''

    # Connection options of the controller-side plugins (inventory, lookups), with the same names and environment
    # variables as the modules' connection options; plugins read the variables through env.
    PLUGINS = r'''
options:
  api_url:
    description:
      - Base URL of the Cloutility API, with or without the trailing C(/v1),
        for example V(https://portal-api.backup.sto2.safedc.net/v1).
      - "A scheme (C(http://) or C(https://)) and a host, nothing more: a URL with a user or password in it
        (C(https://user:password@host)), a query or a fragment is refused before any request. Put the user in
        O(username) and the password in O(password)."
    type: str
    required: true
    env:
      - name: CLOUTILITY_API_URL
  client_id:
    description:
      - Client ID generated in the Cloutility portal under Settings, API access.
    type: str
    required: true
    env:
      - name: CLOUTILITY_CLIENT_ID
  origin:
    description:
      - The origin URL registered with the client ID, sent as the C(Origin) header on every call.
    type: str
    required: true
    env:
      - name: CLOUTILITY_ORIGIN
  username:
    description:
      - Cloutility user name.
    type: str
    required: true
    env:
      - name: CLOUTILITY_USERNAME
  password:
    description:
      - Password of O(username). Keep it in an environment variable or a vaulted variable, not in a plain file.
    type: str
    required: true
    env:
      - name: CLOUTILITY_PASSWORD
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Turn it off only for a test portal.
    type: bool
    default: true
    env:
      - name: CLOUTILITY_VALIDATE_CERTS
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
    env:
      - name: CLOUTILITY_TIMEOUT
  token_cache:
    description:
      - Reuse a cached short-lived access token (shared with the modules), so consecutive runs log in once
        while the token is valid. Only the access token and its expiry are stored, never the password.
    type: bool
    default: true
    env:
      - name: CLOUTILITY_TOKEN_CACHE
  retries:
    description:
      - How many times one request is sent again after a transient fault (HTTP 429, 502, 503, 504, no answer).
    type: int
    default: 5
    env:
      - name: CLOUTILITY_RETRIES
  retry_max_time:
    description:
      - The most seconds spent waiting between the attempts of one request.
    type: float
    default: 60
    env:
      - name: CLOUTILITY_RETRY_MAX_TIME
  lock_dir:
    description:
      - A lock folder several controllers share, for the object and first-login locks (the modules' O(lock_dir));
        default the user's private C(cloutility-ansible/locks). A symlink or a folder every user can write to without
        the sticky bit is refused. Access tokens are never written there. A lock file there of another user is waited
        on for at most 5 seconds, then the plugin takes its own private lock and warns.
    type: path
    version_added: 2.0.0
    env:
      - name: CLOUTILITY_LOCK_DIR
  lock_timeout:
    description:
      - The most seconds one holder may keep a lock this plugin waits for (the modules' O(lock_timeout)).
    type: float
    version_added: 2.0.0
    default: 120
    env:
      - name: CLOUTILITY_LOCK_TIMEOUT
  race_margin:
    description:
      - Seconds within which the portal shows a new consumption unit in its lists (the modules' O(race_margin)).
    type: float
    version_added: 2.0.0
    default: 2
    env:
      - name: CLOUTILITY_RACE_MARGIN
requirements:
  - requests
'''
