//! The parser: free text → [`Components`], in four passes.
//!
//! 1. [`normalize`](crate::normalize::normalize) widths, spaces and punctuation;
//! 2. read the divisions at the start (see [`crate::divisions`]);
//! 3. convert numerals that count something and [`lex`](crate::lex) the rest into
//!    runs of text and numbers with units;
//! 4. assign each number a component from its unit and from what came before it
//!    (`15号` after a road is a door number, after a compound a building), and cut
//!    each run of text into names by their suffixes, dropping filler.

use crate::components::Components;
use crate::divisions::{Level, LevelSets, table};
use crate::keywords::{self, NameKind};
use crate::lex::{Marker, Token, lex};
use crate::normalize::normalize;
use crate::numerals::convert_before_units;

/// Parses a free-text address into its components.
///
/// Never fails: text that fits no component ends up in `rest`. Short division names
/// that nothing confirms (`诸暨` alone) are read as divisions; use
/// [`Registry::match_query`](crate::Registry::match_query) to have them checked against
/// a registry's area.
pub fn parse(text: &str) -> Components {
    Parsed::new(text, true).components
}

/// A name in an address, kept for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub kind: NameKind,
    pub text: Vec<char>,
}

/// Everything the parser found: the components plus what matching needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    pub components: Components,
    pub divisions: LevelSets,
    pub names: Vec<Name>,
}

/// The component a token filled, to interpret the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name(NameKind),
    Group,
    Door,
    Building,
    Unit,
    Floor,
    Room,
}

impl Parsed {
    /// Parses `text`. With `allow_unconfirmed` false, short division names need
    /// context to count (see [`crate::divisions::DivisionTable::recognize`]).
    pub fn new(text: &str, allow_unconfirmed: bool) -> Parsed {
        let normalized = normalize(text);
        let body = &normalized[keywords::leading_filler_len(&normalized)..];
        let found = table().recognize(body, allow_unconfirmed);
        let mut parsed = Parsed {
            divisions: found.levels,
            ..Parsed::default()
        };
        parsed.fill_divisions();
        let rest: Vec<char> = body[found.consumed..].chars().collect();
        let tokens = lex(&convert_before_units(&rest));
        let mut builder = Builder {
            parsed: &mut parsed,
            last: None,
            rest: Vec::new(),
        };
        for (i, token) in tokens.iter().enumerate() {
            match token {
                Token::Run(run) => builder.run(run),
                Token::Number { id, unit } => builder.number(id, *unit, tokens.get(i + 1)),
            }
        }
        let rest = std::mem::take(&mut builder.rest);
        if !rest.is_empty() {
            parsed.components.rest = Some(rest.join(" "));
        }
        parsed
    }

    fn fill_divisions(&mut self) {
        let table = table();
        let components = &mut self.components;
        for level in Level::ALL {
            let name = table
                .common_name(self.divisions.at(level))
                .map(str::to_string);
            match level {
                Level::Province => components.province = name,
                Level::City => components.city = name,
                Level::County => components.county = name,
                Level::Township => components.township = name,
            }
        }
        components.division_code =
            Level::ALL
                .iter()
                .rev()
                .find_map(|&level| match self.divisions.at(level) {
                    [only] => table.get(*only).map(|d| d.code()),
                    _ => None,
                });
    }
}

struct Builder<'a> {
    parsed: &'a mut Parsed,
    last: Option<Slot>,
    rest: Vec<String>,
}

