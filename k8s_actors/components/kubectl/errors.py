"""kubectl's failures: a usage error found before anything is sent, or a failed command.

Role: `KubectlUsageError` is what the parser raises; its `str` is exactly what kubectl prints on
standard error (possibly several lines, without the final newline). `KubectlError` is raised by a
verb that fails after it started talking to the API server; `message` is printed as is, and
kubectl exits 1 for both. Neighbours: `flags` and `commands` (raise usage errors), the verb
modules (raise `KubectlError`), `actor` (turns both into a `KubectlResult`).
"""

from __future__ import annotations

__all__ = [
    "KubectlError",
    "KubectlUsageError",
    "flag_unknown",
    "get_needs_type",
    "must_provide",
    "usage",
]


class KubectlUsageError(ValueError):
    """The command line is wrong: kubectl prints `str(error)` and exits 1 without a request."""


class KubectlError(Exception):
    """The command failed: kubectl prints `message` on standard error and exits `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def usage(message: str, path: str) -> KubectlUsageError:
    """cmdutil.UsageErrorf: the message, then where to read the help of `kubectl <path>`."""
    return KubectlUsageError(f"error: {message}\nSee 'kubectl {path} -h' for help and examples")


_MUST_PROVIDE = (
    "error: You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'"
)
_GET_NO_TYPE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
    "list of supported resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource '
    "(e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples"
)


def must_provide() -> KubectlUsageError:
    """The message of a command given no resource at all (cmdutil's resource builder)."""
    return KubectlUsageError(_MUST_PROVIDE)


def get_needs_type() -> KubectlUsageError:
    """`kubectl get` without a resource type."""
    return KubectlUsageError(_GET_NO_TYPE)


def flag_unknown(name: str, path: str) -> KubectlUsageError:
    """pflag's unknown flag error as cobra prints it."""
    return KubectlUsageError(
        f"Error: unknown flag: --{name}\nSee 'kubectl {path} --help' for usage."
    )
