"""Name and ふりがな validation shared by the sign-up and profile forms."""

import pytest
from django import forms
from django.utils import translation

from lms.forms import HoneypotMixin, ProfileForm, SignupForm, clean_kana, normalise_name
from lms.models import Municipality, Profession

KANA_MESSAGE = "Please write your name in hiragana or katakana (for example: ひょうご はなこ)."
VALID = {"full_name": "兵庫 花子", "full_name_kana": "ひょうご はなこ", "accept_privacy": "on"}


def signup_form(**overrides) -> SignupForm:
    return SignupForm(data={**VALID, **overrides})


@pytest.mark.parametrize(
    ("kana", "cleaned"),
    [
        ("ひょうご はなこ", "ひょうご はなこ"),
        ("ヒョウゴ ハナコ", "ヒョウゴ ハナコ"),
        ("ﾋｮｳｺﾞ ﾊﾅｺ", "ヒョウゴ ハナコ"),  # half-width katakana, NFKC to full-width
        ("ｻﾄｳ　ﾕｰｺ", "サトウ ユーコ"),  # ideographic space and half-width prolonged mark
        ("  やまだ   たろう ", "やまだ たろう"),
    ],
)
def test_signup_form_kana_accepts_hiragana_and_katakana_and_normalises(kana, cleaned):
    form = signup_form(full_name_kana=kana)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name_kana"] == cleaned


@pytest.mark.parametrize("kana", ["兵庫 花子", "Hyogo Hanako", "ひょうご hanako", "ひょうご123"])
def test_signup_form_kana_rejects_kanji_and_latin_with_a_translated_message(kana):
    with translation.override("ja"):
        form = signup_form(full_name_kana=kana)
        assert not form.is_valid()
        errors = form.errors["full_name_kana"]

    assert list(form.errors) == ["full_name_kana"]
    assert len(errors) == 1
    assert isinstance(errors[0], str)
    assert errors[0]
    with translation.override("ja"):
        expected = translation.gettext(KANA_MESSAGE)
    assert errors[0] == expected  # translated once the ja catalogue is compiled


def test_signup_form_accepts_full_width_and_variant_kanji_names_unchanged():
    form = signup_form(full_name="髙橋　﨑子", full_name_kana="たかはし さきこ")

    assert form.is_valid(), form.errors
    # 髙 and 﨑 survive NFKC; only the ideographic space is folded.
    assert form.cleaned_data["full_name"] == "髙橋 﨑子"


@pytest.mark.parametrize("name", ["兵庫\x07花子", "兵庫\x1b[31m花子", "兵庫\u0085花子\x7f"])
def test_signup_form_name_rejects_control_characters(name):
    form = signup_form(full_name=name)

    assert not form.is_valid()
    assert "full_name" in form.errors


def test_signup_form_name_is_required_and_limited_to_100_characters():
    assert "full_name" in signup_form(full_name="   ").errors
    assert "full_name" in signup_form(full_name="あ" * 101).errors
    assert signup_form(full_name="あ" * 100).is_valid()


def test_clean_kana_and_normalise_name_are_pure_functions():
    assert normalise_name("ﾃｽﾄ\u3000 ﾃｽﾄ") == "テスト テスト"
    assert normalise_name(None) == ""
    assert clean_kana("") == ""
    assert clean_kana("ゔぁいおりん・ヴァイオリン") == "ゔぁいおりん・ヴァイオリン"


@pytest.mark.django_db
def test_profile_form_validates_kana_and_saves_profile_fields(user):
    ward = Municipality.objects.get(code="281107")
    nurse = Profession.objects.get(slug="public-health-nurse")
    bad = ProfileForm(
        instance=user,
        data={"full_name": "兵庫 花子", "full_name_kana": "Hanako", "preferred_language": "ja"},
    )
    good = ProfileForm(
        instance=user,
        data={
            "full_name": "兵庫　花子",
            "full_name_kana": "ﾋｮｳｺﾞ ﾊﾅｺ",
            "profession": nurse.pk,
            "municipality": ward.pk,
            "organisation_name": "中央区社協",
            "preferred_language": "en",
        },
    )

    assert not bad.is_valid()
    assert list(bad.errors) == ["full_name_kana"]
    assert good.is_valid(), good.errors
    good.save()
    user.refresh_from_db()
    assert (user.full_name, user.full_name_kana) == ("兵庫 花子", "ヒョウゴ ハナコ")
    assert (user.profession, user.municipality, user.preferred_language) == (nurse, ward, "en")


@pytest.mark.django_db
def test_profile_form_offers_kobe_wards_and_leaves_profession_optional(user):
    form = ProfileForm(instance=user)

    assert form.fields["municipality"].queryset.filter(code="281107").exists()
    assert form.fields["profession"].required is False
    assert form.fields["municipality"].required is False


