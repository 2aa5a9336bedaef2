"""The etcd component: one etcd member as an actor, serving the MVCC store to kube-apiserver."""

from k8s_actors.components.etcd.server import ETCD_ADDRESS, Etcd

__all__ = ["ETCD_ADDRESS", "Etcd"]
