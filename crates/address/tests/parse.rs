//! Parsing free text into components, one rule at a time.

use fengqiao_address::{Components, parse};

fn parts(text: &str) -> Components {
    parse(text)
}

#[test]
fn a_rural_address_yields_village_group_and_door() {
    let c = parts("甘肃省定西市渭源县会川镇本庙村三社12号");
    assert_eq!(c.province.as_deref(), Some("甘肃省"));
    assert_eq!(c.city.as_deref(), Some("定西市"));
    assert_eq!(c.county.as_deref(), Some("渭源县"));
    assert_eq!(c.township.as_deref(), Some("会川镇"));
    assert_eq!(c.community.as_deref(), Some("本庙村"));
    assert_eq!(c.group.as_deref(), Some("3"));
    assert_eq!(c.door_number.as_deref(), Some("12"));
    assert_eq!(c.division_code.as_deref(), Some("621123102000"));
}

#[test]
fn an_urban_address_yields_road_door_compound_building_unit_and_room() {
    let c = parts("和平路66号和平小区1幢3单元201室");
    assert_eq!(c.road.as_deref(), Some("和平路"));
    assert_eq!(c.door_number.as_deref(), Some("66"));
    assert_eq!(c.compound.as_deref(), Some("和平小区"));
    assert_eq!(c.building.as_deref(), Some("1"));
    assert_eq!(c.unit.as_deref(), Some("3"));
    assert_eq!(c.room.as_deref(), Some("201"));
    assert_eq!(c.rest, None);
}

#[test]
fn a_dashed_triple_is_building_unit_and_room() {
    let c = parts("沧浪新村8-2-301");
    assert_eq!(
        (c.building.as_deref(), c.unit.as_deref(), c.room.as_deref()),
        (Some("8"), Some("2"), Some("301"))
    );
}

#[test]
fn a_hash_after_a_number_marks_a_building() {
    assert_eq!(parts("西电家属区16#楼").building.as_deref(), Some("16"));
    assert_eq!(parts("西电家属区16#").building.as_deref(), Some("16"));
}

#[test]
fn a_hash_right_after_a_road_is_a_door_number() {
    let c = parts("文清路99#");
    assert_eq!(c.door_number.as_deref(), Some("99"));
    assert_eq!(c.building, None);
    assert_eq!(parts("枫源村2组15#").door_number.as_deref(), Some("15"));
    assert_eq!(parts("和平小区16#").building.as_deref(), Some("16"));
}

#[test]
fn a_number_with_hao_inside_a_unit_is_a_room() {
    let c = parts("和平小区1幢3单元301号");
    assert_eq!(c.room.as_deref(), Some("301"));
    assert_eq!(c.door_number, None);
}

#[test]
fn a_village_group_spelt_in_full_is_a_group() {
    assert_eq!(parts("枫源村第二村民小组15号").group.as_deref(), Some("2"));
    assert_eq!(parts("枫源村三小组").group.as_deref(), Some("3"));
}

#[test]
fn building_words_all_mean_building() {
    for text in [
        "和平小区3号楼",
        "和平小区3栋",
        "和平小区3幢",
        "和平小区3座",
        "和平小区三号楼",
    ] {
        assert_eq!(parts(text).building.as_deref(), Some("3"), "{text}");
    }
    assert_eq!(parts("科兴科学园B栋").building.as_deref(), Some("B"));
}

#[test]
fn full_width_digits_and_letters_are_read_as_ascii() {
    let c = parts("学府路５２号Ａ座");
    assert_eq!(c.door_number.as_deref(), Some("52"));
    assert_eq!(c.building.as_deref(), Some("A"));
}

#[test]
fn chinese_numerals_before_units_become_digits() {
    let c = parts("战旗村五组三十六号");
    assert_eq!(c.group.as_deref(), Some("5"));
    assert_eq!(c.door_number.as_deref(), Some("36"));
    let room = parts("沧浪新村八栋二单元三零一室");
    assert_eq!(room.room.as_deref(), Some("301"));
    assert_eq!(parts("枫源村廿组").group.as_deref(), Some("20"));
    assert_eq!(parts("幸福里两号楼").building.as_deref(), Some("2"));
    assert_eq!(parts("本庙村第〇一社").group.as_deref(), Some("1"));
}

#[test]
fn numerals_inside_names_stay_as_written() {
    let c = parts("三里屯路十号");
    assert_eq!(c.road.as_deref(), Some("三里屯路"));
    assert_eq!(c.door_number.as_deref(), Some("10"));
}

#[test]
fn floor_and_building_are_told_apart_by_context() {
    let floor = parts("颐和国际A座15楼1501室");
    assert_eq!(floor.building.as_deref(), Some("A"));
    assert_eq!(floor.floor.as_deref(), Some("15"));
    assert_eq!(floor.room.as_deref(), Some("1501"));
    let building = parts("望京西园3区312楼");
    assert_eq!(building.building.as_deref(), Some("312"));
    assert_eq!(building.floor, None);
    assert_eq!(parts("和平小区2栋5层").floor.as_deref(), Some("5"));
    assert_eq!(parts("和平小区2栋3F").floor.as_deref(), Some("3"));
}

