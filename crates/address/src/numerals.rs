//! Chinese numerals (一二三…十百千, 两, 〇/零, 廿, and the financial forms 壹贰叁…).
//!
//! A numeral is converted to Arabic digits only where it counts something in an
//! address: before a unit such as 号, 组, 栋, 单元, 室 (`十五号` → `15号`). Elsewhere
//! it is part of a name and stays (`三里屯`, `七星区`, `五一路`), because turning every
//! `三` into `3` would corrupt names that the division table and the registry spell
//! with characters. Name keys used for fuzzy comparison convert everything (see
//! [`convert_all`]), which is harmless there because both sides get the same key.

/// The value of a numeral digit character, if it is one.
pub fn digit_value(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '0' => 0,
        '一' | '壹' | '1' => 1,
        '二' | '贰' | '两' | '2' => 2,
        '三' | '叁' | '3' => 3,
        '四' | '肆' | '4' => 4,
        '五' | '伍' | '5' => 5,
        '六' | '陆' | '6' => 6,
        '七' | '柒' | '7' => 7,
        '八' | '捌' | '8' => 8,
        '九' | '玖' | '9' => 9,
        _ => return None,
    })
}

/// Whether `c` belongs to a Chinese numeral (digit, unit or 廿/卅), not Arabic digits.
pub fn is_chinese_numeral(c: char) -> bool {
    !c.is_ascii_digit()
        && (digit_value(c).is_some() || unit_value(c).is_some() || matches!(c, '廿' | '卅'))
}

fn unit_value(c: char) -> Option<u64> {
    match c {
        '十' | '拾' => Some(10),
        '百' | '佰' => Some(100),
        '千' | '仟' => Some(1000),
        _ => None,
    }
}

/// Reads a run of Chinese numeral characters as a number.
///
/// With units it is positional (`二十三` = 23, `一百零八` = 108, `二百五` = 250, `廿三`
/// = 23); without units it is read digit by digit, as room numbers are spoken
/// (`三零一` = 301, `一〇一` = 101). Runs too long to be a house number give `None`.
pub fn parse_chinese(run: &[char]) -> Option<u64> {
    if run.is_empty() || run.len() > 12 {
        return None;
    }
    let has_units = run
        .iter()
        .any(|&c| unit_value(c).is_some() || matches!(c, '廿' | '卅'));
    if !has_units {
        let mut value: u64 = 0;
        for &c in run {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit_value(c)?))?;
        }
        return Some(value);
    }
    let mut total: u64 = 0;
    let mut pending: Option<u64> = None;
    let mut last_unit: u64 = 0;
    let mut zero_seen = false;
    for &c in run {
        if let Some(unit) = unit_value(c) {
            total = total.checked_add(pending.unwrap_or(1).checked_mul(unit)?)?;
            pending = None;
            last_unit = unit;
            zero_seen = false;
        } else if c == '廿' || c == '卅' {
            total = total.checked_add(if c == '廿' { 20 } else { 30 })?;
            pending = None;
            last_unit = 10;
        } else {
            let digit = u64::from(digit_value(c)?);
            if digit == 0 {
                zero_seen = true;
            }
            pending = Some(digit);
        }
    }
    if let Some(digit) = pending {
        // "二百五" is 250 and "三千二" is 3200: a bare digit after 百 or 千 counts the
        // next lower unit, unless a 零 stood between them ("一百零五" = 105).
        let scale = if last_unit >= 100 && !zero_seen {
            last_unit / 10
        } else {
            1
        };
        total = total.checked_add(digit.checked_mul(scale)?)?;
    }
    Some(total)
}

