"""kube-apiserver: create, get, list and update as a real cluster answers them.

Identity assigned on create, generateName, initial namespaces, generation rules, spec and status
kept apart between the main resource and the status subresource, list selectors and pagination.
"""

from __future__ import annotations

import re

import msgspec

from k8s_actors.messages import Create, Get, ListRequest, Update

from .conftest import APPS, Api, deployment, pod, serve

replace = msgspec.structs.replace


def test_create_assigns_identity_and_generation_one() -> None:
    """A created Deployment gets a uid, a creationTimestamp, a resourceVersion and generation 1."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        meta = created.metadata
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", meta.uid
        )
        assert meta.creation_timestamp == "2025-01-01T00:00:00Z"
        assert int(meta.resource_version) > 0
        assert meta.generation == 1
        assert meta.namespace == "default"
        fetched = await api.ok(Get(**APPS, name="web"))
        assert fetched == created

    serve(body)


def test_create_answers_201() -> None:
    """POST answers 201 Created, GET 200."""

    async def body(api: Api) -> None:
        assert (await api.call(Create(**APPS, body=deployment("web")))).code == 201
        assert (await api.call(Get(**APPS, name="web"))).code == 200

    serve(body)


def test_pods_have_no_generation_and_start_pending() -> None:
    """A pod has generation 0 (untracked by its strategy) and status Pending with a QoS class."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(resource="pods", namespace="default", body=pod("p")))
        assert created.metadata.generation == 0
        assert created.status.phase == "Pending"
        assert created.status.qos_class == "BestEffort"

    serve(body)


def test_generate_name_appends_five_safe_characters() -> None:
    """generateName gives the prefix plus 5 characters of [bcdfghjklmnpqrstvwxz2456789]."""

    async def body(api: Api) -> None:
        template = pod("")
        template = replace(template, metadata=replace(template.metadata, generate_name="web-"))
        names = set()
        for _ in range(5):
            created = await api.ok(Create(resource="pods", namespace="default", body=template))
            names.add(created.metadata.name)
            assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", created.metadata.name)
        assert len(names) == 5

    serve(body)


def test_resource_versions_grow_with_each_write() -> None:
    """Every write gets a larger resourceVersion than the one before."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(resource="pods", namespace="default", body=pod("a")))
        second = await api.ok(Create(resource="pods", namespace="default", body=pod("b")))
        assert int(second.metadata.resource_version) > int(first.metadata.resource_version)

    serve(body)


def test_initial_namespaces_exist() -> None:
    """default, kube-system, kube-public and kube-node-lease exist at start, Active."""

    async def body(api: Api) -> None:
        listed = await api.ok(ListRequest(resource="namespaces"))
        assert [n.metadata.name for n in listed.items] == [
            "default",
            "kube-node-lease",
            "kube-public",
            "kube-system",
        ]
        assert {n.status.phase for n in listed.items} == {"Active"}
        default = await api.ok(Get(resource="namespaces", name="default"))
        assert default.metadata.labels == {"kubernetes.io/metadata.name": "default"}
        assert default.spec.finalizers == ("kubernetes",)

    serve(body)


def test_generation_bumps_on_spec_change_only() -> None:
    """Changing the spec bumps generation; labels or status alone do not."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        labelled = replace(created, metadata=replace(created.metadata, labels={"tier": "web"}))
        labelled = await api.ok(Update(**APPS, name="web", body=labelled))
        assert labelled.metadata.generation == 1
        assert labelled.metadata.labels == {"tier": "web"}
        scaled = replace(labelled, spec=replace(labelled.spec, replicas=5))
        scaled = await api.ok(Update(**APPS, name="web", body=scaled))
        assert scaled.metadata.generation == 2
        status = replace(scaled, status=replace(scaled.status, observed_generation=2, replicas=5))
        written = await api.ok(Update(**APPS, name="web", body=status, subresource="status"))
        assert written.metadata.generation == 2
        assert written.status.replicas == 5

    serve(body)


def test_status_subresource_ignores_spec_changes() -> None:
    """An update of deployments/status keeps the stored spec and labels."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        sneaky = replace(
            created,
            metadata=replace(created.metadata, labels={"x": "y"}),
            spec=replace(created.spec, replicas=9),
            status=replace(created.status, replicas=3),
        )
        written = await api.ok(Update(**APPS, name="web", body=sneaky, subresource="status"))
        assert written.spec.replicas == 3
        assert written.metadata.labels == {}
        assert written.status.replicas == 3

    serve(body)


def test_main_update_ignores_status_changes() -> None:
    """An update of the main resource keeps the stored status."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        sneaky = replace(
            created,
            spec=replace(created.spec, replicas=4),
            status=replace(created.status, replicas=7),
        )
        written = await api.ok(Update(**APPS, name="web", body=sneaky))
        assert written.spec.replicas == 4
        assert written.status.replicas == 0

    serve(body)


