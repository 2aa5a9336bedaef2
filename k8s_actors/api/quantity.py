"""Resource quantities ("500m", "1.5Gi", "1e3") with Kubernetes' exact parsing and printing.

Role: the value type of every resource amount in the object model (requests, limits, capacity,
allocatable). A `Quantity` is immutable and exact: it holds an integer count of nano-units,
the finest precision Kubernetes keeps, plus the format its suffix chose (DecimalSI, BinarySI or
DecimalExponent), which decides how it prints. Parsing, rounding and the canonical string follow
k8s.io/apimachinery/pkg/api/resource (quantity.go, amount.go, suffix.go), quirks included.
Neighbours: `meta` (the struct base), `objects` (kinds with Quantity fields), `codec` (uses the
`dec_hook` / `enc_hook` below so msgspec can decode and encode Quantity fields).
"""

from __future__ import annotations

import enum
import re
from typing import Final

__all__ = [
    "ERR_FORMAT_WRONG",
    "ERR_NUMERIC",
    "ERR_SUFFIX",
    "Format",
    "Quantity",
    "QuantityError",
    "dec_hook",
    "enc_hook",
]

_SPLIT_RE: Final = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG: Final = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"

_NANO: Final = 10**9
_INT64_MAX: Final = 2**63 - 1
_INT32_MAX: Final = 2**31 - 1
# Exponents past this would build integers of millions of digits; no resource needs them.
_MAX_DECIMAL_EXPONENT: Final = 10_000

# One scan of the number/suffix layout, equivalent to parseQuantityString in quantity.go:
# sign, integer digits, optional "." and fraction digits, then suffix letters, an optional
# sign and digits. Anything else is ErrFormatWrong.
_LAYOUT: Final = re.compile(r"([+-]?)([0-9]*)(?:(\.)([0-9]*))?([eEinumkKMGTP]*[+-]?[0-9]*)")


class QuantityError(ValueError):
    """A string that is not a quantity; the message is Kubernetes' own."""


class Format(enum.StrEnum):
    """How a quantity prints; chosen by the suffix it was parsed with."""

    DECIMAL_EXPONENT = "DecimalExponent"
    BINARY_SI = "BinarySI"
    DECIMAL_SI = "DecimalSI"


_DECIMAL_SUFFIXES: Final = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}
_DECIMAL_SUFFIXES_ALL: Final = {**_DECIMAL_SUFFIXES, "T": 12, "P": 15, "E": 18}
_DECIMAL_BY_EXPONENT: Final = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES_ALL.items()}
_BINARY_SUFFIXES: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_BY_POWER: Final = {exp // 10: suffix for suffix, exp in _BINARY_SUFFIXES.items()}


def _interpret_suffix(suffix: str) -> tuple[int, int, Format]:
    """(base, exponent, format) of a suffix, as suffix.go interprets it."""
    if suffix in _DECIMAL_SUFFIXES_ALL:
        return 10, _DECIMAL_SUFFIXES_ALL[suffix], Format.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], Format.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        exponent = int(suffix[1:])
        # The exponent must survive negation as an int32 scale (quantity_test.go bounds).
        if -_INT32_MAX <= exponent <= _INT32_MAX:
            return 10, exponent, Format.DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _pow10(exponent: int) -> int:
    """10**exponent for exponent >= 0, typed as int."""
    result: int = 10**exponent
    return result


def _ceil_div_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded away from zero (inf.RoundUp)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder:
        quotient += 1
    return -quotient if numerator < 0 else quotient