#[test]
fn a_numbered_sub_area_belongs_to_its_compound() {
    assert_eq!(
        parts("望京西园三区311号楼").compound.as_deref(),
        Some("望京西园3区")
    );
}

#[test]
fn sections_and_clusters_of_a_compound_belong_to_it() {
    let section = parts("望月湖小区六片12栋");
    assert_eq!(section.compound.as_deref(), Some("望月湖小区6片"));
    assert_eq!(section.building.as_deref(), Some("12"));
    let cluster = parts("回龙观小区3组团5号楼");
    assert_eq!(cluster.compound.as_deref(), Some("回龙观小区3组团"));
    assert_eq!(cluster.group, None);
    assert_eq!(cluster.building.as_deref(), Some("5"));
}

#[test]
fn a_numbered_courtyard_is_both_door_and_compound() {
    let c = parts("南池子大街十二号院13号楼2门");
    assert_eq!(c.door_number.as_deref(), Some("12"));
    assert_eq!(c.compound.as_deref(), Some("12号院"));
    assert_eq!(c.building.as_deref(), Some("13"));
    assert_eq!(c.unit.as_deref(), Some("2"));
}

#[test]
fn a_shanghai_lane_stays_with_its_road() {
    let c = parts("淮海中路1555弄3号");
    assert_eq!(c.road.as_deref(), Some("淮海中路1555弄"));
    assert_eq!(c.door_number.as_deref(), Some("3"));
}

#[test]
fn filler_words_leave_no_trace() {
    for text in [
        "文清路199号对面",
        "和平小区十一幢楼下",
        "枫桥派出所门口",
        "发展大道88号附近",
        "和平南路45号旁边",
        "战旗村5组36号往东50米",
        "和平路路口",
        "家住文清路199号",
    ] {
        let c = parts(text);
        assert_eq!(c.rest, None, "{text}: {c:?}");
    }
}

#[test]
fn a_landmark_is_a_poi() {
    assert_eq!(parts("枫桥派出所").poi.as_deref(), Some("枫桥派出所"));
    assert_eq!(
        parts("青年路100号昆明市第一人民医院").poi.as_deref(),
        Some("昆明市第一人民医院")
    );
}

#[test]
fn unknown_text_is_kept_as_rest() {
    assert_eq!(parts("枫源村2组15号张三家").rest.as_deref(), Some("张三家"));
}

#[test]
fn short_and_full_division_names_give_the_official_name() {
    let c = parts("广西南宁民族大道100号");
    assert_eq!(c.province.as_deref(), Some("广西壮族自治区"));
    assert_eq!(c.city.as_deref(), Some("南宁市"));
    assert_eq!(parts("浙江绍兴诸暨").county.as_deref(), Some("诸暨市"));
    assert_eq!(
        parts("宿迁经开区发展大道88号").county.as_deref(),
        Some("宿迁经济技术开发区")
    );
    assert_eq!(
        parts("延边和龙市").city.as_deref(),
        Some("延边朝鲜族自治州")
    );
}

#[test]
fn a_street_office_is_a_township() {
    let c = parts("东城区东华门街道办事处南池子大街12号");
    assert_eq!(c.township.as_deref(), Some("东华门街道"));
    assert_eq!(c.road.as_deref(), Some("南池子大街"));
}

#[test]
fn an_ambiguous_district_has_a_name_but_no_code() {
    let c = parts("朝阳区桂林路33号");
    assert_eq!(c.county.as_deref(), Some("朝阳区"));
    assert_eq!(c.province, None);
    assert_eq!(c.division_code, None);
    let beijing = parts("北京朝阳区");
    assert_eq!(beijing.division_code.as_deref(), Some("110105000000"));
}

#[test]
fn a_short_name_before_a_road_suffix_is_part_of_the_road() {
    let c = parts("中山大道888号");
    assert_eq!(c.city, None);
    assert_eq!(c.road.as_deref(), Some("中山大道"));
    let c = parts("和平小区1幢");
    assert_eq!(c.county, None);
    assert_eq!(c.compound.as_deref(), Some("和平小区"));
}

#[test]
fn a_district_inside_a_city_confirms_both() {
    let c = parts("深圳南山科技园");
    assert_eq!(c.city.as_deref(), Some("深圳市"));
    assert_eq!(c.county.as_deref(), Some("南山区"));
}

#[test]
fn a_city_without_counties_takes_its_towns() {
    let c = parts("东莞市南城街道鸿福路106号");
    assert_eq!(c.city.as_deref(), Some("东莞市"));
    assert_eq!(c.township.as_deref(), Some("南城街道"));
    assert_eq!(c.division_code.as_deref(), Some("441900004000"));
}

#[test]
fn empty_and_junk_input_parse_to_nothing_or_rest() {
    assert!(parts("").is_empty());
    assert!(parts("   \t ").is_empty());
    assert!(parts("，。、！").is_empty());
    assert_eq!(parts("\u{0}\u{1}").rest, None);
}
