"""Tests of the components: etcd and kube-apiserver actors on the bus, in virtual time."""
