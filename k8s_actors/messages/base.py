"""The base of every bus message: a frozen, tagged msgspec Struct.

Role: one documented base for the bus protocol (layer 1). Messages are immutable and shared; the
`tag` lets a receiver `match` on the class. Objects inside messages are the frozen structs of
`k8s_actors.api`, passed by reference and never copied.
"""

from __future__ import annotations

import msgspec


class Message(msgspec.Struct, frozen=True, tag=True, tag_field="message", kw_only=True, gc=False):
    """Base of all bus payloads."""
