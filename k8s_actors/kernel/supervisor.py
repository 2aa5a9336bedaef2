"""The supervisor: starts actors in one task group, restarts crashed ones, injects crashes.

Role: actor lifecycle. Each actor runs in its own cancel scope inside the supervisor's task group
and is started with `task_status`, so `start` returns only once the actor is registered on the bus.
An actor whose code raises is logged and, by its restart policy, started again from its factory
after a back-off (like a static pod under the kubelet). A crash injected by a fault kills the actor
at once: its mailbox and in-memory state are lost, and `restart` builds a fresh instance that
starts from nothing. Neighbours: `actor`, `bus`, `clock`; the scenario layer calls `crash`,
`restart`, `pause`, `resume`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from anyio.abc import TaskGroup, TaskStatus

from k8s_actors.kernel.actor import Actor, ActorContext, Logger, NullLogger
from k8s_actors.kernel.bus import Bus
from k8s_actors.kernel.clock import Clock
from k8s_actors.kernel.ids import IdSource
from k8s_actors.kernel.mailbox import Mailbox

RestartPolicy = Literal["always", "never"]


@dataclass
class ActorSpec:
    """How to build an actor, and what to do when its code fails."""

    name: str
    factory: Callable[[], Actor]
    restart: RestartPolicy = "always"
    groups: tuple[str, ...] = ()
    restart_delay: float = 1.0
    max_restart_delay: float = 300.0


@dataclass
class _Running:
    spec: ActorSpec
    scope: anyio.CancelScope
    actor: Actor
    failures: int = 0
    crashed_by_fault: bool = False
    done: anyio.Event = field(default_factory=anyio.Event)


class Supervisor:
    """Owns the task group of every actor of a run."""

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        ids: IdSource,
        rng: random.Random,
        logger_for: Callable[[str], Logger] | None = None,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.ids = ids
        self.rng = rng
        self._logger_for = logger_for or (lambda name: NullLogger())
        self._log = self._logger_for("supervisor")
        self._specs: dict[str, ActorSpec] = {}
        self._running: dict[str, _Running] = {}
        self._backing_off: dict[str, anyio.CancelScope] = {}
        # One restart of an actor at a time: two overlapping crash faults may end together.
        self._restarting: dict[str, anyio.Event] = {}
        self._group: TaskGroup | None = None

    async def __aenter__(self) -> Supervisor:
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        assert self._group is not None
        self._group.cancel_scope.cancel()
        return await self._group.__aexit__(*exc)

    def actor(self, name: str) -> Actor | None:
        running = self._running.get(name)
        return running.actor if running else None

    def names(self) -> list[str]:
        return sorted(self._running)

    async def start(self, spec: ActorSpec) -> Actor:
        """Start an actor and return once it is registered and its `started` hook has begun."""
        if self._group is None:
            raise RuntimeError("supervisor is not running")
        self._specs[spec.name] = spec
        for group in spec.groups:
            members = self.bus.groups.setdefault(group, [])
            if spec.name not in members:
                members.append(spec.name)
        actor: Actor = await self._group.start(self._supervise, spec)
        return actor

    async def _supervise(self, spec: ActorSpec, *, task_status: TaskStatus[Actor]) -> None:
        delay = spec.restart_delay
        first = True
        while True:
            failed = await self._run_once(spec, task_status if first else None)
            first = False
            if not failed or spec.restart == "never":
                return
            self._log.warning("actor_restart_scheduled", target=spec.name, delay=delay)
            # A crash, stop or restart during the back-off cancels this pending restart.
            with anyio.CancelScope() as backoff:
                self._backing_off[spec.name] = backoff
                await self.clock.sleep(delay)
            if self._backing_off.get(spec.name) is backoff:
                del self._backing_off[spec.name]
            if backoff.cancel_called:
                return
            delay = min(delay * 2, spec.max_restart_delay)

    async def _run_once(self, spec: ActorSpec, task_status: TaskStatus[Actor] | None) -> bool:
        """Run one incarnation; True when its code raised (so it should be restarted)."""
        actor = spec.factory()
        mailbox = Mailbox()
        self.bus.register(spec.name, mailbox)
        running = _Running(spec=spec, scope=anyio.CancelScope(), actor=actor)
        self._running[spec.name] = running
        self._log.info("actor_started", target=spec.name)
        failed = False
        try:
            with running.scope:
                async with anyio.create_task_group() as tasks:
                    ctx = ActorContext(
                        name=spec.name,
                        bus=self.bus,
                        clock=self.clock,
                        ids=self.ids,
                        rng=self.rng,
                        log=self._logger_for(spec.name),
                        mailbox=mailbox,
                        tasks=tasks,
                    )
                    if task_status is not None:
                        task_status.started(actor)
                    try:
                        await actor.run(ctx)
                    finally:
                        ctx.cancel_spawned()
                if ctx.failure is not None:
                    raise ctx.failure  # spawned work raised: the actor fails with its error
        except Exception as error:  # an actor's own bug: log it and let the policy decide
            failed = True
            self._log.error("actor_crashed", target=spec.name, error=repr(error))
        finally:
            self.bus.unregister(spec.name)
            mailbox.clear()
            if self._running.get(spec.name) is running:
                del self._running[spec.name]
            running.done.set()
        return failed

    async def crash(self, name: str) -> None:
        """Kill an actor now, as a fault: state and queued messages are lost, no restart."""
        self._cancel_backoff(name)
        running = self._running.get(name)
        if running is None:
            return
        self._log.info("actor_crash_injected", target=name)
        running.crashed_by_fault = True
        running.scope.cancel()
        await running.done.wait()

    async def stop(self, name: str) -> None:
        """Stop an actor for good (same effect as a crash, logged as a stop)."""
        self._cancel_backoff(name)
        running = self._running.get(name)
        if running is None:
            return
        self._log.info("actor_stopped", target=name)
        running.scope.cancel()
        await running.done.wait()

    async def restart(self, name: str) -> Actor:
        """Start a fresh instance of a crashed or stopped actor from its factory; a restart
        asked for while another is under way waits for it, then replaces what it started."""
        # An event, not a lock: an uncontended restart must not yield to the loop (that would
        # reorder what happens at its instant).
        while (under_way := self._restarting.get(name)) is not None:
            await under_way.wait()
        done = self._restarting[name] = anyio.Event()
        try:
            if name in self._running or name in self._backing_off:
                await self.crash(name)
            return await self.start(self._specs[name])
        finally:
            del self._restarting[name]
            done.set()

    def _cancel_backoff(self, name: str) -> None:
        backoff = self._backing_off.pop(name, None)
        if backoff is not None:
            backoff.cancel()

    def pause(self, name: str) -> None:
        self._log.info("actor_paused", target=name)
        self.bus.pause(name)

    def resume(self, name: str) -> None:
        self._log.info("actor_resumed", target=name)
        self.bus.resume(name)
