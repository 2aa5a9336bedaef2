"""Label selectors: the LabelSelector API struct and the parsed `Selector` that matches labels.

Role: everything the object model, the API server (list/watch `labelSelector=`), controllers
(ReplicaSet, Deployment, Service) and the scheduler need to select objects by label, with
Kubernetes' grammar, canonical strings and error messages (k8s.io/apimachinery/pkg/labels,
pkg/apis/meta/v1/helpers.go). Neighbours: `meta` (the struct base), `fields` (field selectors).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

import msgspec

from k8s_actors.api.meta import Model

__all__ = [
    "LabelSelector",
    "LabelSelectorRequirement",
    "Operator",
    "Requirement",
    "Selector",
    "SelectorError",
    "validate_dns1123_subdomain",
    "validate_label_key",
    "validate_label_value",
]


class LabelSelectorRequirement(Model, frozen=True):
    """One matchExpressions entry: key, operator (In/NotIn/Exists/DoesNotExist), values."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


class LabelSelector(Model, frozen=True):
    """metav1.LabelSelector: matchLabels ANDed with matchExpressions."""

    match_labels: dict[str, str] = msgspec.field(default_factory=dict)
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()


# --------------------------------------------------------------------------- validation
# Messages of k8s.io/apimachinery/pkg/util/validation (IsQualifiedName, IsValidLabelValue).

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_RE = re.compile(_QNAME_FMT)
_QNAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = f"({_QNAME_FMT})?"
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError: the message, examples and the regex itself."""
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len_error(limit: int) -> str:
    return f"must be no more than {limit} characters"


def validate_dns1123_subdomain(value: str) -> list[str]:
    """Problems with a lowercase RFC 1123 subdomain (≤253 characters); [] when valid."""
    errors = []
    if len(value) > 253:
        errors.append(_max_len_error(253))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errors.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def validate_label_key(key: str) -> list[str]:
    """Problems with a label key (a qualified name: [prefix/]name); [] when valid."""
    parts = key.split("/")
    if len(parts) > 2:
        example = _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        return [
            f"a qualified name {example} with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')"
        ]
    errors = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {msg}" for msg in validate_dns1123_subdomain(prefix))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + _max_len_error(63))
    if not _QNAME_RE.fullmatch(name):
        example = _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        errors.append(f"name part {example}")
    return errors


def validate_label_value(value: str) -> list[str]:
    """Problems with a label value (≤63 characters, may be empty); [] when valid."""
    errors = []
    if len(value) > 63:
        errors.append(_max_len_error(63))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errors.append(
            _regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


# --------------------------------------------------------------------------- requirements


class SelectorError(ValueError):
    """A selector that does not parse or validate; the message is Kubernetes' own."""


class Operator:
    """selection.Operator values (k8s.io/apimachinery/pkg/selection/operator.go)."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_BINARY_OPERATORS = ("in", "notin", "=", "==", "!=", "gt", "lt")
_ALL_OPERATORS = (*_BINARY_OPERATORS, "exists", "!")
_EXACT_OPERATORS = frozenset({"=", "==", "in"})
_INT64_RE = re.compile(r"[+-]?[0-9]+")


def _go_quote(value: str) -> str:
    """Go's %q for the strings that appear in field errors."""
    return json.dumps(value, ensure_ascii=False)


def _go_string_slice(values: tuple[str, ...]) -> str:
    """Go's %#v of a []string (nil when empty, as LabelSelectorAsSelector passes it)."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(_go_quote(v) for v in values) + "}"


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None when it would fail."""
    if not _INT64_RE.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


class Requirement(msgspec.Struct, frozen=True):
    """One parsed requirement: key, operator (an `Operator` value) and its values."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def new(
        cls, key: str, operator: str, values: Iterable[str] = (), path: str = ""
    ) -> Requirement:
        """labels.NewRequirement: validate the key, the operator/value rules and every value."""
        vals = tuple(values)
        errors = []
        key_path = f"{path}.key" if path else "key"
        if problems := validate_label_key(key):
            errors.append(f"{key_path}: Invalid value: {_go_quote(key)}: {'; '.join(problems)}")
        errors.extend(_operator_errors(operator, vals, path))
        values_path = f"{path}.values" if path else "values"
        for index, value in enumerate(vals):
            if problems := validate_label_value(value):
                where = f"{values_path}[{index}][{key}]"
                errors.append(f"{where}: Invalid value: {_go_quote(value)}: {'; '.join(problems)}")
        if len(errors) == 1:
            raise SelectorError(errors[0])
        if errors:
            raise SelectorError("[" + ", ".join(errors) + "]")
        return cls(key, operator, vals)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches: absent keys satisfy only notin, != and !."""
        op = self.operator
        if op in ("in", "=", "=="):
            return self.key in labels and labels[self.key] in self.values
        if op in ("notin", "!="):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("gt", "lt") and self.key in labels and len(self.values) == 1:
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == "gt" else have < want
        return False

    def __str__(self) -> str:
        op = self.operator
        if op == "exists":
            return self.key
        if op == "!":
            return "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in ("in", "notin"):
            return f"{self.key} {op} ({values})"
        symbol = {"gt": ">", "lt": "<"}.get(op, op)
        return f"{self.key}{symbol}{values}"