impl Builder<'_> {
    fn run(&mut self, run: &[char]) {
        if keywords::is_all_filler(run) || keywords::is_lone_filler(run) {
            return;
        }
        let mut run = run;
        let mut group = None;
        if self.parsed.components.group.is_none()
            && let Some((names_end, stem)) = named_group(run)
        {
            run = &run[..names_end];
            group = Some(stem);
        }
        self.names(run);
        if let Some(stem) = group {
            self.set(Slot::Group, &stem);
        }
    }

    fn names(&mut self, run: &[char]) {
        for name in split_names(run) {
            let text: String = name.text.iter().collect();
            let components = &mut self.parsed.components;
            let field = match name.kind {
                NameKind::Township => &mut components.township,
                NameKind::Community => &mut components.community,
                NameKind::Road => &mut components.road,
                NameKind::Compound => &mut components.compound,
                NameKind::Poi => &mut components.poi,
                NameKind::Rest => {
                    self.rest.push(text);
                    self.last = Some(Slot::Name(name.kind));
                    self.parsed.names.push(name);
                    continue;
                }
            };
            if field.is_none() {
                *field = Some(text);
            } else {
                self.rest.push(text);
            }
            self.last = Some(Slot::Name(name.kind));
            self.parsed.names.push(name);
        }
    }

    fn number(&mut self, id: &str, unit: Marker, next: Option<&Token>) {
        match unit {
            Marker::Door => {
                let after_compound = self.last == Some(Slot::Name(NameKind::Compound));
                let inside = matches!(self.last, Some(Slot::Building | Slot::Unit | Slot::Floor));
                let c = &self.parsed.components;
                if inside && c.room.is_none() {
                    // 1幢3单元301号: after a building or unit, 号 numbers a room.
                    self.set(Slot::Room, id);
                } else if (after_compound || c.door_number.is_some()) && c.building.is_none() {
                    self.set(Slot::Building, id);
                } else {
                    self.set(Slot::Door, id);
                }
            }
            Marker::Hash => {
                // 文清路99#, 枫源村2组15#: after a road or in a village, # numbers a door.
                let after_place = matches!(
                    self.last,
                    Some(Slot::Name(NameKind::Road | NameKind::Community) | Slot::Group)
                );
                if after_place && self.parsed.components.door_number.is_none() {
                    self.set(Slot::Door, id);
                } else {
                    self.set(Slot::Building, id);
                }
            }
            Marker::DoorCourtyard => {
                self.set(Slot::Door, id);
                let courtyard = format!("{id}号院");
                self.add_name(NameKind::Compound, &courtyard, false);
            }
            Marker::Building => self.set(Slot::Building, id),
            Marker::BuildingOrFloor => {
                // 5楼501: the room number starts with the floor, so 5楼 is a floor;
                // 312楼 with no building before it is building 312.
                let room_follows = matches!(next, Some(Token::Number { id: room, unit: Marker::Room | Marker::Bare }) if room.starts_with(id) && room.len() > id.len());
                if self.parsed.components.building.is_some() || room_follows {
                    self.set(Slot::Floor, id);
                } else {
                    self.set(Slot::Building, id);
                }
            }
            Marker::Unit => self.set(Slot::Unit, id),
            Marker::Floor => self.set(Slot::Floor, id),
            Marker::Room => self.set(Slot::Room, id),
            Marker::Group => self.set(Slot::Group, id),
            Marker::SubArea(suffix) => {
                let extend = self.last == Some(Slot::Name(NameKind::Compound));
                self.add_name(NameKind::Compound, &format!("{id}{suffix}"), extend);
            }
            Marker::Lane(suffix) => {
                let extend = self.last == Some(Slot::Name(NameKind::Road));
                self.add_name(NameKind::Road, &format!("{id}{suffix}"), extend);
            }
            Marker::Bare => self.bare(id),
        }
    }

    /// A number with no unit: `8-2-301`, `和平路66`, `3栋501`.
    fn bare(&mut self, id: &str) {
        let parts: Vec<&str> = id.split('-').collect();
        let c = &self.parsed.components;
        let after_place = matches!(
            self.last,
            Some(Slot::Name(NameKind::Road | NameKind::Community) | Slot::Group)
        );
        match parts.as_slice() {
            [building, unit, room] if c.building.is_none() => {
                self.set(Slot::Building, building);
                self.set(Slot::Unit, unit);
                self.set(Slot::Room, room);
            }
            [unit, floor, room] if c.unit.is_none() => {
                self.set(Slot::Unit, unit);
                self.set(Slot::Floor, floor);
                self.set(Slot::Room, room);
            }
            [_, _] if after_place && c.door_number.is_none() => self.set(Slot::Door, id),
            [building, room] if c.building.is_none() => {
                self.set(Slot::Building, building);
                self.set(Slot::Room, room);
            }
            [unit, room] if c.unit.is_none() => {
                self.set(Slot::Unit, unit);
                self.set(Slot::Room, room);
            }
            [_] if after_place && c.door_number.is_none() => self.set(Slot::Door, id),
            [_] if matches!(self.last, Some(Slot::Building | Slot::Unit | Slot::Floor))
                && c.room.is_none() =>
            {
                self.set(Slot::Room, id);
            }
            // 380弄12号602: three or more digits after a door in a lane are a room.
            [_] if self.last == Some(Slot::Door) && id.len() >= 3 && c.room.is_none() => {
                self.set(Slot::Room, id);
            }
            [_] if self.last == Some(Slot::Name(NameKind::Compound)) && c.building.is_none() => {
                self.set(Slot::Building, id);
            }
            _ => self.rest.push(id.to_string()),
        }
    }

    fn set(&mut self, slot: Slot, id: &str) {
        let c = &mut self.parsed.components;
        let field = match slot {
            Slot::Group => &mut c.group,
            Slot::Door => &mut c.door_number,
            Slot::Building => &mut c.building,
            Slot::Unit => &mut c.unit,
            Slot::Floor => &mut c.floor,
            Slot::Room => &mut c.room,
            Slot::Name(_) => return,
        };
        if field.is_none() {
            *field = Some(id.to_string());
            self.last = Some(slot);
        } else {
            self.rest.push(id.to_string());
        }
    }

    /// Adds a name made from a number (`12号院`, `3区`, `100弄`), appending it to the
    /// previous name of its kind when `extend` (`望京西园` + `3区`).
    fn add_name(&mut self, kind: NameKind, text: &str, extend: bool) {
        let c = &mut self.parsed.components;
        let field = if kind == NameKind::Road {
            &mut c.road
        } else {
            &mut c.compound
        };
        let previous = self.parsed.names.iter_mut().rev().find(|n| n.kind == kind);
        match (extend, previous) {
            (true, Some(name)) => {
                name.text.extend(text.chars());
                *field = Some(name.text.iter().collect());
            }
            _ => {
                if field.is_none() {
                    *field = Some(text.to_string());
                }
                self.parsed.names.push(Name {
                    kind,
                    text: text.chars().collect(),
                });
            }
        }
        self.last = Some(Slot::Name(kind));
    }
}

