"""Label selectors: grammar, matching, canonical strings, validation messages and
LabelSelectorAsSelector, with tables ported from Kubernetes' labels/selector_test.go."""

from __future__ import annotations

import msgspec
import pytest

from k8s_actors.api.labels import (
    LabelSelector,
    LabelSelectorRequirement,
    Requirement,
    Selector,
    SelectorError,
    validate_label_key,
    validate_label_value,
)


@pytest.mark.parametrize(
    "text",
    ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"],
)
def test_good_selectors_print_back_without_spaces(text: str) -> None:
    assert str(Selector.parse(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_bad_selectors_are_rejected(text: str) -> None:
    with pytest.raises(SelectorError):
        Selector.parse(text)


def test_parse_is_deterministic_whatever_the_order() -> None:
    assert str(Selector.parse("x=a,a=x")) == str(Selector.parse("a=x,x=a")) == "a=x,x=a"


MATCHES = [
    ("", {"x": "y"}),
    ("x=y", {"x": "y"}),
    ("x=y,z=w", {"x": "y", "z": "w"}),
    ("x!=y,z!=w", {"x": "z", "z": "a"}),
    ("notin=in", {"notin": "in"}),
    ("x", {"x": "z"}),
    ("!x", {"y": "z"}),
    ("x>1", {"x": "2"}),
    ("x<1", {"x": "0"}),
    ("foo=bar", {"foo": "bar", "baz": "blah"}),
    ("baz=blah", {"foo": "bar", "baz": "blah"}),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}),
    ("x notin (a)", {}),
    ("x in (a,b)", {"x": "b"}),
    ("x>5", {"x": "+6"}),
]
NO_MATCHES = [
    ("x=z", {}),
    ("x=y", {"x": "z"}),
    ("x=y,z=w", {"x": "w", "z": "w"}),
    ("x!=y,z!=w", {"x": "z", "z": "w"}),
    ("x", {"y": "z"}),
    ("!x", {"x": "z"}),
    ("x>1", {"x": "0"}),
    ("x<1", {"x": "2"}),
    ("foo=blah", {"foo": "bar", "baz": "blah"}),
    ("baz=bar", {"foo": "bar", "baz": "blah"}),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}),
    ("x>1", {}),
    ("z>1", {"z": "v2"}),
    ("x<10", {"x": "1_0"}),
    ("x in ()", {"y": "baz"}),
]


@pytest.mark.parametrize(("text", "labels"), MATCHES)
def test_selector_matches(text: str, labels: dict[str, str]) -> None:
    assert Selector.parse(text).matches(labels)


@pytest.mark.parametrize(("text", "labels"), NO_MATCHES)
def test_selector_does_not_match(text: str, labels: dict[str, str]) -> None:
    assert not Selector.parse(text).matches(labels)


# TestSetSelectorParser: input -> canonical string, or None when it must fail.
SET_PARSER = [
    ("", ""),
    ("\rx", "x"),
    ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
    (
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
    ),
    (
        "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
        "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
    ),
    ("foo  in\t (abc)", "foo in (abc)"),
    ("x notin\n (abc)", "x notin (abc)"),
    ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
    ("x in (abc,def)", "x in (abc,def)"),
    ("x in (abc,)", "x in (,abc)"),
    ("x in ()", "x in ()"),
    ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
    ("x,y in (a)", "x,y in (a)"),
    ("x=a", "x=a"),
    ("x>1", "x>1"),
    ("x<7", "x<7"),
    ("x=a,y!=b", "x=a,y!=b"),
    ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
    ("x=a||y=b", None),
    ("x,y", "x,y"),
    (",x,y", None),
    ("x nott in (y)", None),
    ("x notin ( )", "x notin ()"),
    ("x notin (, a)", "x notin (,a)"),
    ("a in (xyz),", None),
    ("a in (xyz)b notin ()", None),
    ("a ", "a"),
    ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
    ("a in (xyz abc)", None),
    ("a notin(", None),
    ("a (", None),
    ("(", None),
]


