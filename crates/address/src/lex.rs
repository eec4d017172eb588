//! The lexer: splits what follows the divisions into runs of name text and numbers
//! with their units (`和平路` `66号` `和平小区` `1幢` `3单元` `201室`).

/// What a number counts, from the unit written after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// 号: a door number, or a building inside a compound.
    Door,
    /// 号院: a door number that is also a courtyard (`12号院`).
    DoorCourtyard,
    /// 号楼, 栋, 幢, 座, #楼.
    Building,
    /// `#` alone: a building (`16#`), or a door right after a road (`文清路99#`).
    Hash,
    /// 楼 alone: a building (`312楼`) or a floor (`5楼501`), decided by context.
    BuildingOrFloor,
    /// 单元, 门.
    Unit,
    /// 层, F.
    Floor,
    /// 室, 房, 户.
    Room,
    /// 组, 小组, 村民小组, 社, 队.
    Group,
    /// 区, 期, 片, 组团 after a compound name (`望京西园三区`, `6片`, `3组团`).
    SubArea(&'static str),
    /// 弄, 巷, 排 after a road (`XX路100弄`).
    Lane(char),
    /// No unit: its meaning comes from what stands before it.
    Bare,
}

/// A token of the lexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A run of text between numbers.
    Run(Vec<char>),
    /// A number (possibly with letters and dashes) and its unit.
    Number { id: String, unit: Marker },
}

/// Splits `text` (normalised, numerals converted) into tokens, dropping distance
/// phrases such as `往东50米`.
pub fn lex(text: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if let Some(len) = distance_phrase(text, i) {
            flush(&mut tokens, &mut run);
            i += len;
            continue;
        }
        if let Some((id, unit, len)) = number_at(text, i) {
            if unit == Marker::Bare && inside_a_name(&run, text.get(i + len..).unwrap_or(&[])) {
                // 文1西路, 中山1路: digits in the middle of a name belong to it.
                run.extend(id.chars());
                i += len;
                continue;
            }
            if run.last() == Some(&'第') {
                run.pop();
            }
            flush(&mut tokens, &mut run);
            tokens.push(Token::Number { id, unit });
            i += len;
            continue;
        }
        run.push(text[i]);
        i += 1;
    }
    flush(&mut tokens, &mut run);
    tokens
}

/// Whether plain digits between `before` and `after` are part of a name: the text
/// before them does not end a name (`文`, not `和平路`) and a name character follows.
fn inside_a_name(before: &[char], after: &[char]) -> bool {
    let Some(&next) = after.first() else {
        return false;
    };
    let joins_next = !next.is_ascii_alphanumeric()
        && !matches!(next, '-' | '#')
        && !crate::keywords::is_all_filler(&after[..after.len().min(12)])
        && !crate::keywords::is_all_filler(&after[..after.len().min(2)]);
    !before.is_empty()
        && !before.last().is_some_and(|c| c.is_ascii_alphanumeric())
        && crate::keywords::keyword_ending(before).is_none()
        && joins_next
}

fn flush(tokens: &mut Vec<Token>, run: &mut Vec<char>) {
    if !run.is_empty() {
        tokens.push(Token::Run(std::mem::take(run)));
    }
}

fn is_letter(c: Option<&char>) -> bool {
    c.is_some_and(char::is_ascii_uppercase)
}

fn is_digit(c: Option<&char>) -> bool {
    c.is_some_and(char::is_ascii_digit)
}

