//! Text normalisation: one spelling for the many ways the same address is typed.
//!
//! People type addresses on phones, copy them from forms and dictate them to call
//! takers, so the same place arrives with full-width digits (１５号), stray spaces,
//! lower-case letters (b栋), Chinese punctuation and brackets. Everything downstream
//! (division names, keywords, numbers) works on the normalised form only, and both the
//! registry and the queries go through the same function, so they can be compared.

/// Normalises widths, case, spaces and punctuation.
///
/// - full-width ASCII (`１５＃Ｂ`) becomes ASCII (`15#B`), letters become upper case;
/// - whitespace, control characters and format characters disappear;
/// - dashes, tildes and slashes of every kind become `-` (they join `8-2-301`);
/// - brackets, quotes and sentence punctuation disappear (they never carry meaning
///   in an address, and names such as `（其他片区）` read the same without them);
/// - `#` stays: `16#楼` is a building.
///
/// Chinese numerals are left alone here: whether `三` is a number depends on what
/// follows it, which is the parser's business (see [`crate::numerals`]).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = fold_width(c);
        match c {
            'a'..='z' => out.push(c.to_ascii_uppercase()),
            'A'..='Z' | '0'..='9' | '#' => out.push(c),
            '-' | '~' | '/' | '\\' | '_' | '—' | '–' | '―' | '‐' | '‑' | '−' | '～' | '〜' =>
            {
                out.push('-');
            }
            _ if c.is_whitespace() || c.is_control() => {}
            _ if is_dropped_punctuation(c) => {}
            // Private-use and replacement characters come from broken encodings; they
            // are noise, not part of any name.
            '\u{FFFD}' | '\u{E000}'..='\u{F8FF}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Maps full-width forms (U+FF01–U+FF5E) and the ideographic space to ASCII.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Punctuation that separates or decorates but never names anything.
fn is_dropped_punctuation(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '「'
            | '」'
            | '『'
            | '』'
            | '"'
            | '\''
            | '`'
            | '“'
            | '”'
            | '‘'
            | '’'
            | ','
            | '，'
            | '、'
            | '。'
            | '.'
            | ';'
            | '；'
            | ':'
            | '：'
            | '!'
            | '！'
            | '?'
            | '？'
            | '·'
            | '•'
            | '・'
            | '…'
            | '|'
            | '*'
            | '+'
            | '='
            | '@'
            | '$'
            | '%'
            | '^'
            | '&'
    )
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn full_width_digits_letters_and_signs_become_ascii() {
        assert_eq!(normalize("１５号Ｂ栋１６＃楼"), "15号B栋16#楼");
    }

    #[test]
    fn spaces_punctuation_and_brackets_disappear() {
        assert_eq!(
            normalize(" 和平路 66号，（和平小区） 1幢\t"),
            "和平路66号和平小区1幢"
        );
    }

    #[test]
    fn every_kind_of_dash_becomes_a_hyphen_and_letters_become_upper_case() {
        assert_eq!(normalize("8—2－301b"), "8-2-301B");
    }
}
