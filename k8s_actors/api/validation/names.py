"""Format checks of names, ports and percentages, with apimachinery's messages.

Role: k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain,
IsDNS1035Label, IsValidPortNum, IsValidPortName, IsValidPercent, IsConfigMapKey); each
returns a list of messages, empty when valid. Neighbours: `validation.meta`, `.pod`,
`.service`; label keys/values live in `labels`.
"""

from __future__ import annotations

import re

from k8s_actors.api.labels import validate_dns1123_subdomain

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
PERCENT_FMT = "[0-9]+%"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_DNS1123_LABEL_RE = re.compile(DNS1123_LABEL_FMT)
_DNS1035_LABEL_RE = re.compile(DNS1035_LABEL_FMT)
_PERCENT_RE = re.compile(PERCENT_FMT)
_CONFIG_MAP_KEY_RE = re.compile(CONFIG_MAP_KEY_FMT)
_PORT_NAME_CHARS_RE = re.compile("[-a-z0-9]+")
_PORT_NAME_LETTER_RE = re.compile(".*[a-z].*")


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError: message, examples (joined by ",  or ") and the regex."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(limit: int) -> str:
    return f"must be no more than {limit} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def dns1123_label(value: str) -> list[str]:
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _DNS1123_LABEL_RE.fullmatch(value):
        message = (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
            "or '-', and must start and end with an alphanumeric character"
        )
        errors.append(regex_error(message, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    return validate_dns1123_subdomain(value)


def dns1035_label(value: str) -> list[str]:
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _DNS1035_LABEL_RE.fullmatch(value):
        message = (
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
            "start with an alphabetic character, and end with an alphanumeric character"
        )
        errors.append(regex_error(message, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def port_number(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def port_name(name: str) -> list[str]:
    """IANA_SVC_NAME: at most 15 characters, a-z 0-9 '-', a letter, no '--', no edge '-'."""
    errors = []
    if len(name) > 15:
        errors.append(max_len_error(15))
    if not _PORT_NAME_CHARS_RE.fullmatch(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_LETTER_RE.fullmatch(name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def percent(value: str) -> list[str]:
    if _PERCENT_RE.fullmatch(value):
        return []
    message = "a valid percent string must be a numeric string followed by an ending '%'"
    return [regex_error(message, PERCENT_FMT, "1%", "93%")]


def config_map_key(key: str) -> list[str]:
    errors = [max_len_error(253)] if len(key) > 253 else []
    if not _CONFIG_MAP_KEY_RE.fullmatch(key):
        message = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
        errors.append(regex_error(message, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    elif key in (".", "..") or key.startswith(".."):
        errors.append(
            "must not be '.' or '..'" if key in (".", "..") else "must not start with '..'"
        )
    return errors