/// A village group with a name instead of a number, at the end of a run:
/// 大塘村|上屋|组, 大塘村委会|上屋|村民小组. Returns where the names before it end and
/// the group's name.
fn named_group(run: &[char]) -> Option<(usize, String)> {
    const SUFFIXES: [&[char]; 3] = [&['村', '民', '小', '组'], &['小', '组'], &['组']];
    let suffix = SUFFIXES.into_iter().find(|s| run.ends_with(s))?;
    let body = &run[..run.len() - suffix.len()];
    let cut = (1..body.len())
        .rev()
        .find(|&i| {
            keywords::keyword_ending(&body[..i])
                .is_some_and(|(_, found)| found.kind == NameKind::Community)
        })
        .unwrap_or(0);
    let stem = &body[cut..];
    let named = (1..=3).contains(&stem.len())
        && stem.iter().all(|c| !c.is_ascii_alphanumeric())
        && keywords::keyword_ending(stem).is_none();
    named.then(|| (cut, stem.iter().collect()))
}

/// Cuts a run of text into names at strong suffixes, and at the end by its suffix;
/// drops filler at the end.
fn split_names(run: &[char]) -> Vec<Name> {
    let mut names = cut_names(run);
    // A landmark is one name even when it holds several landmark words:
    // 郑州大学第一附属医院, not 郑州大学 + 第一附属医院.
    let mut i = 1;
    while i < names.len() {
        if names[i - 1].kind == NameKind::Poi && names[i].kind == NameKind::Poi {
            let next = names.remove(i);
            names[i - 1].text.extend(next.text);
        } else {
            i += 1;
        }
    }
    names
}