@pytest.mark.parametrize(("text", "canonical"), SET_PARSER)
def test_set_based_parser(text: str, canonical: str | None) -> None:
    if canonical is None:
        with pytest.raises(SelectorError):
            Selector.parse(text)
    else:
        assert str(Selector.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        (
            "x nott in (y)",
            "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
        ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("!,a", "unable to parse requirement: found ',', expected: identifier"),
        (
            "x<a",
            'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "a/b/c",
            'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must '
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
            "subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
    ],
)
def test_parse_errors_use_kubernetes_messages(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        Selector.parse(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("key", "operator", "values", "valid"),
    [
        ("x", "in", (), False),
        ("x", "notin", (), False),
        ("x", "in", ("foo",), True),
        ("x", "notin", ("foo",), True),
        ("x", "exists", (), True),
        ("x", "!", (), True),
        ("1foo", "in", ("bar",), True),
        ("1234", "in", ("bar",), True),
        ("y", "gt", ("1",), True),
        ("z", "lt", ("6",), True),
        ("foo", "gt", ("bar",), False),
        ("barz", "lt", ("blah",), False),
        ("a" * 254, "exists", (), False),
        ("x", "=", ("a", "b"), False),
        ("x", "exists", ("a",), False),
        ("x", "~", ("a",), False),
    ],
)
def test_requirement_constructor_rules(
    key: str, operator: str, values: tuple[str, ...], valid: bool
) -> None:
    if valid:
        assert Requirement.new(key, operator, values).key == key
    else:
        with pytest.raises(SelectorError):
            Requirement.new(key, operator, values)


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (
            [("x", "in", ("abc", "def")), ("y", "notin", ("jkl",)), ("z", "exists", ())],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            [("x", "notin", ("abc", "def")), ("y", "!=", ("jkl",)), ("z", "!", ())],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            [("x", "notin", ("abc",)), ("y", "in", ("jkl", "mno")), ("z", "notin", ("",))],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            [("x", "=", ("abc",)), ("y", "==", ("jkl",)), ("z", "!=", ("a",)), ("z", "exists", ())],
            "x=abc,y==jkl,z!=a,z",
        ),
        ([("x", "gt", ("2",)), ("y", "lt", ("8",)), ("z", "exists", ())], "x>2,y<8,z"),
        ([("x", "in", ("def", "abc"))], "x in (abc,def)"),
    ],
)
def test_to_string(requirements: list[tuple[str, str, tuple[str, ...]]], expected: str) -> None:
    selector = Selector(Requirement.new(k, op, vals) for k, op, vals in requirements)
    assert str(selector) == expected


@pytest.mark.parametrize(
    ("labels", "requirements", "match"),
    [
        ({"x": "foo", "y": "baz"}, [("x", "in", ("foo",)), ("y", "notin", ("alpha",))], True),
        ({"x": "foo", "y": "baz"}, [("x", "in", ("foo",)), ("y", "in", ("alpha",))], False),
        ({"y": ""}, [("x", "notin", ("",)), ("y", "exists", ())], True),
        ({"y": ""}, [("x", "!", ()), ("y", "exists", ())], True),
        ({"y": ""}, [("x", "notin", ("",)), ("y", "!", ())], False),
        ({"y": "baz"}, [("x", "in", ("",))], False),
        ({"z": "2"}, [("z", "gt", ("1",))], True),
        ({"z": "v2"}, [("z", "gt", ("1",))], False),
    ],
)
def test_requirement_selector_matching(
    labels: dict[str, str], requirements: list[tuple[str, str, tuple[str, ...]]], match: bool
) -> None:
    selector = Selector(Requirement.new(k, op, vals) for k, op, vals in requirements)
    assert selector.matches(labels) is match


@pytest.mark.parametrize(
    ("requirements", "key", "expected"),
    [
        ([("key", "in", ("value",))], "key", "value"),
        ([("key", "in", ("value", "value2"))], "key", None),
        ([("key", "in", ("value", "value1")), ("key2", "in", ("value2",))], "key2", "value2"),
        ([("key", "=", ("value",))], "key", "value"),
        ([("key", "==", ("value",))], "key", "value"),
        ([("key", "!=", ("value",))], "key", None),
        ([("key", "in", ("value",)), ("key2", "in", ("value2",))], "key", "value"),
        ([("key", "exists", ())], "other", None),
    ],
)
def test_exact_value(
    requirements: list[tuple[str, str, tuple[str, ...]]], key: str, expected: str | None
) -> None:
    selector = Selector(Requirement(k, op, vals) for k, op, vals in requirements)
    assert selector.exact_value(key) == expected


