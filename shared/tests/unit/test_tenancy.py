import pytest

from hoppid.shared.tenancy import Office, OfficeRegistry, TenancyError, load_registry


def test_every_municipality_of_the_county_is_known_and_served() -> None:
    registry = load_registry()
    assert len(registry.municipalities) == 27
    assert registry.municipalities["1539"].name == "Rauma"
    assert registry.municipalities["1508"].name == "Ålesund"
    for number in registry.municipalities:
        assert registry.office_for_municipality(number) is not None, number


def test_rauma_is_served_by_nordveggen() -> None:
    office = load_registry().office_for_municipality("1539")
    assert office is not None
    assert office.id == "nordveggen"
    assert office.yearly_budget_eur == 32000


def test_adding_an_office_is_data() -> None:
    registry = load_registry()
    registry.add(
        Office(
            id="nordveggen",
            name="Nordveggen",
            municipalities=("1539",),
            contact_email="ny@nordveggen.example",
        )
    )
    assert registry.office("nordveggen").contact_email == "ny@nordveggen.example"  # type: ignore[union-attr]


def test_inconsistent_office_data_is_refused() -> None:
    registry = load_registry()
    with pytest.raises(TenancyError, match="served by nordveggen"):
        registry.add(
            Office(id="rival", name="Rival", municipalities=("1539",), contact_email="r@r.example")
        )
    with pytest.raises(TenancyError, match="unknown municipality 9999"):
        registry.add(
            Office(
                id="nowhere", name="Nowhere", municipalities=("9999",), contact_email="n@n.example"
            )
        )
    assert isinstance(registry, OfficeRegistry)


def test_office_fields_are_validated() -> None:
    with pytest.raises(ValueError):
        Office(id="Bad Id", name="x", municipalities=("1539",), contact_email="a@b.no")
    with pytest.raises(ValueError):
        Office(id="ok", name="x", municipalities=("153",), contact_email="a@b.no")
    with pytest.raises(ValueError):
        Office(id="ok", name="x", municipalities=("1539",), contact_email="not-an-email")