def _operator_errors(operator: str, values: tuple[str, ...], path: str) -> list[str]:
    """The operator/value-count rules of NewRequirement, as field error strings."""
    where = f"{path}.values" if path else "values"
    shown = _go_string_slice(values)
    if operator in ("in", "notin"):
        if not values:
            detail = "for 'in', 'notin' operators, values set can't be empty"
            return [f"{where}: Invalid value: {shown}: {detail}"]
    elif operator in ("=", "==", "!="):
        if len(values) != 1:
            detail = "exact-match compatibility requires one single value"
            return [f"{where}: Invalid value: {shown}: {detail}"]
    elif operator in ("exists", "!"):
        if values:
            detail = "values set must be empty for exists and does not exist"
            return [f"{where}: Invalid value: {shown}: {detail}"]
    elif operator in ("gt", "lt"):
        return _integer_value_errors(values, where)
    else:
        supported = ", ".join(f'"{op}"' for op in _ALL_OPERATORS)
        op_path = f"{path}.operator" if path else "operator"
        return [
            f"{op_path}: Unsupported value: {_go_quote(operator)}: supported values: {supported}"
        ]
    return []


def _integer_value_errors(values: tuple[str, ...], where: str) -> list[str]:
    errors = []
    if len(values) != 1:
        detail = "for 'Gt', 'Lt' operators, exactly one value is required"
        errors.append(f"{where}: Invalid value: {_go_string_slice(values)}: {detail}")
    for index, value in enumerate(values):
        if _parse_int64(value) is None:
            detail = "for 'Gt', 'Lt' operators, the value must be an integer"
            errors.append(f"{where}[{index}]: Invalid value: {_go_quote(value)}: {detail}")
    return errors


# --------------------------------------------------------------------------- lexer and parser
# A transcription of the grammar in labels/selector.go (Lexer, Parser):
#   selector    ::= requirement ("," requirement)*
#   requirement ::= ["!"] KEY [set | exact]
#   set         ::= ("in" | "notin") "(" VALUE ("," VALUE)* ")"      empty entries mean ""
#   exact       ::= ("=" | "==" | "!=" | ">" | "<") VALUE