/// Whether the text right after a numeral makes it a count: `十五号`, `三组`, `二单元`,
/// `第二村民小组`.
fn starts_unit(after: &[char]) -> bool {
    let Some(&next) = after.first() else {
        return false;
    };
    match next {
        '号' | '组' | '队' | '栋' | '幢' | '座' | '单' | '门' | '层' | '楼' | '室' | '区'
        | '期' | '片' | '户' | '房' | '巷' | '弄' | '排' | '#' | '-' => true,
        // 三社 is a village group, 社区 is a community.
        '社' => after.get(1) != Some(&'区'),
        '村' => after.starts_with(&['村', '民', '小', '组']),
        '小' => after.starts_with(&['小', '组']),
        _ => false,
    }
}

/// Converts numerals that stand before an address unit into Arabic digits, and drops
/// the ordinal 第 in front of them (`第三组` → `3组`).
pub fn convert_before_units(text: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !is_chinese_numeral(text[i]) {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_chinese_numeral(text[i]) {
            i += 1;
        }
        let run = &text[start..i];
        // A spoken room number ends the address after a unit: 三单元二零一.
        let trailing_room = i == text.len()
            && run.len() >= 2
            && run.iter().all(|&c| digit_value(c).is_some())
            && start > 0
            && matches!(
                text[start - 1],
                '元' | '栋' | '幢' | '座' | '楼' | '层' | '号' | '#' | '门'
            );
        let counts = trailing_room || starts_unit(&text[i..]);
        match parse_chinese(run).filter(|_| counts) {
            Some(value) => {
                if out.last() == Some(&'第') {
                    out.pop();
                }
                push_number(&mut out, value);
            }
            None => out.extend_from_slice(run),
        }
    }
    out
}

/// Converts every numeral run, for name keys: `中山一路` and `中山1路` get one key.
pub fn convert_all(text: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !is_chinese_numeral(text[i]) {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_chinese_numeral(text[i]) {
            i += 1;
        }
        match parse_chinese(&text[start..i]) {
            Some(value) => push_number(&mut out, value),
            None => out.extend_from_slice(&text[start..i]),
        }
    }
    out
}

fn push_number(out: &mut Vec<char>, value: u64) {
    let mut digits = [0u8; 20];
    let mut n = value;
    let mut len = 0;
    loop {
        digits[len] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn value(s: &str) -> Option<u64> {
        parse_chinese(&chars(s))
    }

    #[test]
    fn positional_numerals_read_as_written() {
        assert_eq!(value("十五"), Some(15));
        assert_eq!(value("二十"), Some(20));
        assert_eq!(value("一百零八"), Some(108));
        assert_eq!(value("二百五"), Some(250));
        assert_eq!(value("廿三"), Some(23));
        assert_eq!(value("叁拾壹"), Some(31));
        assert_eq!(value("两千零一"), Some(2001));
    }

    #[test]
    fn numerals_without_units_read_digit_by_digit() {
        assert_eq!(value("三零一"), Some(301));
        assert_eq!(value("一〇一"), Some(101));
    }

    #[test]
    fn only_numerals_before_a_unit_are_converted() {
        let converted: String = convert_before_units(&chars("三里屯十五号第二组二单元"))
            .into_iter()
            .collect();
        assert_eq!(converted, "三里屯15号2组2单元");
    }

    #[test]
    fn a_village_group_counts_but_a_community_does_not() {
        let group: String = convert_before_units(&chars("三社")).into_iter().collect();
        let community: String = convert_before_units(&chars("三社区")).into_iter().collect();
        assert_eq!(group, "3社");
        assert_eq!(community, "三社区");
    }

    #[test]
    fn a_spoken_room_number_at_the_end_is_converted() {
        let room: String = convert_before_units(&chars("1幢3单元二零一"))
            .into_iter()
            .collect();
        assert_eq!(room, "1幢3单元201");
        let name: String = convert_before_units(&chars("和平里五一"))
            .into_iter()
            .collect();
        assert_eq!(name, "和平里五一");
    }

    #[test]
    fn a_village_group_may_be_spelt_in_full() {
        let group: String = convert_before_units(&chars("第二村民小组"))
            .into_iter()
            .collect();
        assert_eq!(group, "2村民小组");
    }
}