fn cut_names(run: &[char]) -> Vec<Name> {
    let mut names: Vec<Name> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < run.len() {
        // Filler closes the run: 枫桥派出所|门口, 和平路|路口.
        if run.len() - i <= 12
            && (i > start || !names.is_empty())
            && keywords::is_all_filler(&run[i..])
        {
            break;
        }
        if let Some((len, suffix)) = keywords::keyword_at(run, i)
            && suffix.strong
        {
            let end = i + len;
            if i > start {
                names.push(Name {
                    kind: suffix.kind,
                    text: run[start..end].to_vec(),
                });
            } else if let Some(previous) = names.last_mut() {
                // A suffix with nothing before it belongs to the name before it:
                // 湖滨路 + 社区 is the community 湖滨路社区.
                previous.text.extend_from_slice(&run[start..end]);
                previous.kind = suffix.kind;
            } else {
                i += 1;
                continue;
            }
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
    let mut tail = run[start..i.max(start)].to_vec();
    if tail.is_empty() {
        return names;
    }
    while let Some(len) = (1..tail.len()).find(|&cut| keywords::is_all_filler(&tail[cut..])) {
        tail.truncate(len);
    }
    match keywords::keyword_ending(&tail) {
        Some((len, suffix)) if len == tail.len() && !names.is_empty() => {
            // 铁路 + 新村: a bare suffix joins the name before it.
            if let Some(previous) = names.last_mut() {
                previous.text.extend_from_slice(&tail);
                previous.kind = suffix.kind;
            }
        }
        Some((_, suffix)) => names.push(Name {
            kind: suffix.kind,
            text: tail,
        }),
        None => names.push(Name {
            kind: NameKind::Rest,
            text: tail,
        }),
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(run: &str) -> Vec<(NameKind, String)> {
        split_names(&run.chars().collect::<Vec<_>>())
            .into_iter()
            .map(|n| (n.kind, n.text.into_iter().collect()))
            .collect()
    }

    #[test]
    fn strong_suffixes_cut_a_run_into_names() {
        assert_eq!(
            kinds("科技园社区科苑路"),
            [
                (NameKind::Community, "科技园社区".to_string()),
                (NameKind::Road, "科苑路".to_string())
            ]
        );
    }

    #[test]
    fn weak_suffixes_inside_a_name_do_not_cut_it() {
        assert_eq!(
            kinds("枫桥大道"),
            [(NameKind::Road, "枫桥大道".to_string())]
        );
        assert_eq!(
            kinds("望京西园"),
            [(NameKind::Compound, "望京西园".to_string())]
        );
    }

    #[test]
    fn a_bare_suffix_joins_the_name_before_it() {
        assert_eq!(
            kinds("铁路新村"),
            [(NameKind::Compound, "铁路新村".to_string())]
        );
        assert_eq!(
            kinds("湖滨路社区"),
            [(NameKind::Community, "湖滨路社区".to_string())]
        );
    }

    #[test]
    fn a_named_village_group_is_cut_from_its_village() {
        let run: Vec<char> = "大塘村委会上屋村民小组".chars().collect();
        assert_eq!(named_group(&run), Some((5, "上屋".to_string())));
        let run: Vec<char> = "大塘村上屋组".chars().collect();
        assert_eq!(named_group(&run), Some((3, "上屋".to_string())));
        let run: Vec<char> = "大塘村".chars().collect();
        assert_eq!(named_group(&run), None);
    }

    #[test]
    fn landmark_words_in_a_row_make_one_landmark() {
        assert_eq!(
            kinds("郑州大学第一附属医院"),
            [(NameKind::Poi, "郑州大学第一附属医院".to_string())]
        );
    }

    #[test]
    fn filler_after_a_name_is_dropped() {
        assert_eq!(
            kinds("枫桥派出所门口"),
            [(NameKind::Poi, "枫桥派出所".to_string())]
        );
        assert_eq!(
            kinds("和平路路口"),
            [(NameKind::Road, "和平路".to_string())]
        );
    }
}
