"""The reference taxonomies loaded by the data migration ``lms.0002_load_taxonomies``."""

import pytest
from django.apps import apps
from django.utils import translation

from lms.models import (
    Field,
    Municipality,
    MunicipalityKind,
    OrganisationGroup,
    OrganisationType,
    Profession,
)
from lms.taxonomy_data import lg_code, lg_code_check_digit, load_taxonomies

pytestmark = pytest.mark.django_db


def test_municipalities_cover_29_cities_12_towns_9_kobe_wards_and_outside_hyogo():
    counts = {kind: Municipality.objects.filter(kind=kind).count() for kind in MunicipalityKind}

    assert counts == {
        MunicipalityKind.CITY: 29,
        MunicipalityKind.TOWN: 12,
        MunicipalityKind.WARD: 9,
        MunicipalityKind.OUTSIDE: 1,
    }
    kobe = Municipality.objects.get(name="神戸市")
    assert set(
        Municipality.objects.filter(kind=MunicipalityKind.WARD).values_list("parent", flat=True)
    ) == {kobe.pk}
    outside = Municipality.objects.get(kind=MunicipalityKind.OUTSIDE)
    assert outside.code is None
    assert outside.name == "兵庫県外"


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("281000", "神戸市", "city"),
        ("282014", "姫路市", "city"),
        ("283011", "猪名川町", "town"),
        ("281107", "中央区", "ward"),
        ("285862", "新温泉町", "town"),
    ],
)
def test_municipality_codes_carry_the_official_check_digit(code, name, kind):
    municipality = Municipality.objects.get(code=code)

    assert municipality.name == name
    assert municipality.kind == kind


def test_lg_code_check_digit_follows_the_soumusho_rule():
    assert lg_code_check_digit("28100") == "0"
    assert lg_code_check_digit("28201") == "4"
    assert lg_code_check_digit("28301") == "1"
    assert lg_code("28110") == "281107"
    with pytest.raises(ValueError, match="five-digit"):
        lg_code_check_digit("2810")
    with pytest.raises(ValueError):
        lg_code_check_digit("28a00")


def test_every_loaded_code_is_six_digits_with_a_valid_check_digit():
    codes = list(Municipality.objects.exclude(code=None).values_list("code", flat=True))

    assert len(codes) == 50
    assert all(len(code) == 6 and code == lg_code(code[:5]) for code in codes)


def test_ward_display_name_includes_kobe_in_japanese_and_english():
    ward = Municipality.objects.select_related("parent").get(code="281107")

    with translation.override("ja"):
        assert ward.display_name == "神戸市 中央区"
        assert str(ward) == "神戸市 中央区"
    with translation.override("en"):
        assert ward.display_name == "Kobe Chuo"


def test_taxonomy_display_names_switch_to_english_under_en():
    himeji = Municipality.objects.get(code="282014")
    bosai = Field.objects.get(slug="disaster-prevention")
    nurse = Profession.objects.get(slug="public-health-nurse")

    with translation.override("en"):
        assert (himeji.display_name, bosai.display_name, nurse.display_name) == (
            "Himeji",
            "Disaster prevention",
            "Public health nurse",
        )
    with translation.override("ja"):
        assert (himeji.display_name, bosai.display_name, nurse.display_name) == (
            "姫路市",
            "防災",
            "保健師",
        )


def test_fields_include_the_platform_document_fields_in_document_order():
    names = list(Field.objects.values_list("name", flat=True))

    for expected in (
        "防災",
        "ひきこもり",
        "子育て",
        "多文化共生",
        "性的マイノリティ",
        "フードバンク",
    ):
        assert expected in names
    assert len(names) == len(set(names)) >= 21
    assert names[0] == "教育"
    assert names.index("防災") < names.index("ひきこもり")


def test_organisation_groups_are_the_five_groups_each_with_its_own_other_type():
    groups = list(OrganisationGroup.objects.values_list("name", flat=True))

    assert groups == [
        "地方公共団体",
        "当事者支援を行う民間団体",
        "その他関係団体",
        "民間企業",
        "地域活動団体・支援者",
    ]
    for group in OrganisationGroup.objects.all():
        assert group.types.filter(name=f"その他（{group.name}）").exists()
    assert OrganisationType.objects.get(name="社会福祉協議会").group.slug == "private-support"


def test_load_taxonomies_is_idempotent():
    models = (Field, Profession, OrganisationGroup, OrganisationType, Municipality)
    before = {model.__name__: model.objects.count() for model in models}
    Field.objects.filter(slug="disaster-prevention").update(name_en="changed by hand")

    load_taxonomies(apps)

    assert {model.__name__: model.objects.count() for model in models} == before
    assert Field.objects.get(slug="disaster-prevention").name_en == "Disaster prevention"