class Quantity:
    """An exact, immutable resource amount; `str()` gives Kubernetes' canonical form."""

    __slots__ = ("_format", "_nanos", "_text")

    _nanos: int
    _format: Format
    _text: str | None

    def __init__(self, nanos: int, fmt: Format = Format.DECIMAL_SI, text: str | None = None):
        object.__setattr__(self, "_nanos", nanos)
        object.__setattr__(self, "_format", fmt)
        object.__setattr__(self, "_text", text)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Quantity is immutable")

    # ----------------------------------------------------------------- constructors

    @classmethod
    def parse(cls, value: str | int | float | Quantity) -> Quantity:
        """Parse a quantity string, or a YAML/JSON number such as `cpu: 1` or `cpu: 0.5`."""
        if isinstance(value, Quantity):
            return value
        if isinstance(value, bool):
            raise QuantityError(ERR_FORMAT_WRONG)
        if isinstance(value, int):
            return _parse_text(str(value))
        if isinstance(value, float):
            return _parse_text(repr(value))
        if isinstance(value, str):
            return _parse_text(value)
        raise TypeError(f"cannot make a Quantity from {type(value).__name__}")

    @classmethod
    def zero(cls) -> Quantity:
        """0, DecimalSI."""
        return cls(0)

    @classmethod
    def of(cls, value: int, fmt: Format = Format.DECIMAL_SI) -> Quantity:
        """An integer amount (resource.NewQuantity)."""
        return cls(value * _NANO, fmt)

    @classmethod
    def from_milli(cls, milli: int, fmt: Format = Format.DECIMAL_SI) -> Quantity:
        """An amount of thousandths (resource.NewMilliQuantity)."""
        return cls(milli * 1_000_000, fmt)

    # ----------------------------------------------------------------- accessors

    @property
    def format(self) -> Format:
        return self._format

    @property
    def nanos(self) -> int:
        """The exact amount in units of 10^-9."""
        return self._nanos

    def is_zero(self) -> bool:
        return self._nanos == 0

    def sign(self) -> int:
        return (self._nanos > 0) - (self._nanos < 0)

    def value(self) -> int:
        """The amount rounded to an integer away from zero ("100m" -> 1, "-1500m" -> -2)."""
        return _ceil_div_away(self._nanos, _NANO)

    def milli_value(self) -> int:
        """The amount in thousandths, rounded away from zero ("1.5" -> 1500)."""
        return _ceil_div_away(self._nanos, 1_000_000)

    def scaled_value(self, exponent: int) -> int:
        """The amount in units of 10^exponent, rounded away from zero (ScaledValue)."""
        shift = exponent + 9
        if shift <= 0:
            return self._nanos * _pow10(-shift)
        return _ceil_div_away(self._nanos, _pow10(shift))

    def as_float(self) -> float:
        """An approximation for display and scoring only; never for comparisons."""
        return self._nanos / _NANO

    # ----------------------------------------------------------------- arithmetic

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        # A zero receiver adopts the other operand's format (Quantity.Add).
        fmt = other._format if self._nanos == 0 else self._format
        return Quantity(self._nanos + other._nanos, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self._nanos == 0 else self._format
        return Quantity(self._nanos - other._nanos, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self._nanos, self._format)

    def __mul__(self, factor: int) -> Quantity:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Quantity(self._nanos * factor, self._format)

    __rmul__ = __mul__

    # ----------------------------------------------------------------- comparison

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos == other._nanos

    def __hash__(self) -> int:
        return hash(self._nanos)

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos < other._nanos

    def __le__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos <= other._nanos

    def __gt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos > other._nanos

    def __ge__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._nanos >= other._nanos

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1, like Quantity.Cmp."""
        return (self._nanos > other._nanos) - (self._nanos < other._nanos)

    # ----------------------------------------------------------------- printing

    def __str__(self) -> str:
        if self._text is not None:
            return self._text
        return _canonical(self._nanos, self._format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Quantity, (self._nanos, self._format, self._text))


def _parse_text(text: str) -> Quantity:
    """ParseQuantity: the int64 fast path (which may keep the text as canonical), else exact."""
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(0, Format.DECIMAL_SI, "0")
    layout = _LAYOUT.fullmatch(text)
    if layout is None:
        raise QuantityError(ERR_FORMAT_WRONG)
    sign_text, int_digits, _dot, frac_digits, suffix = layout.groups()
    negative = sign_text == "-"
    num = int_digits.lstrip("0") or "0"
    denom = frac_digits or ""
    base, exponent, fmt = _interpret_suffix(suffix)
    fast = _parse_fast(text, negative, num, denom, base, exponent, fmt)
    if fast is not None:
        return fast
    return _parse_exact(negative, int_digits, denom, base, exponent, fmt)


def _parse_fast(
    text: str, negative: bool, num: str, denom: str, base: int, exponent: int, fmt: Format
) -> Quantity | None:
    """The int64 path of ParseQuantity; None where Kubernetes falls back to inf.Dec."""
    if base == 10:
        precision = 18 - (len(num) + len(denom))
        scale, mantissa = exponent - len(denom), 1
    elif not denom:
        # Binary: "1Mi (2^20) has ~6 digits of decimal precision" (quantity.go).
        precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        scale, mantissa = 0, 1 << exponent
    else:
        return None
    if precision < 0 or scale < -9:
        return None
    if scale + 9 > _MAX_DECIMAL_EXPONENT:
        raise QuantityError(ERR_NUMERIC)
    shifted = num + denom
    result = int(shifted) * mantissa
    if result > _INT64_MAX:
        return None
    nanos = (-result if negative else result) * _pow10(scale + 9)
    if base == 2:
        keep = exponent % 10 == 0 and int(shifted) & 0x07 != 0
    else:
        keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    return Quantity(nanos, fmt, text if keep else None)


def _parse_exact(
    negative: bool, int_digits: str, denom: str, base: int, exponent: int, fmt: Format
) -> Quantity:
    """The inf.Dec path: exact value, rounded up to whole nanos, BinarySI capped at 2^63-1."""
    digits = int_digits + denom
    if not digits:
        raise QuantityError(ERR_NUMERIC)
    unscaled = int(digits)
    if base == 10:
        nanos = _scale_to_nanos(unscaled, exponent - len(denom))
    else:
        nanos = _scale_to_nanos(unscaled << exponent, -len(denom))
    if fmt is Format.BINARY_SI:
        nanos = min(nanos, _INT64_MAX * _NANO)
        if 0 < nanos < _NANO:
            fmt = Format.DECIMAL_SI  # "This avoids rounding and hopefully confusion, too."
    return Quantity(-nanos if negative else nanos, fmt)


def _scale_to_nanos(unscaled: int, exponent: int) -> int:
    """unscaled × 10^exponent in nanos, rounded up; magnitude only."""
    shift = exponent + 9
    if shift >= 0:
        if shift > _MAX_DECIMAL_EXPONENT:
            raise QuantityError(ERR_NUMERIC)
        return unscaled * _pow10(shift)
    if unscaled == 0:
        return 0
    if -shift > len(str(unscaled)):
        return 1  # smaller than one nano: rounds up to the minimum representable value
    return _ceil_div_away(unscaled, _pow10(-shift))


def _canonical(nanos: int, fmt: Format) -> str:
    """CanonicalizeBytes: the largest suffix that keeps an integer mantissa."""
    if nanos == 0:
        return "0"
    if fmt is Format.BINARY_SI and abs(nanos) >= 1024 * _NANO and nanos % _NANO == 0:
        return _canonical_binary(nanos // _NANO)
    if fmt is Format.BINARY_SI:
        fmt = Format.DECIMAL_SI  # small or fractional binary amounts print as decimal
    mantissa, exponent = _decimal_mantissa(nanos)
    if fmt is Format.DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
        return f"{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
    # DecimalExponent, and DecimalSI past "E" or below "n", use exponent notation.
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


def _decimal_mantissa(nanos: int) -> tuple[int, int]:
    """(mantissa, exponent) with every factor of ten moved out, exponent a multiple of 3."""
    mantissa, exponent = nanos, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    adjust = exponent % 3
    return mantissa * _pow10(adjust), exponent - adjust


def _canonical_binary(units: int) -> str:
    mantissa, power = units, 0
    while mantissa % 1024 == 0:
        mantissa //= 1024
        power += 1
    if power == 0:
        return str(mantissa)
    if power in _BINARY_BY_POWER:
        return f"{mantissa}{_BINARY_BY_POWER[power]}"
    # Past "Ei" there is no binary suffix: fall back to exact exponent notation.
    return _canonical(units * _NANO, Format.DECIMAL_EXPONENT)


def dec_hook(type_: type, obj: object) -> object:
    """msgspec decode hook: build Quantity fields from strings and numbers."""
    if type_ is Quantity:
        if isinstance(obj, str | int | float) and not isinstance(obj, bool):
            return Quantity.parse(obj)
        raise ValueError(f"Expected `str | int | float`, got `{type(obj).__name__}`")
    raise NotImplementedError(f"type {type_!r} is not supported")


def enc_hook(obj: object) -> object:
    """msgspec encode hook: a Quantity encodes as its canonical string."""
    if isinstance(obj, Quantity):
        return str(obj)
    raise NotImplementedError(f"objects of type {type(obj).__name__} are not supported")
