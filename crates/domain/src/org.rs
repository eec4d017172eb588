//! Organisation and jurisdiction (组织与辖区): the tree of bureau → station →
//! community/village → grid, the people who work in it and the agencies beside it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::DomainError;

/// Identifier of any record: a UUID v7, so ids sort by creation time.
pub type RecordId = Uuid;

/// A fresh record id.
pub fn new_id() -> RecordId {
    Uuid::now_v7()
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(DomainError::invalid(
                        stringify!($name),
                        format!("unknown value {other:?}; expected one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

pub(crate) use text_enum;

text_enum! {
    /// The level of a jurisdiction node.
    NodeLevel {
        /// 分局
        Bureau = "bureau",
        /// 派出所
        Station = "station",
        /// 社区 / 村
        Community = "community",
        /// 网格
        Grid = "grid",
    }
}

impl NodeLevel {
    /// The level a parent of this level must have; `None` for the root.
    pub fn parent_level(self) -> Option<Self> {
        match self {
            Self::Bureau => None,
            Self::Station => Some(Self::Bureau),
            Self::Community => Some(Self::Station),
            Self::Grid => Some(Self::Community),
        }
    }

    /// Checks that a node of this level may hang under a parent of `parent` level.
    pub fn check_parent(self, parent: Option<Self>) -> Result<(), DomainError> {
        if parent == self.parent_level() {
            return Ok(());
        }
        let wanted = self.parent_level().map_or("no parent", Self::as_str);
        let found = parent.map_or("no parent", Self::as_str);
        Err(DomainError::invalid(
            "parent",
            format!("a {self} node needs {wanted} as parent, not {found}"),
        ))
    }
}

text_enum! {
    /// The roles of DOMAIN.md. A user may hold several.
    Role {
        /// 综合指挥室 / 勤务指挥室
        Dispatcher = "dispatcher",
        /// 案件侦办队
        CaseOfficer = "case_officer",
        /// 社区民警
        CommunityOfficer = "community_officer",
        /// 辅警
        Auxiliary = "auxiliary",
        /// 网格员
        GridWorker = "grid_worker",
        /// 志愿者 / 义警 / 巡防队员 / "五老"
        Volunteer = "volunteer",
        /// 联调单位 staff
        Partner = "partner",
        /// 所长 / 教导员
        StationChief = "station_chief",
        /// 分局 (read-only across stations)
        BureauViewer = "bureau_viewer",
        /// 系统管理员
        Admin = "admin",
    }
}

text_enum! {
    /// A person's place in the "1+2+3" pairing of a community or grid: one officer,
    /// two auxiliaries, three grid workers.
    PairingDuty {
        /// 社区民警 (the "1")
        Officer = "officer",
        /// 社区辅警 (the "2")
        Auxiliary = "auxiliary",
        /// 网格员 (the "3")
        GridWorker = "grid_worker",
    }
}

impl PairingDuty {
    /// How many people of this duty a community's full pairing has.
    pub fn target_count(self) -> usize {
        match self {
            Self::Officer => 1,
            Self::Auxiliary => 2,
            Self::GridWorker => 3,
        }
    }
}

text_enum! {
    /// Whether a partner agency sits in the station's joint-mediation centre permanently.
    Residency {
        /// 常驻 (综治, 信访, 法院, 司法)
        Standing = "standing",
        /// 轮驻 (市场监管, 民政 …)
        Rotating = "rotating",
    }
}

/// A checked, trimmed, non-empty display name of at most `max` characters.
pub fn check_name(field: &'static str, text: &str, max: usize) -> Result<String, DomainError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if name.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Checks a GeoJSON boundary: a Polygon or MultiPolygon geometry (or a Feature holding
/// one) whose rings are closed and whose coordinates are longitude/latitude pairs.
pub fn check_boundary(geojson: &serde_json::Value) -> Result<(), DomainError> {
    let geometry = match geojson.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => geojson.get("geometry").unwrap_or(&serde_json::Value::Null),
        _ => geojson,
    };
    let kind = geometry.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let coordinates = geometry.get("coordinates").and_then(|c| c.as_array());
    let polygons: Vec<&serde_json::Value> = match (kind, coordinates) {
        ("Polygon", Some(_)) => vec![&geometry["coordinates"]],
        ("MultiPolygon", Some(list)) => list.iter().collect(),
        _ => {
            return Err(DomainError::invalid(
                "boundary",
                "must be a GeoJSON Polygon or MultiPolygon",
            ));
        }
    };
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| DomainError::invalid("boundary", "a polygon needs at least one ring"))?;
        for ring in rings {
            check_ring(ring)?;
        }
    }
    Ok(())
}

fn check_ring(ring: &serde_json::Value) -> Result<(), DomainError> {
    let points = ring
        .as_array()
        .ok_or_else(|| DomainError::invalid("boundary", "a ring must be a list of positions"))?;
    if points.len() < 4 {
        return Err(DomainError::invalid(
            "boundary",
            "a ring needs at least 4 positions",
        ));
    }
    let mut parsed = Vec::with_capacity(points.len());
    for point in points {
        let pair = point.as_array().filter(|p| p.len() >= 2);
        let lng = pair.and_then(|p| p[0].as_f64());
        let lat = pair.and_then(|p| p[1].as_f64());
        match (lng, lat) {
            (Some(lng), Some(lat))
                if (-180.0..=180.0).contains(&lng) && (-90.0..=90.0).contains(&lat) =>
            {
                parsed.push((lng, lat));
            }
            _ => {
                return Err(DomainError::invalid(
                    "boundary",
                    "positions must be [longitude, latitude] in degrees",
                ));
            }
        }
    }
    if parsed.first() != parsed.last() {
        return Err(DomainError::invalid(
            "boundary",
            "a ring must end where it starts",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_must_hang_under_a_community() {
        assert!(
            NodeLevel::Grid
                .check_parent(Some(NodeLevel::Community))
                .is_ok()
        );
        let err = NodeLevel::Grid
            .check_parent(Some(NodeLevel::Station))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "parent: a grid node needs community as parent, not station"
        );
        assert!(NodeLevel::Bureau.check_parent(None).is_ok());
    }

    #[test]
    fn unknown_roles_list_the_known_ones() {
        let err = "sheriff".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("dispatcher"), "{err}");
        assert_eq!("station_chief".parse::<Role>().unwrap(), Role::StationChief);
    }

    #[test]
    fn open_rings_and_wrong_types_are_refused() {
        let open = serde_json::json!({"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.2]]]});
        assert!(
            check_boundary(&open)
                .unwrap_err()
                .to_string()
                .contains("end where it starts")
        );
        let point = serde_json::json!({"type": "Point", "coordinates": [120.0, 29.0]});
        assert!(check_boundary(&point).is_err());
        let closed = serde_json::json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.0]]]}});
        assert!(check_boundary(&closed).is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            check_name("name", "  枫桥派出所 ", 40).unwrap(),
            "枫桥派出所"
        );
        assert!(check_name("name", " ", 40).is_err());
        assert!(check_name("name", &"长".repeat(41), 40).is_err());
    }
}