def test_normalise_name_keeps_compatibility_kanji_people_use_in_their_names():
    # 塚 (U+FA10) would become 塚 under plain NFKC; a name must stay as the person wrote it.
    assert normalise_name("\ufa10本　ﾊﾅｺ") == "\ufa10本 ハナコ"


@pytest.mark.parametrize("name", ["\u200b", "兵庫\u202e花子", "兵庫\u200b花子"])
def test_signup_form_rejects_invisible_characters_in_names(name):
    form = signup_form(full_name=name)
    assert not form.is_valid()
    assert "full_name" in form.errors


def test_profile_form_rejects_control_characters_in_the_organisation_name(user):
    form = ProfileForm(
        data={**VALID, "organisation_name": "社協\x1b[31m", "preferred_language": "ja"},
        instance=user,
    )
    assert not form.is_valid()
    assert "organisation_name" in form.errors


class _BaitForm(HoneypotMixin):
    honeypot_field = "nickname"
    name = forms.CharField()


def test_honeypot_mixin_uses_the_configured_name_in_its_place_among_the_fields():
    assert list(_BaitForm().fields) == ["nickname", "name"]
    assert _BaitForm(data={"name": "x", "nickname": "spam"}).is_bot()
    assert not _BaitForm(data={"name": "x", "nickname": "  "}).is_bot()
    assert _BaitForm(prefix="p", data={"p-nickname": "spam"}).is_bot()


def test_a_form_without_its_honeypot_field_is_never_a_bot():
    form = _BaitForm(data={"nickname": "spam"})
    del form.fields["nickname"]

    assert not form.is_bot()


@pytest.mark.django_db
def test_values_model_choice_field_lists_what_str_would_and_returns_the_instance(home_page):
    """The volunteer list's "enrol in a run" select: options from plain values, labelled as
    CourseRun.__str__ reads, the chosen value still looked up in (and limited to) the queryset."""
    from django import forms as django_forms

    from courses.models import CourseRun
    from lms.forms import ValuesModelChoiceField
    from tests.factories import CourseRunFactory

    runs = [CourseRunFactory(title=f"第{n}期") for n in (1, 2)]
    outside = CourseRunFactory(title="対象外")

    class RunForm(django_forms.Form):
        run = ValuesModelChoiceField(
            queryset=CourseRun.objects.exclude(pk=outside.pk).order_by("pk"),
            label_fields=("course__title", "title"),
            label_format="{} {}",
        )

    options = list(RunForm().fields["run"].choices)
    assert options == [("", "---------")] + [(run.pk, str(run)) for run in runs]
    chosen = RunForm({"run": str(runs[1].pk)})
    assert chosen.is_valid() and chosen.cleaned_data["run"] == runs[1]
    assert not RunForm({"run": str(outside.pk)}).is_valid()


# --- Long selects written out in Python (lms.forms.QuickSelect) ------------------------------


def _html_of(form) -> dict[str, str]:
    return {bound.name: str(bound) for bound in form}


@pytest.mark.django_db
def test_the_catalogue_filters_render_as_django_renders_them():
    from django import forms as django_forms

    from courses.forms import CatalogueFilterForm
    from lms.forms import QuickSelect, quick_selects

    plain = CatalogueFilterForm()
    selects = [
        name for name, field in plain.fields.items() if type(field.widget) is django_forms.Select
    ]
    assert {"field", "profession", "municipality", "format", "kind"} <= set(selects)
    # Each select set to its last choice (the municipalities end with wards of a city).
    data = {name: str(list(plain.fields[name].choices)[-1][0]) for name in selects}

    for bound in (None, data, {"municipality": "<nonsense>"}):
        quick = quick_selects(CatalogueFilterForm(bound))
        assert all(type(quick.fields[name].widget) is QuickSelect for name in selects)
        assert _html_of(quick) == _html_of(CatalogueFilterForm(bound))
    assert " selected>" in str(quick_selects(CatalogueFilterForm(data))["municipality"])


@pytest.mark.django_db
def test_a_select_with_option_groups_is_left_to_django(django_assert_num_queries):
    from django import forms as django_forms

    from lms.forms import quick_selects
    from lms.models import Municipality

    class Grouped(django_forms.Form):
        place = django_forms.ChoiceField(
            choices=[("兵庫", [("kobe", "神戸市"), ("himeji", "姫路市")]), ("other", "<県外>")]
        )
        city = django_forms.ModelChoiceField(
            queryset=Municipality.objects.select_related("parent").order_by("pk")
        )

    quick, plain = quick_selects(Grouped({"place": "himeji"})), Grouped({"place": "himeji"})
    assert _html_of(quick) == _html_of(plain)
    assert "<optgroup" in str(quick["place"]) and "&lt;県外&gt;" in str(quick["place"])
    with django_assert_num_queries(1):  # a model field's choices are read once, not counted
        str(quick["city"])
