"""The kube-apiserver component: the Kubernetes API over the bus, in front of etcd."""

from k8s_actors.components.apiserver.server import APISERVER_ADDRESS, ApiServer

__all__ = ["APISERVER_ADDRESS", "ApiServer"]