def test_update_keeps_immutable_metadata() -> None:
    """uid and creationTimestamp come from the stored object, whatever the body says."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        forged = replace(
            created,
            metadata=replace(
                created.metadata, uid="forged", creation_timestamp="2000-01-01T00:00:00Z"
            ),
        )
        written = await api.ok(Update(**APPS, name="web", body=forged))
        assert written.metadata.uid == created.metadata.uid
        assert written.metadata.creation_timestamp == created.metadata.creation_timestamp

    serve(body)


def test_update_without_change_writes_nothing() -> None:
    """An update that changes nothing keeps the resourceVersion (no write, no event)."""

    async def body(api: Api) -> None:
        created = await api.ok(Create(**APPS, body=deployment("web")))
        revision = api.store.revision
        same = await api.ok(Update(**APPS, name="web", body=created))
        assert same.metadata.resource_version == created.metadata.resource_version
        assert api.store.revision == revision

    serve(body)


def test_list_filters_by_label_selector() -> None:
    """A label selector keeps the matching pods only, sorted by name."""

    async def body(api: Api) -> None:
        for name, app in (("c", "web"), ("a", "web"), ("b", "db")):
            await api.ok(
                Create(resource="pods", namespace="default", body=pod(name, labels={"app": app}))
            )
        listed = await api.ok(
            ListRequest(resource="pods", namespace="default", label_selector="app=web")
        )
        assert [p.metadata.name for p in listed.items] == ["a", "c"]
        assert listed.kind == "PodList"
        assert listed.api_version == "v1"
        notin = await api.ok(
            ListRequest(resource="pods", namespace="default", label_selector="app notin (web)")
        )
        assert [p.metadata.name for p in notin.items] == ["b"]

    serve(body)


def test_list_filters_by_node_name_and_phase() -> None:
    """Field selectors spec.nodeName and status.phase select pods as the kubelet's list does."""

    async def body(api: Api) -> None:
        await api.ok(Create(resource="pods", namespace="default", body=pod("a", node="n1")))
        await api.ok(Create(resource="pods", namespace="default", body=pod("b", node="n2")))
        await api.ok(Create(resource="pods", namespace="default", body=pod("c")))
        on_n1 = await api.ok(ListRequest(resource="pods", field_selector="spec.nodeName=n1"))
        assert [p.metadata.name for p in on_n1.items] == ["a"]
        unbound = await api.ok(ListRequest(resource="pods", field_selector="spec.nodeName="))
        assert [p.metadata.name for p in unbound.items] == ["c"]
        pending = await api.ok(
            ListRequest(resource="pods", field_selector="status.phase=Pending,spec.nodeName!=n2")
        )
        assert [p.metadata.name for p in pending.items] == ["a", "c"]

    serve(body)


def test_list_across_namespaces() -> None:
    """A list without a namespace returns every namespace's pods."""

    async def body(api: Api) -> None:
        await api.ok(Create(resource="pods", namespace="default", body=pod("a")))
        await api.ok(Create(resource="pods", namespace="kube-system", body=pod("a")))
        everywhere = await api.ok(ListRequest(resource="pods"))
        assert [p.metadata.namespace for p in everywhere.items] == ["default", "kube-system"]
        system = await api.ok(ListRequest(resource="pods", namespace="kube-system"))
        assert len(system.items) == 1

    serve(body)


def test_list_resource_version_is_the_store_revision() -> None:
    """A list's metadata.resourceVersion is the latest revision, even if no item has it."""

    async def body(api: Api) -> None:
        await api.ok(Create(resource="pods", namespace="default", body=pod("a")))
        await api.ok(Create(resource="pods", namespace="kube-system", body=pod("b")))
        listed = await api.ok(ListRequest(resource="pods", namespace="default"))
        assert listed.metadata.resource_version == str(api.store.revision)
        assert listed.items[0].metadata.resource_version != listed.metadata.resource_version

    serve(body)


def test_list_with_resource_version_zero_and_exact() -> None:
    """resourceVersion "0" answers from the cache; an exact past version answers too."""

    async def body(api: Api) -> None:
        first = await api.ok(Create(resource="pods", namespace="default", body=pod("a")))
        any_age = await api.ok(ListRequest(resource="pods", resource_version="0"))
        assert [p.metadata.name for p in any_age.items] == ["a"]
        exact = await api.ok(
            ListRequest(resource="pods", resource_version=first.metadata.resource_version)
        )
        assert int(exact.metadata.resource_version) >= int(first.metadata.resource_version)

    serve(body)


def test_list_pages_with_limit_and_continue() -> None:
    """limit cuts the list; continue resumes it; remainingItemCount counts what is left."""

    async def body(api: Api) -> None:
        for i in range(5):
            await api.ok(Create(resource="pods", namespace="default", body=pod(f"p{i}")))
        first = await api.ok(ListRequest(resource="pods", namespace="default", limit=2))
        assert [p.metadata.name for p in first.items] == ["p0", "p1"]
        assert first.metadata.remaining_item_count == 3
        names = [p.metadata.name for p in first.items]
        token = first.metadata.continue_
        while token:
            page = await api.ok(
                ListRequest(resource="pods", namespace="default", limit=2, continue_token=token)
            )
            names += [p.metadata.name for p in page.items]
            token = page.metadata.continue_
        assert names == [f"p{i}" for i in range(5)]

    serve(body)


def test_cluster_scoped_objects_have_no_namespace() -> None:
    """A namespace created with a metadata.namespace set is stored without one."""

    async def body(api: Api) -> None:
        from k8s_actors.api.objects.cluster import Namespace

        created = await api.ok(
            Create(
                resource="namespaces",
                body=Namespace(
                    metadata=msgspec.structs.replace(
                        Namespace().metadata, name="team", namespace="x"
                    )
                ),
            )
        )
        assert created.metadata.namespace == ""
        assert created.status.phase == "Active"

    serve(body)