_END, _IDENT, _COMMA, _OPEN, _CLOSE = "end", "ident", ",", "(", ")"
_SYMBOL_TOKENS = {")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", "<": "<"}
_SYMBOL_TOKENS |= {"!=": "!=", "(": "("}
_KEYWORDS = {"in": "in", "notin": "notin"}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_OPERATOR_TOKENS = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!="}
_OPERATOR_TOKENS |= {">": "gt", "<": "lt"}


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as (kind, literal); identifiers are runs of non-special, non-blank characters."""
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end:
            tokens.append((_END, ""))
            return tokens
        start = pos
        if text[pos] in _SPECIAL:
            # Longest match among the symbol tokens ("!=" over "!", "==" over "=").
            pos += 1
            if pos < end and text[start : pos + 1] in _SYMBOL_TOKENS:
                pos += 1
            literal = text[start:pos]
            tokens.append((_SYMBOL_TOKENS[literal], literal))
            continue
        while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        literal = text[start:pos]
        tokens.append((_KEYWORDS.get(literal, _IDENT), literal))


class _Parser:
    """Recursive descent over the token list; `in`/`notin` are plain words in value position."""

    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.position = 0

    def peek(self, as_value: bool = True) -> tuple[str, str]:
        return self._as(self.tokens[self.position], as_value)

    def take(self, as_value: bool = True) -> tuple[str, str]:
        self.position += 1
        return self._as(self.tokens[self.position - 1], as_value)

    @staticmethod
    def _as(token: tuple[str, str], as_value: bool) -> tuple[str, str]:
        if as_value and token[0] in _KEYWORDS:
            return _IDENT, token[1]
        return token

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            kind, literal = self.peek()
            if kind == _END:
                return requirements
            if kind not in (_IDENT, "!"):
                raise SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )
            try:
                requirements.append(self.requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            kind, literal = self.take()
            if kind == _END:
                return requirements
            if kind != _COMMA:
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            next_kind, next_literal = self.peek()
            if next_kind not in (_IDENT, "!"):
                raise SelectorError(f"found '{next_literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        kind, key = self.take()
        negated = kind == "!"
        if negated:
            kind, key = self.take()
        if kind != _IDENT:
            raise SelectorError(f"found '{key}', expected: identifier")
        if problems := validate_label_key(key):
            raise SelectorError(f"<nil>: Invalid value: {_go_quote(key)}: {'; '.join(problems)}")
        if negated:
            # "!key" ends the requirement; "!key=v" then fails on the "=" (selector.go).
            return Requirement.new(key, "!")
        if self.peek()[0] in (_END, _COMMA):
            return Requirement.new(key, "exists")
        kind, literal = self.take(as_value=False)
        operator = _OPERATOR_TOKENS.get(kind)
        if operator is None:
            expected = ", ".join(_BINARY_OPERATORS)
            raise SelectorError(f"found '{literal}', expected: {expected}")
        values = self.value_set() if operator in ("in", "notin") else self.exact_value()
        return Requirement.new(key, operator, sorted(values))

    def value_set(self) -> set[str]:
        kind, literal = self.take()
        if kind != _OPEN:
            raise SelectorError(f"found '{literal}' expected: '('")
        kind, literal = self.peek()
        if kind == _CLOSE:
            self.take()
            return {""}
        if kind not in (_IDENT, _COMMA):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] != _CLOSE:
            raise SelectorError(f"found '{literal}', expected: ')'")
        return values

    def identifiers(self) -> set[str]:
        """A comma-separated list whose empty entries ("(a,,b)", "(,a)") mean ""."""
        values: set[str] = set()
        while True:
            kind, literal = self.take()
            if kind == _IDENT:
                values.add(literal)
                next_kind, next_literal = self.peek()
                if next_kind == _CLOSE:
                    return values
                if next_kind != _COMMA:
                    raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            elif kind == _COMMA:
                if not values:
                    values.add("")
                next_kind = self.peek()[0]
                if next_kind in (_CLOSE, _COMMA):
                    values.add("")
                if next_kind == _CLOSE:
                    return values
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (_END, _COMMA):
            return {""}
        kind, literal = self.take()
        if kind == _IDENT:
            return {literal}
        raise SelectorError(f"found '{literal}', expected: identifier")


# --------------------------------------------------------------------------- selectors


class Selector:
    """A parsed label selector: requirements ANDed, sorted by key; or the `nothing` selector."""

    __slots__ = ("_nothing", "requirements")

    requirements: tuple[Requirement, ...]
    _nothing: bool

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False):
        ordered = tuple(sorted(requirements, key=lambda r: r.key))
        object.__setattr__(self, "requirements", ordered)
        object.__setattr__(self, "_nothing", nothing)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Selector is immutable")

    @classmethod
    def parse(cls, text: str) -> Selector:
        """labels.Parse: the string form used by `kubectl -l` and `?labelSelector=`."""
        return cls(_Parser(text).parse())

    @classmethod
    def everything(cls) -> Selector:
        return _EVERYTHING

    @classmethod
    def nothing(cls) -> Selector:
        return _NOTHING

    @classmethod
    def from_set(cls, labels: Mapping[str, str]) -> Selector:
        """labels.SelectorFromSet: key=value for every entry, not validated."""
        return cls(Requirement(key, "=", (labels[key],)) for key in sorted(labels))

    @classmethod
    def from_label_selector(cls, selector: LabelSelector | None) -> Selector:
        """metav1.LabelSelectorAsSelector: None selects nothing, an empty one everything."""
        if selector is None:
            return _NOTHING
        if not selector.match_labels and not selector.match_expressions:
            return _EVERYTHING
        requirements = [
            Requirement.new(key, "=", (selector.match_labels[key],))
            for key in sorted(selector.match_labels)
        ]
        for expression in selector.match_expressions:
            operator = _LABEL_SELECTOR_OPERATORS.get(expression.operator)
            if operator is None:
                raise SelectorError(
                    f"{_go_quote(expression.operator)} is not a valid label selector operator"
                )
            requirements.append(Requirement.new(expression.key, operator, expression.values))
        return cls(requirements)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (matches every label set)."""
        return not self._nothing and not self.requirements

    @property
    def matches_nothing(self) -> bool:
        return self._nothing

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self._nothing:
            return False
        return all(requirement.matches(labels) for requirement in self.requirements)

    def exact_value(self, key: str) -> str | None:
        """RequiresExactMatch: the single value `key` must have, if the selector pins one."""
        for requirement in self.requirements:
            if requirement.key == key:
                exact = requirement.operator in _EXACT_OPERATORS
                return requirement.values[0] if exact and len(requirement.values) == 1 else None
        return None

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)

    def __repr__(self) -> str:
        return "Selector.nothing()" if self._nothing else f"Selector.parse({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return (self._nothing, self.requirements) == (other._nothing, other.requirements)

    def __hash__(self) -> int:
        return hash((self._nothing, self.requirements))


_LABEL_SELECTOR_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists"}
_LABEL_SELECTOR_OPERATORS |= {"DoesNotExist": "!"}
_EVERYTHING = Selector()
_NOTHING = Selector(nothing=True)
