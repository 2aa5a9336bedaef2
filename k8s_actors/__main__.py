"""`python -m k8s_actors` runs the command line."""

from k8s_actors.cli import entry

entry()
