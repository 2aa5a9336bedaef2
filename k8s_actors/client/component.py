"""The base of every Kubernetes component actor: an actor with an API client.

Role: controllers, the scheduler, kubelets and kubectl all talk to the API server and receive
watch events. `ComponentActor` creates `self.api` before `started` runs, then drains its mailbox
in batches: watch events go to the client's router (and on to the informers' streams), every other
message to `receive`. Neighbours: `k8s_actors.kernel.actor` (the base), `client` (the API client),
`informer` (consumes the routed events); the components of layer 3 derive from it.
"""

from __future__ import annotations

from k8s_actors.client.client import APISERVER, ApiClient
from k8s_actors.kernel import Actor, ActorContext
from k8s_actors.messages import UserInfo

__all__ = ["ComponentActor"]


class ComponentActor(Actor):
    """An actor that owns an `ApiClient` (`self.api`) and routes its watch events."""

    def __init__(
        self,
        name: str,
        *,
        server: str = APISERVER,
        user: UserInfo | None = None,
        user_agent: str = "",
    ) -> None:
        super().__init__(name)
        self._server = server
        self._user = user
        self._user_agent = user_agent or name
        self._api: ApiClient | None = None

    @property
    def api(self) -> ApiClient:
        if self._api is None:
            raise RuntimeError(f"actor {self.name} is not running")
        return self._api

    async def run(self, ctx: ActorContext) -> None:
        """Create the client, start, then route each batch of the mailbox, forever."""
        self._ctx = ctx
        api = ApiClient(ctx, server=self._server, user=self._user, user_agent=self._user_agent)
        self._api = api
        await self.started()
        mailbox = ctx.mailbox
        dispatch = api.dispatch
        receive = self.receive
        while True:
            for envelope in await mailbox.take():
                if not dispatch(envelope):
                    receive(envelope)
