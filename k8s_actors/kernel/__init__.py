"""The actor runtime (layer 0): clock, bus, mailboxes, actors and their supervisor.

It knows nothing of Kubernetes. A run owns one `Clock`, one `Bus` with one seeded generator, one
`IdSource` and one `Supervisor`; actors talk only through the bus.
"""

from k8s_actors.kernel.actor import Actor, ActorContext, Logger, NullLogger
from k8s_actors.kernel.bus import Bus, KernelError, Outcome, RequestTimeout, Tap, Unreachable
from k8s_actors.kernel.clock import (
    VIRTUAL_EPOCH,
    Cancellable,
    Clock,
    SimulationStalled,
    VirtualEventLoop,
)
from k8s_actors.kernel.envelope import Envelope, TraceContext
from k8s_actors.kernel.faults import (
    AddressSet,
    FaultRule,
    Latency,
    MessageLoss,
    Partition,
    Verdict,
)
from k8s_actors.kernel.ids import IdSource
from k8s_actors.kernel.mailbox import Mailbox
from k8s_actors.kernel.runtime import ClockMode, run
from k8s_actors.kernel.supervisor import ActorSpec, RestartPolicy, Supervisor

__all__ = [
    "VIRTUAL_EPOCH",
    "Actor",
    "ActorContext",
    "ActorSpec",
    "AddressSet",
    "Bus",
    "Cancellable",
    "Clock",
    "ClockMode",
    "Envelope",
    "FaultRule",
    "IdSource",
    "KernelError",
    "Latency",
    "Logger",
    "Mailbox",
    "MessageLoss",
    "NullLogger",
    "Outcome",
    "Partition",
    "RequestTimeout",
    "RestartPolicy",
    "SimulationStalled",
    "Supervisor",
    "Tap",
    "TraceContext",
    "Unreachable",
    "Verdict",
    "VirtualEventLoop",
    "run",
]
