"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package.

Role: lets one replica of a component (kube-controller-manager, kube-scheduler) act while the
others wait. Candidates race to write their identity into one Lease; the holder renews it every
`retry_period`; a candidate takes over only when the holder has not changed the Lease for
`lease_duration` as measured on the candidate's own clock from the moment it first saw that
version (client-go's observedTime, so no clock needs to agree with another). A leader that cannot
renew within `renew_deadline` gives up before anyone else may take over, which keeps two leaders
from acting at once. Follows k8s.io/client-go/tools/leaderelection/leaderelection.go (acquire,
renew, tryAcquireOrRenew, maybeReportTransition). Neighbours: `client` (get, create, update the
Lease), the components that run leader-elected.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import msgspec

from k8s_actors.api.meta import ObjectMeta
from k8s_actors.api.objects.cluster import Lease, LeaseSpec
from k8s_actors.client.client import ApiClient
from k8s_actors.client.errors import ApiError, NotFound

__all__ = ["JITTER_FACTOR", "LeaderElector"]

JITTER_FACTOR = 1.2
"""client-go's JitterFactor: a candidate waits retry_period * (1 + up to 1.2) between attempts."""


class LeaderElector:
    """Runs the election for one identity; `run` returns when leadership is lost."""

    def __init__(
        self,
        api: ApiClient,
        *,
        namespace: str = "kube-system",
        name: str,
        identity: str,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        on_started_leading: Callable[[], Coroutine[Any, Any, None]],
        on_stopped_leading: Callable[[], None],
        on_new_leader: Callable[[str], None] | None = None,
    ) -> None:
        # The same checks as NewLeaderElector: each period must leave room for the next.
        if lease_duration <= renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError("renew_deadline must be greater than retry_period*JitterFactor")
        self.api = api
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.observed: Lease | None = None
        self.observed_time = 0.0
        self._reported_leader = ""

    @property
    def leader(self) -> str:
        """The last holder this elector observed ("" when none)."""
        if self.observed is None:
            return ""
        return self.observed.spec.holder_identity or ""

    @property
    def is_leader(self) -> bool:
        return self.leader == self.identity

    async def run(self) -> None:
        """Acquire, lead (running on_started_leading) while renewing; on_stopped_leading always."""
        try:
            await self._acquire()
            async with anyio.create_task_group() as leading:
                leading.start_soon(self.on_started_leading)
                await self._renew()
                leading.cancel_scope.cancel()
        finally:
            self.on_stopped_leading()

    # -- the two loops ---------------------------------------------------------------------------

    async def _acquire(self) -> None:
        clock = self.api.ctx.clock
        rng = self.api.ctx.rng
        while True:
            acquired = await self._try_acquire_or_renew()
            self._maybe_report_transition()
            if acquired:
                self.api.ctx.log.info(
                    "leader_elected",
                    namespace=self.namespace,
                    lease=self.name,
                    identity=self.identity,
                )
                return
            await clock.sleep(self.retry_period * (1.0 + rng.random() * JITTER_FACTOR))

    async def _renew(self) -> None:
        clock = self.api.ctx.clock
        while True:
            renewed = False
            with self.api.move_on_after(self.renew_deadline):
                while not (renewed := await self._try_acquire_or_renew()):
                    await clock.sleep(self.retry_period)
            self._maybe_report_transition()
            if not renewed:
                self.api.ctx.log.warning(
                    "leader_lost", namespace=self.namespace, lease=self.name, identity=self.identity
                )
                return
            self.api.ctx.log.debug(
                "lease_renewed", namespace=self.namespace, lease=self.name, identity=self.identity
            )
            await clock.sleep(self.retry_period)

    # -- one attempt -----------------------------------------------------------------------------

    async def _try_acquire_or_renew(self) -> bool:
        clock = self.api.ctx.clock
        now = clock.now()
        stamp = clock.micro_timestamp()
        desired = LeaseSpec(
            holder_identity=self.identity,
            lease_duration_seconds=int(self.lease_duration),
            acquire_time=stamp,
            renew_time=stamp,
            lease_transitions=0,
        )
        # 1. Fast path: the leader renews on top of the version it wrote last.
        if self.observed is not None and self.is_leader and self._lease_valid(now):
            spec = msgspec.structs.replace(
                desired,
                acquire_time=self.observed.spec.acquire_time,
                lease_transitions=self.observed.spec.lease_transitions,
            )
            if await self._write(msgspec.structs.replace(self.observed, spec=spec)):
                return True
        # 2. Read the lease, or create it when there is none.
        try:
            current = await self.api.get(Lease, self.namespace, self.name)
        except NotFound:
            lease = Lease(
                metadata=ObjectMeta(name=self.name, namespace=self.namespace), spec=desired
            )
            return await self._write(lease, create=True)
        except ApiError:
            return False
        # 3. A changed record restarts the expiry countdown on our own clock.
        if self.observed is None or current.spec != self.observed.spec:
            self._observe(current)
        else:
            self.observed = current
        held_by = current.spec.holder_identity or ""
        if held_by and self._lease_valid(now) and not self.is_leader:
            return False
        # 4. Renew our own term, or take over an expired one.
        transitions = current.spec.lease_transitions or 0
        if self.is_leader:
            spec = msgspec.structs.replace(
                desired, acquire_time=current.spec.acquire_time, lease_transitions=transitions
            )
        else:
            spec = msgspec.structs.replace(desired, lease_transitions=transitions + 1)
        return await self._write(msgspec.structs.replace(current, spec=spec))

    async def _write(self, lease: Lease, *, create: bool = False) -> bool:
        """Create or update (conditional on its resourceVersion); True when it was stored."""
        try:
            stored = await (self.api.create(lease) if create else self.api.update(lease))
        except ApiError:
            return False
        self._observe(stored)
        return True

    def _observe(self, lease: Lease) -> None:
        self.observed = lease
        self.observed_time = self.api.ctx.clock.now()

    def _lease_valid(self, now: float) -> bool:
        assert self.observed is not None
        duration = self.observed.spec.lease_duration_seconds or 0
        return self.observed_time + duration > now

    def _maybe_report_transition(self) -> None:
        leader = self.leader
        if leader == self._reported_leader:
            return
        self._reported_leader = leader
        if self.on_new_leader is not None:
            self.on_new_leader(leader)