/// Reads an identifier and its unit at `at`: `15号`, `16#楼`, `B栋`, `8-2-301`,
/// `A2座`, `3F`, `15之1号`.
fn number_at(text: &[char], at: usize) -> Option<(String, Marker, usize)> {
    let mut j = at;
    let mut id = String::new();
    // Beijing numbers doors 甲12号, 乙12号 beside 12号: the stem is part of the id.
    if matches!(text.get(j), Some('甲' | '乙' | '丙' | '丁')) && is_digit(text.get(j + 1)) {
        id.push(text[j]);
        j += 1;
    } else if is_letter(text.get(j)) {
        if at > 0 && is_letter(text.get(at - 1)) {
            return None;
        }
        if is_digit(text.get(j + 1)) {
            id.push(text[j]);
            j += 1;
        } else if letter_unit(text, j + 1) {
            id.push(text[j]);
            let (unit, len) = unit_at(text, j + 1);
            return Some((id, unit, j + 1 + len - at));
        } else {
            return None;
        }
    }
    if !is_digit(text.get(j)) {
        return None;
    }
    read_digits(text, &mut j, &mut id);
    loop {
        let joiner = text.get(j).copied();
        let joins = matches!(joiner, Some('-' | '之' | '附'));
        let next_is_part =
            is_digit(text.get(j + 1)) || (is_letter(text.get(j + 1)) && is_digit(text.get(j + 2)));
        if !(joins && next_is_part) {
            break;
        }
        id.push('-');
        j += 1;
        if is_letter(text.get(j)) {
            id.push(text[j]);
            j += 1;
        }
        read_digits(text, &mut j, &mut id);
    }
    // 3F is the third floor; 15A号 is door 15A.
    if text.get(j) == Some(&'F') && !is_letter(text.get(j + 1)) {
        return Some((id, Marker::Floor, j + 1 - at));
    }
    if is_letter(text.get(j)) && !is_letter(text.get(j + 1)) {
        id.push(text[j]);
        j += 1;
    }
    let (unit, len) = unit_at(text, j);
    Some((id, unit, j + len - at))
}

fn read_digits(text: &[char], j: &mut usize, id: &mut String) {
    while let Some(&c) = text.get(*j) {
        if !c.is_ascii_digit() {
            break;
        }
        id.push(c);
        *j += 1;
    }
}

/// Whether a lone letter at `at - 1` is an identifier: `B栋`, `C座`, `A区`, `B单元`.
fn letter_unit(text: &[char], at: usize) -> bool {
    matches!(
        unit_at(text, at).0,
        Marker::Building
            | Marker::Hash
            | Marker::Unit
            | Marker::SubArea(_)
            | Marker::Door
            | Marker::DoorCourtyard
    )
}

fn starts(text: &[char], at: usize, word: &str) -> bool {
    let mut chars = text.get(at..).unwrap_or(&[]).iter();
    word.chars().all(|c| chars.next() == Some(&c))
}

/// The unit written at `at`, and how many chars it takes.
fn unit_at(text: &[char], at: usize) -> (Marker, usize) {
    // A building word may be followed by 楼 (`16栋楼`), unless that 楼 starts filler
    // such as 楼下.
    let with_lou = |len: usize| {
        let after = at + len;
        let filler = ["楼下", "楼上", "楼前", "楼后", "楼旁", "楼里"]
            .iter()
            .any(|f| starts(text, after, f));
        if text.get(after) == Some(&'楼') && !filler {
            len + 1
        } else {
            len
        }
    };
    const TABLE: &[(&str, Marker)] = &[
        ("号楼", Marker::Building),
        ("号院", Marker::DoorCourtyard),
        ("号", Marker::Door),
        ("组团", Marker::SubArea("组团")),
        ("村民小组", Marker::Group),
        ("小组", Marker::Group),
        ("组", Marker::Group),
        ("队", Marker::Group),
        ("单元", Marker::Unit),
        ("层", Marker::Floor),
        ("房间", Marker::Room),
        ("室", Marker::Room),
        ("房", Marker::Room),
        ("户", Marker::Room),
        ("期", Marker::SubArea("期")),
        ("片", Marker::SubArea("片")),
        ("区", Marker::SubArea("区")),
        ("弄", Marker::Lane('弄')),
        ("巷", Marker::Lane('巷')),
        ("排", Marker::Lane('排')),
    ];
    // 72号楼下 after a road is "below number 72": the 楼 starts filler, not a
    // building word. After a compound the parser reads 号 as a building anyway.
    if starts(text, at, "号楼")
        && matches!(
            text.get(at + 2),
            Some('下' | '上' | '前' | '后' | '旁' | '里')
        )
    {
        return (Marker::Door, 1);
    }
    for word in ["栋", "幢", "座", "#楼"] {
        if starts(text, at, word) {
            return (Marker::Building, with_lou(word.chars().count()));
        }
    }
    if starts(text, at, "#") {
        return (Marker::Hash, 1);
    }
    if starts(text, at, "社") && !starts(text, at, "社区") {
        return (Marker::Group, 1);
    }
    if starts(text, at, "门") && !starts(text, at, "门口") && !starts(text, at, "门前") {
        return (Marker::Unit, 1);
    }
    if starts(text, at, "楼") {
        return (Marker::BuildingOrFloor, 1);
    }
    for (word, unit) in TABLE {
        if starts(text, at, word) {
            return (*unit, word.chars().count());
        }
    }
    (Marker::Bare, 0)
}

