# -*- coding: utf-8 -*-
# Copyright (c) 2026, Cloutility Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of one backup node: cloutility.cloutility.cloutility_node's own options, documented in full here.
    # The same options make an entry of cloutility_node_fleet's nodes (FLEET below). A new node option goes in both.
    DOCUMENTATION = r'''
options:
  bunit:
    description:
      - The business unit of the consumption unit, as a path of names from the top of the tree the account
        can see (V(Acme Hosting/Customers/Contoso)) or as a numeric id. The path may leave out the top unit's name.
      - Defaults to the user's home business unit, the top of that tree.
    type: str
  consumer:
    description:
      - Name of the consumption unit the node belongs to. It is created when missing (with O(state=present)).
      - One of O(consumer) and O(consumer_id) is required.
    type: str
  consumer_id:
    description:
      - Id of the consumption unit, to choose one when several units share O(consumer). The unit must exist.
    type: int
  operating_system:
    description:
      - Operating system of the node, by name (V(Linux)) or id, from the portal's node operating systems.
      - Required when the node is created.
    type: str
  node_type:
    description:
      - Node type, by name (V(File Server)) or id. It must be supported by the operating system.
      - Required when the node is created.
    type: str
  domain:
    description:
      - Policy domain, by name (V(STANDARD)) or id, from the domains of the business unit's default server.
      - Required when the node is created.
    type: str
  client_option_set:
    description:
      - Client option set, by name (V(DEDUP_AND_COMPRESS)) or id, from the business unit's default server.
    type: str
  server:
    description:
      - Backup server, by name or id. Only the business unit's default server is offered by the API.
      - When a node is created without it, the business unit's default server is used. On an existing node it
        is compared only when set.
    type: str
  contact:
    description:
      - Contact information stored with the node. An empty string clears it.
    type: str
  cpu_count:
    description:
      - Number of CPUs of the protected machine (used for licensing).
      - A new node is created with V(1) when this is not set (as the portal's own clients do); an existing node's count
        is compared and changed only when this is set.
    type: int
  locked:
    description:
      - Lock (V(true)) or unlock (V(false)) the node; a locked node cannot back up. Left out, the node's lock is left as it is
        (and carried back unchanged in every update, since the portal's PUT replaces the whole node).
      - Compared with the node's C(locked) and changed only when it differs, in check mode too (nothing is sent then).
      - No lock or unlock endpoint is published; the published model lists C(locked) on the node, and it is sent in the node's
        C(PUT). A portal that refuses it there (HTTP 400 naming the field) fails the task with a message saying that the portal
        would not take C(locked); lock or unlock such a node in the portal.
      - For a node the backup server locked after too many wrong passwords, set a new O(node_password) with
        O(update_password=always) and O(locked=false) in one task. The password is set first, then the node is unlocked,
        so a password the server refuses leaves the node locked.
      - A node with a deletion request waiting for approval stays locked; the portal refuses to unlock it.
    type: bool
    version_added: 2.0.0
  activate:
    description:
      - Activate (register) the node on the backup server when it is not activated yet, with O(tsm_name)
        or, when O(tsm_name) is left out, the name the server suggests.
      - An activated node is left alone when its name matches O(tsm_name) (case-insensitively) or O(tsm_name)
        is not set. A node cannot be renamed, so a different O(tsm_name) fails.
      - Activation is never sent in check mode.
    type: bool
    default: false
  tsm_name:
    description:
      - Node name on the backup server, used by the backup client. At most 64 characters from A-Z, 0-9,
        V(_), V(.), V(-), V(+) and V(&), no spaces; letters are case-insensitive (the server stores upper case).
      - Validated before any call. Needs O(activate=true). On an already activated node it must match the node's name
        (then nothing changes).
    type: str
  node_password:
    description:
      - Node password set through the portal (C(POST .../node/password)).
      - The backup client usually rotates it (C(PASSWORDACCESS GENERATE)), so the portal's copy is never compared
        and never causes a change. See O(update_password).
      - Not to be confused with O(password), the password of the API user, shared with every module of the collection.
      - When it is not set, the server generates a password at activation; see O(return_password).
    type: str
  update_password:
    description:
      - V(on_create) sets O(node_password) only when the task creates the node.
      - V(always) sets it on every run; the task then reports a change each time.
    type: str
    choices: [on_create, always]
    default: on_create
  return_password:
    description:
      - Return the node password (C(tsmPassword)) in RV(node) instead of a mask. The diff never shows it.
      - A task using it should set C(no_log=true).
      - It returns the password the portal holds after the task. When the server generated it at activation
        (no O(node_password)), this is the only way to learn it.
      - When that password equals O(node_password), Ansible replaces the returned value with
        C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER), as it does for any returned value equal to a C(no_log) option.
        You already have that password; use the value you passed as O(node_password).
    type: bool
    default: false
  state:
    description:
      - V(present) creates, updates and activates as asked.
      - V(absent) deletes the node and with it the consumption unit (a unit without a node is deleted too); the
        request asks for both (C(deleteAssociations=true)), and what the portal shows afterwards decides the result.
        The unit gone is a deletion; a node deleted and its unit left gets the unit deleted too; a deletion request the
        portal filed (an account that may only request deletion) gives RV(deletion_requested=true); anything still there
        without a request fails the task.
        O(activate), O(tsm_name) and O(node_password) are refused with V(absent).
        When the account may only file deletion requests, a request is filed, RV(deletion_requested) is true and
        the node stays (locked) until someone approves it; running the task again files nothing.
    type: str
    choices: [present, absent]
    default: present
  deletion_comment:
    description:
      - With O(state=absent), the comment recorded with the deletion or deletion request.
    type: str
'''

    # The option nodes of cloutility.cloutility.cloutility_node_fleet: an entry takes the options above (each listed
    # here with its type and default, described once above and linked) and two of its own.
    FLEET = r'''
options:
  nodes:
    description:
      - One entry per node. An entry takes the options of M(cloutility.cloutility.cloutility_node), which describes
        them in full (each is linked below), and two of its own, O(nodes[].host) and O(nodes[].server_fields).
      - Return values the linked options name, such as C(node) or C(deletion_requested), are keys of the entry's
        result in RV(hosts).
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description:
          - Name of this entry in RV(hosts), usually the inventory host. Defaults to O(nodes[].consumer)
            (or O(nodes[].consumer_id)). Must be unique.
        type: str
      server_fields:
        description:
          - Keys of the backup server object this entry's caller needs, such as V(name), V(tcpAddress) and V(tcpPort)
            (which keys the portal returns is not documented; those two are the simulator's guess).
          - When the server in the node's result lacks one of them, the result also has C(default_server), the
            business unit's default backup server, read once per business unit (shared with the reads of the node work).
          - The role C(cloutility.cloutility.onboard) asks for what its client option files need and its variables do not give.
        type: list
        elements: str
        default: []
      bunit:
        description: The business unit of the consumption unit; see O(cloutility.cloutility.cloutility_node#module:bunit).
        type: str
      consumer:
        description: Name of the consumption unit; see O(cloutility.cloutility.cloutility_node#module:consumer).
        type: str
      consumer_id:
        description: Id of the consumption unit; see O(cloutility.cloutility.cloutility_node#module:consumer_id).
        type: int
      operating_system:
        description: Operating system of the node, by name or id; see O(cloutility.cloutility.cloutility_node#module:operating_system).
        type: str
      node_type:
        description: Node type, by name or id; see O(cloutility.cloutility.cloutility_node#module:node_type).
        type: str
      domain:
        description: Policy domain, by name or id; see O(cloutility.cloutility.cloutility_node#module:domain).
        type: str
      client_option_set:
        description: Client option set, by name or id; see O(cloutility.cloutility.cloutility_node#module:client_option_set).
        type: str
      server:
        description: Backup server, by name or id; see O(cloutility.cloutility.cloutility_node#module:server).
        type: str
      contact:
        description: Contact information stored with the node; see O(cloutility.cloutility.cloutility_node#module:contact).
        type: str
      cpu_count:
        description: Number of CPUs of the protected machine; see O(cloutility.cloutility.cloutility_node#module:cpu_count).
        type: int
      locked:
        description: Lock or unlock the node; see O(cloutility.cloutility.cloutility_node#module:locked).
        type: bool
        version_added: 2.0.0
      activate:
        description: Activate the node on the backup server; see O(cloutility.cloutility.cloutility_node#module:activate).
        type: bool
        default: false
      tsm_name:
        description: Node name on the backup server; see O(cloutility.cloutility.cloutility_node#module:tsm_name).
        type: str
      node_password:
        description: Node password set through the portal; see O(cloutility.cloutility.cloutility_node#module:node_password).
        type: str
      update_password:
        description: When to set O(nodes[].node_password); see O(cloutility.cloutility.cloutility_node#module:update_password).
        type: str
        choices: [on_create, always]
        default: on_create
      return_password:
        description:
          - See O(cloutility.cloutility.cloutility_node#module:return_password); the password is in C(node) of the
            entry's result in RV(hosts).
        type: bool
        default: false
      state:
        description: Whether the node and its consumption unit exist; see O(cloutility.cloutility.cloutility_node#module:state).
        type: str
        choices: [present, absent]
        default: present
      deletion_comment:
        description: Comment recorded with a deletion; see O(cloutility.cloutility.cloutility_node#module:deletion_comment).
        type: str
'''
