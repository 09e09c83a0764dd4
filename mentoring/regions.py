"""Hyogo's ten local areas (県民局・県民センター の管内), used as "neighbouring" in matching: a
mentor in 加古川市 is near a mentee in 明石市.  Kobe's wards belong to 神戸."""

from __future__ import annotations

AREAS = {
    "神戸": ["神戸市"],
    "阪神南": ["尼崎市", "西宮市", "芦屋市"],
    "阪神北": ["伊丹市", "宝塚市", "川西市", "三田市", "猪名川町"],
    "東播磨": ["明石市", "加古川市", "高砂市", "稲美町", "播磨町"],
    "北播磨": ["西脇市", "三木市", "小野市", "加西市", "加東市", "多可町"],
    "中播磨": ["姫路市", "神河町", "市川町", "福崎町"],
    "西播磨": ["相生市", "たつの市", "赤穂市", "宍粟市", "太子町", "上郡町", "佐用町"],
    "但馬": ["豊岡市", "養父市", "朝来市", "香美町", "新温泉町"],
    "丹波": ["丹波篠山市", "丹波市"],
    "淡路": ["洲本市", "南あわじ市", "淡路市"],
}
AREA_OF = {name: area for area, names in AREAS.items() for name in names}


def area_of(municipality) -> str | None:
    """The area of a municipality (a ward: its city's area); None outside Hyogo or unknown."""
    if municipality is None:
        return None
    city = municipality.parent if municipality.parent_id else municipality
    return AREA_OF.get(city.name)


def city_id(municipality) -> int | None:
    if municipality is None:
        return None
    return municipality.parent_id or municipality.pk