/// The length of a distance phrase at `at` (`往东50米`, `向北约200米处`, `东侧100米`).
fn distance_phrase(text: &[char], at: usize) -> Option<usize> {
    let mut j = at;
    let mut directed = false;
    for lead in ["距离", "往", "向", "朝", "离"] {
        if starts(text, j, lead) {
            j += lead.chars().count();
            directed = true;
            break;
        }
    }
    let mut directions = 0;
    while directions < 2
        && matches!(
            text.get(j),
            Some('东' | '南' | '西' | '北' | '前' | '后' | '左' | '右')
        )
    {
        j += 1;
        directions += 1;
    }
    if !directed && directions == 0 {
        return None;
    }
    for side in ["方向", "侧", "边", "面"] {
        if starts(text, j, side) {
            j += side.chars().count();
            break;
        }
    }
    for about in ["大约", "约"] {
        if starts(text, j, about) {
            j += about.chars().count();
            break;
        }
    }
    let digits_start = j;
    while text
        .get(j)
        .is_some_and(|&c| c.is_ascii_digit() || crate::numerals::is_chinese_numeral(c))
    {
        j += 1;
    }
    if j == digits_start {
        return None;
    }
    let measure = ["公里", "千米", "KM", "米", "M", "步"]
        .iter()
        .find(|m| starts(text, j, m))?;
    j += measure.chars().count();
    for tail in ["左右", "处", "远"] {
        if starts(text, j, tail) {
            j += tail.chars().count();
            break;
        }
    }
    Some(j - at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<Token> {
        lex(&s.chars().collect::<Vec<_>>())
    }

    fn number(id: &str, unit: Marker) -> Token {
        Token::Number {
            id: id.to_string(),
            unit,
        }
    }

    fn run(s: &str) -> Token {
        Token::Run(s.chars().collect())
    }

    #[test]
    fn numbers_take_the_unit_written_after_them() {
        assert_eq!(
            tokens("和平路66号和平小区1幢3单元201室"),
            [
                run("和平路"),
                number("66", Marker::Door),
                run("和平小区"),
                number("1", Marker::Building),
                number("3", Marker::Unit),
                number("201", Marker::Room),
            ]
        );
    }

    #[test]
    fn dashed_chains_letters_and_hash_buildings_are_one_identifier() {
        assert_eq!(tokens("8-2-301"), [number("8-2-301", Marker::Bare)]);
        assert_eq!(tokens("16#楼"), [number("16", Marker::Building)]);
        assert_eq!(tokens("16#"), [number("16", Marker::Hash)]);
        assert_eq!(tokens("科兴科学园B栋")[1], number("B", Marker::Building));
        assert_eq!(tokens("15之1号"), [number("15-1", Marker::Door)]);
        assert_eq!(tokens("甲12号")[0], number("甲12", Marker::Door));
    }

    #[test]
    fn distance_phrases_disappear() {
        assert_eq!(tokens("路口往东50米"), [run("路口")]);
        assert_eq!(tokens("超市向北约200米处"), [run("超市")]);
    }

    #[test]
    fn a_letter_inside_a_word_is_not_an_identifier() {
        assert_eq!(tokens("KTV"), [run("KTV")]);
    }
}
