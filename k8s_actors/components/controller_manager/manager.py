"""The kube-controller-manager actor: hosts the controllers while it holds the leader Lease.

Role: one actor per instance (a scenario may start two). Each instance competes for the Lease
`kube-system/kube-controller-manager` (15 s duration, 10 s renew deadline, 2 s retry); the leader
builds fresh shared informers, starts every enabled controller with its workers, and runs them
until it loses the lease. Like the real binary, which exits on a lost lease (klog.Fatalf
"leaderelection lost"), a leader that loses its lease raises and is restarted by the supervisor
with empty caches. Neighbours: `base` (Controller), `events`, `k8s_actors.client` (leader
election, informers), the controller modules (one per controller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from k8s_actors.client import ComponentActor, LeaderElector, SharedInformerFactory
from k8s_actors.client.events import EventRecorder
from k8s_actors.components.controller_manager.base import Controller, ControllerContext
from k8s_actors.messages import UserInfo

CONTROLLER_MANAGER_ADDRESS = "kube-controller-manager"
LEASE_NAME = "kube-controller-manager"
ControllerFactory = Callable[[ControllerContext], Controller]


class LeadershipLost(RuntimeError):
    """The instance stopped being the leader: it exits, and is restarted fresh."""


class ControllerManager(ComponentActor):
    def __init__(
        self,
        name: str = CONTROLLER_MANAGER_ADDRESS,
        *,
        controllers: Sequence[tuple[str, ControllerFactory]] = (),
        settings: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            name,
            user=UserInfo(
                username="system:kube-controller-manager", groups=("system:authenticated",)
            ),
            user_agent="kube-controller-manager",
        )
        self.controller_factories = list(controllers)
        self.settings = dict(settings or {})
        self.controllers: dict[str, Controller] = {}
        self.elector: LeaderElector | None = None

    async def started(self) -> None:
        identity = f"{self.name}_{self.ctx.ids.uid()}"
        self.elector = LeaderElector(
            self.api,
            namespace="kube-system",
            name=LEASE_NAME,
            identity=identity,
            on_started_leading=self._lead,
            on_stopped_leading=self._lost,
        )
        self.ctx.tasks.start_soon(self._elect)

    async def _elect(self) -> None:
        assert self.elector is not None
        # run() returns only when leadership is lost; a shutdown cancels it instead.
        await self.elector.run()
        if self.controllers:
            raise LeadershipLost(f"{self.name}: leaderelection lost")

    async def _lead(self) -> None:
        ctx = self.ctx
        informers = SharedInformerFactory(self.api)
        for name, factory in self.controller_factories:
            recorder = EventRecorder(self.api, name, ctx.log)
            controller = factory(
                ControllerContext(
                    actor=ctx,
                    api=self.api,
                    informers=informers,
                    recorder=recorder,
                    log=ctx.log,
                    settings=self.settings,
                )
            )
            controller.setup()
            self.controllers[name] = controller
        informers.start()
        await informers.wait_for_cache_sync()
        ctx.log.info("controllers_started", controllers=list(self.controllers))
        for controller in self.controllers.values():
            for _ in range(controller.workers):
                ctx.tasks.start_soon(controller.run_worker)
            ctx.tasks.start_soon(controller.run_background)

    def _lost(self) -> None:
        """Leadership ended (or the instance is shutting down): `_elect` decides which."""
