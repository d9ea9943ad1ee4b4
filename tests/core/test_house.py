"""The house the core is built as (docs/architecture.md, "The house rules").

import-linter keeps the layers, the public faces and the absence of cycles (``make lint``). These tests
keep what it cannot see: no use case is handed a store port method it never calls, and every capability
package says what it owns.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
import typing
from types import ModuleType

import bot.core

CAPABILITIES = ("interviews", "prompts", "progress", "members", "catalog", "peers")
PORT_MODULES = ("store", "events", "scoring")
"""Store ports are the Protocols declared in a capability's ``store`` module, ``bot.core.outbox.store``,
``bot.core.events`` and ``bot.core.scoring`` (``ScoreWriter``), and compositions of them."""


def core_modules() -> list[ModuleType]:
    names = [info.name for info in pkgutil.walk_packages(bot.core.__path__, "bot.core.")]
    return [importlib.import_module(name) for name in ["bot.core", *names]]


def is_store_port(annotation: object) -> bool:
    if not (inspect.isclass(annotation) and getattr(annotation, "_is_protocol", False)):
        return False
    return any(
        base.__module__.startswith("bot.core.") and base.__module__.rsplit(".", 1)[-1] in PORT_MODULES
        for base in annotation.__mro__
        if getattr(base, "_is_protocol", False)
    )


def port_methods(protocol: type) -> set[str]:
    methods: set[str] = set()
    for base in protocol.__mro__:
        if getattr(base, "_is_protocol", False) and base.__module__.startswith("bot.core."):
            methods |= {name for name, value in vars(base).items()
                        if inspect.isfunction(value) and not name.startswith("_")}
    return methods


def calls_through(cls: type, attribute: str) -> set[str]:
    """Method names called as ``self.<attribute>.<name>(...)`` anywhere in the class body."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (isinstance(owner, ast.Attribute) and owner.attr == attribute
                    and isinstance(owner.value, ast.Name) and owner.value.id == "self"):
                called.add(node.func.attr)
    return called


def stored_as(cls: type, parameter: str) -> str:
    """The attribute ``__init__`` keeps a parameter in (``self._store = store``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.__init__)))  # type: ignore[misc]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == parameter
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute)):
            return node.targets[0].attr
    raise AssertionError(f"{cls.__qualname__}.__init__ does not keep {parameter!r}")


def use_cases() -> list[tuple[type, str, type]]:
    """(use case class, parameter, store port) for every class in the core handed a store port."""
    found = []
    for module in core_modules():
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__ or "__init__" not in vars(cls):
                continue
            if module.__name__ == "bot.core.service":
                continue  # the composition root is the one place that sees every port at once
            hints = typing.get_type_hints(cls.__init__)
            found += [(cls, name, hint) for name, hint in hints.items() if name != "return" and is_store_port(hint)]
    return found


def test_the_core_has_use_cases_on_narrow_ports() -> None:
    names = {cls.__name__ for cls, _, _ in use_cases()}
    assert {"Interviews", "InterviewDelivery", "DailyPrompts", "PromptDelivery", "Schedules", "Practice",
            "Standings", "Members", "Dispatcher"} <= names


def test_no_use_case_is_handed_a_port_method_it_does_not_call() -> None:
    unused = []
    for cls, parameter, port in use_cases():
        attribute = stored_as(cls, parameter)
        missing = port_methods(port) - calls_through(cls, attribute)
        if missing:
            unused.append(f"{cls.__qualname__}({parameter}: {port.__name__}) never calls {sorted(missing)}")
    assert unused == []


def test_the_check_sees_a_port_method_that_is_not_called() -> None:
    from bot.core.members import MemberStore

    class Lookup:
        def __init__(self, *, store: MemberStore) -> None:
            self._store = store

        async def find(self) -> object:
            return await self._store.get_member(None)  # type: ignore[arg-type]

    assert port_methods(MemberStore) - calls_through(Lookup, stored_as(Lookup, "store")) == {"ensure_member"}


def test_every_capability_package_says_what_it_owns() -> None:
    for name in (*CAPABILITIES, "outbox"):
        package = importlib.import_module(f"bot.core.{name}")
        doc = package.__doc__ or ""
        assert "Owns" in doc, f"bot.core.{name} has no docstring saying what it owns"


def test_the_dispatcher_and_the_capabilities_know_nothing_of_the_service() -> None:
    for module in core_modules():
        if module.__name__ in {"bot.core.service"}:
            continue
        source = inspect.getsource(module)
        assert "bot.core.service" not in source, module.__name__
        assert "PracticeService" not in source, module.__name__
