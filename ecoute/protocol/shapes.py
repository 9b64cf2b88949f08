"""The shapes of the protocol's messages: a small checker shared by the events and their tests.

A shape maps each field to what its value must be: a Python type (bool is never taken for an
int), Nullable(spec), ListOf(spec), OneOf(values), or a nested shape (a dict).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Nullable:
    spec: object


@dataclass(frozen=True)
class ListOf:
    spec: object


@dataclass(frozen=True)
class OneOf:
    values: tuple


def matches(value, spec) -> bool:
    """Does VALUE have the shape SPEC?"""
    if isinstance(spec, Nullable):
        return value is None or matches(value, spec.spec)
    if isinstance(spec, ListOf):
        return isinstance(value, list) and all(matches(item, spec.spec) for item in value)
    if isinstance(spec, OneOf):
        return value in spec.values
    if isinstance(spec, dict):
        return isinstance(value, dict) and not mismatches(value, spec)
    if spec is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, spec)


def mismatches(message: dict, fields: dict, optional: dict | None = None) -> list[str]:
    """What is wrong with MESSAGE against FIELDS (all required) and OPTIONAL: missing, unexpected, or
    wrongly shaped fields ("type" excepted). Empty when it fits exactly."""
    optional = optional or {}
    problems = [f"missing {name!r}" for name in fields if name not in message]
    for name, value in message.items():
        if name == "type":
            continue
        spec = fields.get(name, optional.get(name))
        if name not in fields and name not in optional:
            problems.append(f"unexpected {name!r}")
        elif not matches(value, spec):
            problems.append(f"{name!r} is not {spec!r}: {value!r}")
    return problems
