//! The base (一标三实): standard addresses (一标) and the actual population, housing and
//! units at them (三实), with the collection campaigns (采集) that keep them fresh.
//!
//! Every record of the base hangs from a standard address, and the address from a grid
//! of the jurisdiction tree: that is how a person, a rental or a KTV reaches its
//! community officer, and how "一地多起" can count incidents at one place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::identity::{IdCardNumber, PhoneNumber};
use crate::org::{RecordId, check_name, text_enum};

/// Records verified within this many days count as fresh (信息鲜活度).
pub const FRESH_DAYS: i64 = 90;

text_enum! {
    /// The four kinds of base record, as streams and in campaigns.
    BaseKind {
        /// 标准地址
        Address = "std_address",
        /// 实有房屋
        House = "house",
        /// 实有人口
        Person = "person",
        /// 实有单位
        Establishment = "establishment",
    }
}

text_enum! {
    /// How a house is used (房屋用途).
    HouseUsage {
        /// 自住
        OwnerOccupied = "owner_occupied",
        /// 出租 (a rental: landlord and tenants are recorded)
        Rental = "rental",
        /// 空置
        Vacant = "vacant",
        /// 经营 (shop or workshop on the premises)
        Commercial = "commercial",
    }
}

text_enum! {
    /// Household registration status of a resident (人口类别).
    Registration {
        /// 户籍人口
        Registered = "registered",
        /// 流动人口
        Floating = "floating",
        /// 境外人员
        Foreign = "foreign",
    }
}

/// A standard address (标准地址) as a user or an import gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressFields {
    /// The external or platform code (地址编码), unique: the key of idempotent imports.
    pub code: String,
    /// The full standard text, e.g. `浙江省诸暨市枫桥镇枫源村2组15号`.
    pub text: String,
    /// The grid (or community) the address lies in.
    pub node_id: RecordId,
    /// Longitude, WGS-84 degrees.
    pub lng: Option<f64>,
    /// Latitude, WGS-84 degrees.
    pub lat: Option<f64>,
}

impl AddressFields {
    /// Trims and checks every field.
    pub fn checked(self) -> Result<Self, DomainError> {
        let code = check_name("code", &self.code, 40)?;
        let text = check_name("address", &self.text, 200)?;
        let (lng, lat) = check_coordinates(self.lng, self.lat)?;
        Ok(Self {
            code,
            text,
            node_id: self.node_id,
            lng,
            lat,
        })
    }
}

/// Both coordinates or neither, each within its range (a swapped pair is caught too,
/// since a latitude above 90 is impossible).
pub fn check_coordinates(
    lng: Option<f64>,
    lat: Option<f64>,
) -> Result<(Option<f64>, Option<f64>), DomainError> {
    match (lng, lat) {
        (None, None) => Ok((None, None)),
        (Some(lng), Some(lat)) => {
            if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
                return Err(DomainError::invalid(
                    "lng",
                    format!("{lng} is not a longitude (−180 to 180)"),
                ));
            }
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                return Err(DomainError::invalid(
                    "lat",
                    format!("{lat} is not a latitude (−90 to 90)"),
                ));
            }
            Ok((Some(lng), Some(lat)))
        }
        (Some(_), None) => Err(DomainError::invalid(
            "lat",
            "a longitude needs a latitude too",
        )),
        (None, Some(_)) => Err(DomainError::invalid(
            "lng",
            "a latitude needs a longitude too",
        )),
    }
}

/// A house (实有房屋) at a standard address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseFields {
    /// The standard address (the building or door).
    pub address_id: RecordId,
    /// Unit and room within the address, when the address is a building (`2单元301`).
    pub room: Option<String>,
    /// How the house is used.
    pub usage: HouseUsage,
    /// The landlord (a person record), for rentals.
    pub landlord_id: Option<RecordId>,
    /// Free remarks (面积, 结构, 隐患 …).
    pub note: Option<String>,
}

impl HouseFields {
    /// Trims and checks every field.
    pub fn checked(self) -> Result<Self, DomainError> {
        if self.usage != HouseUsage::Rental && self.landlord_id.is_some() {
            return Err(DomainError::invalid(
                "landlord_id",
                "only a rental has a landlord",
            ));
        }
        Ok(Self {
            room: optional_text("room", self.room.as_deref(), 40)?,
            note: optional_text("note", self.note.as_deref(), 500)?,
            ..self
        })
    }
}

/// A resident (实有人口).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFields {
    /// Full name.
    pub name: String,
    /// 公民身份号码, checked (GB 11643), stored whole, shown masked.
    pub id_number: Option<String>,
    /// Phone, stored whole, shown masked.
    pub phone: Option<String>,
    /// Registered, floating or foreign.
    pub registration: Registration,
    /// Where the person lives (and so their grid).
    pub address_id: RecordId,
    /// The house they live in, when known; for a rental this makes them a tenant.
    pub house_id: Option<RecordId>,
}

impl PersonFields {
    /// Trims and checks every field, normalising the ID and phone numbers.
    pub fn checked(self) -> Result<Self, DomainError> {
        let name = check_name("name", &self.name, 40)?;
        let id_number = match self.id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(IdCardNumber::parse(text)?.reveal().to_owned()),
        };
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(PhoneNumber::parse(text)?.reveal().to_owned()),
        };
        Ok(Self {
            name,
            id_number,
            phone,
            ..self
        })
    }
}