def test_everything_and_nothing() -> None:
    assert Selector.everything().matches({"x": "y"})
    assert Selector.everything().empty
    assert Selector.parse("").empty
    assert not Selector.nothing().matches({})
    assert not Selector.nothing().empty
    assert Selector.nothing().matches_nothing
    assert str(Selector.nothing()) == ""
    assert Selector.nothing() != Selector.everything()


def test_from_set_matches_exactly_the_set() -> None:
    labels = {"foo": "bar", "baz": "blah"}
    assert Selector.from_set({}).matches(labels)
    assert Selector.from_set({"foo": "bar"}).matches(labels)
    assert Selector.from_set(labels).matches(labels)
    assert not Selector.from_set({"foo": "baz"}).matches(labels)
    assert str(Selector.from_set(labels)) == "baz=blah,foo=bar"


def test_label_selector_none_selects_nothing_and_empty_selects_everything() -> None:
    assert Selector.from_label_selector(None) is Selector.nothing()
    assert Selector.from_label_selector(LabelSelector()) is Selector.everything()


def test_label_selector_converts_labels_and_expressions() -> None:
    selector = Selector.from_label_selector(
        LabelSelector(
            match_labels={"app": "web", "tier": "front"},
            match_expressions=(
                LabelSelectorRequirement(key="env", operator="In", values=("prod", "canary")),
                LabelSelectorRequirement(key="legacy", operator="DoesNotExist"),
                LabelSelectorRequirement(key="zone", operator="NotIn", values=("a",)),
                LabelSelectorRequirement(key="team", operator="Exists"),
            ),
        )
    )
    assert str(selector) == "app=web,env in (canary,prod),!legacy,team,tier=front,zone notin (a)"
    assert selector.matches({"app": "web", "tier": "front", "env": "prod", "team": "x"})
    assert not selector.matches({"app": "web", "tier": "front", "env": "dev", "team": "x"})


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            LabelSelectorRequirement(key="a", operator="Gt", values=("1",)),
            '"Gt" is not a valid label selector operator',
        ),
        (
            LabelSelectorRequirement(key="a", operator="In"),
            "values: Invalid value: []string(nil): "
            "for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            LabelSelectorRequirement(key="a", operator="Exists", values=("x",)),
            'values: Invalid value: []string{"x"}: '
            "values set must be empty for exists and does not exist",
        ),
    ],
)
def test_label_selector_errors(expression: LabelSelectorRequirement, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        Selector.from_label_selector(LabelSelector(match_expressions=(expression,)))
    assert str(caught.value) == message


def test_label_selector_struct_uses_wire_names() -> None:
    wire = b'{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"k","operator":"Exists"}]}'
    decoded = msgspec.json.decode(wire, type=LabelSelector)
    assert decoded.match_labels == {"app": "web"}
    assert decoded.match_expressions == (LabelSelectorRequirement(key="k", operator="Exists"),)
    assert msgspec.json.encode(decoded) == wire


@pytest.mark.parametrize(
    "key",
    ["a", "A", "1", "a-b_c.d", "example.com/name", "a" * 63, ("b" * 253) + "/" + ("a" * 63)],
)
def test_valid_label_keys(key: str) -> None:
    assert validate_label_key(key) == []


@pytest.mark.parametrize(
    ("key", "messages"),
    [
        ("", ["name part must be non-empty", "name part must consist of"]),
        ("/a", ["prefix part must be non-empty"]),
        ("Example.com/a", ["prefix part a lowercase RFC 1123 subdomain must consist of"]),
        ("a" * 64, ["name part must be no more than 63 characters"]),
        ("-a", ["name part must consist of"]),
        ("a/b/c", ["a qualified name must consist of"]),
        (("b" * 254) + "/a", ["prefix part must be no more than 253 characters"]),
    ],
)
def test_invalid_label_keys(key: str, messages: list[str]) -> None:
    problems = validate_label_key(key)
    assert len(problems) == len(messages)
    for problem, start in zip(problems, messages, strict=True):
        assert problem.startswith(start)


def test_label_value_rules() -> None:
    assert validate_label_value("") == []
    assert validate_label_value("My_value-1.0") == []
    assert validate_label_value("a" * 64) == [
        "must be no more than 63 characters",
    ]
    assert validate_label_value("-a") == [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]
