import pytest

from workos.kernel.registry import Registry, RegistryError


def test_registry_refuses_duplicates_unknown_keys_and_new_keys_after_start_up():
    registry = Registry("widget type")
    registry.register("table", object())

    with pytest.raises(RegistryError, match="widget type 'table' is already registered"):
        registry.register("table", object())
    with pytest.raises(RegistryError, match="unknown widget type 'chart'; known: table"):
        registry.get("chart")
    registry.freeze()
    with pytest.raises(RegistryError, match="frozen after start-up"):
        registry.register("kanban", object())
    assert list(registry) == ["table"]