/// Why a person is a key person (重点人员) and how often they are visited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPerson {
    /// The reason, in words (e.g. 社区矫正, 精神障碍, 涉访).
    pub reason: String,
    /// Days between visits (走访周期).
    pub visit_every_days: u32,
}

impl KeyPerson {
    /// Checks the reason and a schedule between 1 day and a year.
    pub fn checked(self) -> Result<Self, DomainError> {
        if !(1..=366).contains(&self.visit_every_days) {
            return Err(DomainError::invalid(
                "visit_every_days",
                "must be between 1 and 366 days",
            ));
        }
        Ok(Self {
            reason: check_name("reason", &self.reason, 100)?,
            visit_every_days: self.visit_every_days,
        })
    }
}

/// A unit (实有单位): a business, school, hospital or key place at an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstablishmentFields {
    /// Name on the licence.
    pub name: String,
    /// Code from the `establishment_kind` table.
    pub kind: String,
    /// Where it is.
    pub address_id: RecordId,
    /// The person in charge (负责人).
    pub contact_name: Option<String>,
    /// Their phone, shown masked.
    pub contact_phone: Option<String>,
    /// 统一社会信用代码 or licence number.
    pub licence: Option<String>,
}

impl EstablishmentFields {
    /// Trims and checks every field.
    pub fn checked(self) -> Result<Self, DomainError> {
        let contact_phone = match self.contact_phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(PhoneNumber::parse(text)?.reveal().to_owned()),
        };
        Ok(Self {
            name: check_name("name", &self.name, 80)?,
            kind: check_name("kind", &self.kind, 40)?,
            address_id: self.address_id,
            contact_name: optional_text("contact_name", self.contact_name.as_deref(), 40)?,
            contact_phone,
            licence: optional_text("licence", self.licence.as_deref(), 40)?,
        })
    }
}

/// One record to visit in a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CampaignItem {
    /// What kind of record.
    pub kind: BaseKind,
    /// Which one.
    pub id: RecordId,
}

/// A checked optional text: blank is none.
pub fn optional_text(
    field: &'static str,
    text: Option<&str>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => check_name(field, text, max).map(Some),
    }
}

impl fmt::Display for CampaignItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.id)
    }
}

impl FromStr for CampaignItem {
    type Err = DomainError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, id) = text
            .split_once('/')
            .ok_or_else(|| DomainError::invalid("item", "must be kind/id"))?;
        Ok(Self {
            kind: kind.parse()?,
            id: id
                .trim()
                .parse()
                .map_err(|_| DomainError::invalid("item", format!("{id:?} is not a record id")))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(lng: Option<f64>, lat: Option<f64>) -> AddressFields {
        AddressFields {
            code: " A01 ".into(),
            text: "枫源村2组15号".into(),
            node_id: RecordId::nil(),
            lng,
            lat,
        }
    }

    #[test]
    fn an_address_is_trimmed_and_its_coordinates_come_in_pairs() {
        let ok = address(Some(120.4), Some(29.6)).checked().unwrap();
        assert_eq!(ok.code, "A01");
        let err = address(Some(120.4), None).checked().unwrap_err();
        assert!(err.to_string().starts_with("lat:"), "{err}");
        let swapped = address(Some(29.6), Some(120.4)).checked().unwrap_err();
        assert!(swapped.to_string().starts_with("lat:"), "{swapped}");
        assert!(address(Some(f64::NAN), Some(1.0)).checked().is_err());
    }

    #[test]
    fn only_a_rental_has_a_landlord() {
        let house = HouseFields {
            address_id: RecordId::nil(),
            room: Some(" 301 ".into()),
            usage: HouseUsage::OwnerOccupied,
            landlord_id: Some(RecordId::nil()),
            note: None,
        };
        assert!(house.clone().checked().is_err());
        let rental = HouseFields {
            usage: HouseUsage::Rental,
            ..house
        }
        .checked()
        .unwrap();
        assert_eq!(rental.room.as_deref(), Some("301"));
    }

    #[test]
    fn a_person_with_a_wrong_check_digit_is_refused() {
        let person = PersonFields {
            name: "张三".into(),
            id_number: Some("110101199003071234".into()),
            phone: Some("138 0013 8000".into()),
            registration: Registration::Registered,
            address_id: RecordId::nil(),
            house_id: None,
        };
        let err = person.clone().checked().unwrap_err();
        assert!(err.to_string().contains("id_number"), "{err}");
        let ok = PersonFields {
            id_number: Some("11010519491231002X".into()),
            ..person
        }
        .checked()
        .unwrap();
        assert_eq!(ok.phone.as_deref(), Some("13800138000"));
    }

    #[test]
    fn a_key_person_needs_a_sensible_schedule() {
        let bad = KeyPerson {
            reason: "社区矫正".into(),
            visit_every_days: 0,
        };
        assert!(bad.checked().is_err());
        assert_eq!(
            "std_address".parse::<BaseKind>().unwrap(),
            BaseKind::Address
        );
    }
}
