//! The parts of an address, as the platform and the CLI show them.

use serde::Serialize;

/// The components of a Chinese address. Every field is optional: a free-text address
/// names only some of them. Identifiers (door numbers, buildings, rooms) are strings
/// because they carry letters and dashes (`15-1`, `B`, `A2`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Components {
    /// 省: province, municipality or autonomous region, by its official name.
    pub province: Option<String>,
    /// 市: prefecture-level city.
    pub city: Option<String>,
    /// 区/县: county, district or county-level city.
    pub county: Option<String>,
    /// 镇/乡/街道: township or street office.
    pub township: Option<String>,
    /// 社区/村/居委会: community or village.
    pub community: Option<String>,
    /// 组/社: village group (`2` for 2组, 二组, 三社 → `3`).
    pub group: Option<String>,
    /// 路/街/大道/巷/弄: road, street or lane, with a lane number if any (`XX路100弄`).
    pub road: Option<String>,
    /// 号: door number on the road or in the village (`15`, `15-1`).
    pub door_number: Option<String>,
    /// 小区/院/花园/苑/公寓…: compound or courtyard (`和平小区`, `12号院`).
    pub compound: Option<String>,
    /// 号楼/栋/幢/座/#: building (`16` for 16#楼, `B` for B栋).
    pub building: Option<String>,
    /// 单元/门: unit (stairwell).
    pub unit: Option<String>,
    /// 层/楼: floor, when the text gives one.
    pub floor: Option<String>,
    /// 室/房: room (`301` for 8-2-301).
    pub room: Option<String>,
    /// A landmark named in the address (`枫桥派出所`).
    pub poi: Option<String>,
    /// What is left once the parts above and filler words (门口, 对面…) are taken out.
    pub rest: Option<String>,
    /// The 12-digit statistics code of the finest division recognised without doubt.
    pub division_code: Option<String>,
}

impl Components {
    /// Whether nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        self == &Components::default()
    }
}
