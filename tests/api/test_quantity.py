"""Quantity parsing, canonical strings, rounding and msgspec hooks, checked against the tables
of Kubernetes' quantity_test.go (kept as data in tests/api/data/quantity_cases.json)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import msgspec
import pytest

from k8s_actors.api.quantity import (
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    Format,
    Quantity,
    QuantityError,
    dec_hook,
    enc_hook,
)

CASES: dict[str, Any] = json.loads(
    (pathlib.Path(__file__).parent / "data" / "quantity_cases.json").read_text()
)
PARSE = [pytest.param(c, id=c["input"]) for c in CASES["parse"]]
CANONICAL = [pytest.param(c, id=c["canonical"]) for c in CASES["canonical"]]


@pytest.mark.parametrize("case", PARSE)
def test_parse_gives_upstream_value_and_format(case: dict[str, str]) -> None:
    quantity = Quantity.parse(case["input"])
    assert quantity.nanos == int(case["nanos"])
    assert quantity.format == Format(case["format"])


@pytest.mark.parametrize("case", PARSE)
def test_parse_with_sign_negates_or_keeps_the_value(case: dict[str, str]) -> None:
    negative = Quantity.parse("-" + case["input"])
    positive = Quantity.parse("+" + case["input"])
    assert negative.nanos == -int(case["nanos"])
    assert positive.nanos == int(case["nanos"])
    assert negative.format == positive.format == Format(case["format"])


@pytest.mark.parametrize("text", CASES["invalid"])
def test_invalid_quantities_are_rejected(text: str) -> None:
    with pytest.raises(QuantityError):
        Quantity.parse(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", ERR_FORMAT_WRONG),
        ("aoeu", ERR_FORMAT_WRONG),
        (" 1", ERR_FORMAT_WRONG),
        ("1.1.M", ERR_FORMAT_WRONG),
        ("1i", ERR_SUFFIX),
        ("0.1mi", ERR_SUFFIX),
        ("-3.01e-", ERR_SUFFIX),
        ("1e4294967297", ERR_SUFFIX),
        ("-.e-20", ERR_NUMERIC),
    ],
)
def test_errors_carry_the_kubernetes_message(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        Quantity.parse(text)
    assert str(caught.value) == message


def test_format_error_message_quotes_the_regex() -> None:
    expected = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
    assert f"quantities must match the regular expression '{expected}'" == ERR_FORMAT_WRONG


@pytest.mark.parametrize("case", CANONICAL)
def test_canonical_string_of_a_value(case: dict[str, str]) -> None:
    assert str(Quantity(int(case["nanos"]), Format(case["format"]))) == case["canonical"]


@pytest.mark.parametrize("case", CANONICAL)
def test_canonical_strings_round_trip_and_alternates_canonicalise(case: dict[str, str]) -> None:
    assert str(Quantity.parse(case["canonical"])) == case["canonical"]
    assert Quantity.parse(case["canonical"]).nanos == int(case["nanos"])
    if case["alternate"]:
        assert str(Quantity.parse(case["alternate"])) == case["canonical"]


@pytest.mark.parametrize("case", CANONICAL)
def test_negative_values_print_with_a_minus(case: dict[str, str]) -> None:
    if int(case["nanos"]) != 0:
        negated = -Quantity(int(case["nanos"]), Format(case["format"]))
        assert str(negated) == "-" + case["canonical"]


@pytest.mark.parametrize(("text", "expected"), CASES["parse_emit"])
def test_parse_then_emit(text: str, expected: str) -> None:
    assert str(Quantity.parse(text)) == expected
    assert str(Quantity.parse("-" + text)) == "-" + expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5", "1500m"),
        ("0.1", "100m"),
        ("1000", "1k"),
        ("2048Mi", "2Gi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Gi", "512Mi"),
        ("1024Ki", "1Mi"),
        ("1024", "1024"),
        ("1e3", "1e3"),
        ("1.5e3", "1500"),
        ("12e-3", "12e-3"),
        ("1000m", "1"),
        ("1000000n", "1m"),
        ("5000000000", "5G"),
        (".5", "500m"),
        ("-1.5", "-1500m"),
        ("1500000", "1500k"),
        ("100.035k", "100.035k"),
        ("1.", "1."),
        ("+1Ki", "+1Ki"),
        ("0.0000000001", "1n"),
        ("8Ei", "9223372036854775807"),
    ],
)
def test_documented_canonical_examples(text: str, expected: str) -> None:
    assert str(Quantity.parse(text)) == expected


@pytest.mark.parametrize(("text", "value", "milli"), CASES["value_milli"])
def test_value_and_milli_value_round_away_from_zero(text: str, value: int, milli: int) -> None:
    quantity = Quantity.parse(text)
    assert quantity.value() == value
    assert quantity.milli_value() == milli


def test_scaled_value_in_other_units() -> None:
    assert Quantity.parse("1").scaled_value(-9) == 10**9
    assert Quantity.parse("1n").scaled_value(-3) == 1
    assert Quantity.parse("1k").scaled_value(2) == 10


@pytest.mark.parametrize(("left", "right", "expected"), CASES["compare"])
def test_comparison_is_exact(left: str, right: str, expected: int) -> None:
    a, b = Quantity.parse(left), Quantity.parse(right)
    assert a.cmp(b) == expected
    assert (a < b) == (expected < 0)
    assert (a > b) == (expected > 0)
    assert (a == b) == (expected == 0)
    assert (a <= b) == (expected <= 0)
    assert (a >= b) == (expected >= 0)


def test_equal_values_in_different_formats_are_equal_and_hash_alike() -> None:
    assert Quantity.parse("1Ki") == Quantity.parse("1024")
    assert hash(Quantity.parse("1Ki")) == hash(Quantity.parse("1.024k"))
    assert len({Quantity.parse("1"), Quantity.parse("1000m")}) == 1


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_adding_or_subtracting_zero_keeps_the_suffix(text: str) -> None:
    value, zero = Quantity.parse(text), Quantity.parse("0")
    assert str(value + zero) == text
    assert str(zero + value) == text
    assert str(value - zero) == text
    assert str(zero - value) == "-" + text


def test_arithmetic_keeps_the_left_format() -> None:
    assert str(Quantity.parse("1Gi") + Quantity.parse("512Mi")) == "1536Mi"
    assert str(Quantity.parse("10") - Quantity.parse("1Ki")) == "-1014"
    assert str(Quantity.parse("500m") * 3) == "1500m"
    assert str(Quantity.zero()) == "0"


def test_constructors_from_integers() -> None:
    assert str(Quantity.of(1024, Format.BINARY_SI)) == "1Ki"
    assert str(Quantity.of(1_234_000)) == "1234k"
    assert str(Quantity.from_milli(1024, Format.BINARY_SI)) == "1024m"
    assert str(Quantity.from_milli(1000)) == "1"


def test_quantity_is_immutable() -> None:
    quantity = Quantity.parse("1")
    with pytest.raises(AttributeError):
        quantity._nanos = 5


def test_yaml_numbers_parse_like_their_text() -> None:
    assert str(Quantity.parse(2)) == "2"
    assert str(Quantity.parse(0.5)) == "500m"
    assert str(Quantity.parse(1e-05)) == "10e-6"  # "1e-05" is DecimalExponent
    with pytest.raises(QuantityError):
        Quantity.parse(True)
    with pytest.raises(QuantityError):
        Quantity.parse(float("nan"))


def test_absurd_exponents_are_refused_rather_than_expanded() -> None:
    with pytest.raises(QuantityError, match=ERR_NUMERIC):
        Quantity.parse("1e2147483647")


class _Resources(msgspec.Struct):
    cpu: Quantity
    memory: Quantity | None = None


def test_msgspec_hooks_decode_strings_and_numbers_and_encode_canonically() -> None:
    decoded = msgspec.json.decode(
        b'{"cpu": 0.5, "memory": "2048Mi"}', type=_Resources, dec_hook=dec_hook
    )
    assert decoded.cpu == Quantity.parse("500m")
    assert msgspec.json.encode(decoded, enc_hook=enc_hook) == b'{"cpu":"500m","memory":"2Gi"}'
    from_int = msgspec.json.decode(b'{"cpu": 2}', type=_Resources, dec_hook=dec_hook)
    assert str(from_int.cpu) == "2"


def test_msgspec_reports_a_bad_quantity_with_its_path() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(b'{"cpu": "1i"}', type=_Resources, dec_hook=dec_hook)
    assert str(caught.value) == f"{ERR_SUFFIX} - at `$.cpu`"


def test_hooks_refuse_other_types() -> None:
    with pytest.raises(NotImplementedError):
        dec_hook(complex, "1")
    with pytest.raises(NotImplementedError):
        enc_hook(object())
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"cpu": [1]}', type=_Resources, dec_hook=dec_hook)
