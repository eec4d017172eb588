//! Platform settings an administrator changes at run time: the password policy,
//! lockout, session timeouts, which roles need a second factor, the map's tile URL.
//!
//! Each setting is a key with a default; changes are `SettingChanged` events, so the
//! settings' history is in the log like everything else.

use fengqiao_domain::org::Role;
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, DomainEvent};
use serde_json::{Value, json};

use crate::policy::Principal;
use crate::{App, AppError};

/// The kind of value a setting holds, for validation and for the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number within bounds.
    Number {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// A list of role codes.
    Roles,
    /// Free text (a URL template), possibly empty.
    Text,
    /// Which unit kinds fit which incident categories: an object of category code →
    /// list of `unit_kind` codes, typed as `criminal=case_team; traffic=rural_traffic`.
    Fits,
}

/// One setting: key, kind and default.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    /// Stable key; the message catalogue has `setting.<key>` for its label.
    pub key: &'static str,
    /// What it holds.
    pub kind: SettingKind,
    /// The value when never changed, as JSON text.
    pub default: &'static str,
}

/// Every setting, in display order.
pub const SETTINGS: &[SettingSpec] = &[
    number("security.password_min_length", 8, 128, "12"),
    number("security.password_min_classes", 1, 4, "3"),
    number("security.lockout_threshold", 3, 100, "5"),
    number("security.lockout_window_minutes", 1, 1440, "15"),
    number("security.lockout_minutes", 1, 10080, "30"),
    number("security.session_idle_minutes", 1, 1440, "15"),
    number("security.session_absolute_hours", 1, 168, "12"),
    SettingSpec {
        key: "security.totp_required_roles",
        kind: SettingKind::Roles,
        default: r#"["admin"]"#,
    },
    number("repeat.window_days", 1, 365, "30"),
    number("repeat.min_count", 2, 50, "3"),
    number("repeat.radius_m", 5, 2000, "50"),
    number("repeat.surge_percent", 110, 1000, "200"),
    number("transfer.assign_hours", 1, 168, "2"),
    number("transfer.verify_hours", 1, 720, "24"),
    number("transfer.handle_hours", 1, 2160, "72"),
    number("transfer.feedback_hours", 1, 720, "24"),
    number("transfer.evaluate_hours", 1, 720, "48"),
    number("transfer.review_hours", 1, 720, "72"),
    SettingSpec {
        key: "dispatch.unit_fit",
        kind: SettingKind::Fits,
        default: r#"{"criminal":["case_team"],"dispute":["community_team"],"assistance":["community_team"],"traffic":["rural_traffic"]}"#,
    },
    SettingSpec {
        key: "map.tile_url",
        kind: SettingKind::Text,
        default: r#""""#,
    },
];

const fn number(key: &'static str, min: i64, max: i64, default: &'static str) -> SettingSpec {
    SettingSpec {
        key,
        kind: SettingKind::Number { min, max },
        default,
    }
}

/// The settings in force, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Minimum password length in characters.
    pub password_min_length: usize,
    /// How many of the four character classes a password needs.
    pub password_min_classes: usize,
    /// Failures within the window that lock an account.
    pub lockout_threshold: i64,
    /// The window failures are counted in, minutes.
    pub lockout_window_minutes: i64,
    /// How long a lock lasts, minutes.
    pub lockout_minutes: i64,
    /// Idle timeout of a session, minutes.
    pub session_idle_minutes: i64,
    /// Absolute lifetime of a session, hours.
    pub session_absolute_hours: i64,
    /// Roles that must sign in with a second factor.
    pub totp_required_roles: Vec<Role>,
    /// Tile URL template for maps (`https://tiles.example/{z}/{x}/{y}.png`); empty for none.
    pub map_tile_url: String,
    /// 一人多次/一地多起: how far back, in days.
    pub repeat_window_days: i64,
    /// Incidents needed for a repeat flag, the new one included.
    pub repeat_min_count: i64,
    /// 一地多起 for unmatched addresses: radius in metres.
    pub repeat_radius_m: i64,
    /// 一类多发: a week's count must exceed this percentage of the trailing mean.
    pub repeat_surge_percent: i64,
    /// 非警务转办: hours allowed per step of the loop.
    pub transfer_hours: fengqiao_domain::transfer::StepHours,
    /// 点单指令: the unit kinds that fit a top-level category, `(category, kinds)`.
    pub unit_fit: Vec<(String, Vec<String>)>,
    /// Every setting as stored or defaulted, by key (for the settings page).
    pub raw: Vec<(&'static str, Value)>,
}

impl Settings {
    /// The defaults, as a fresh installation has them.
    pub fn defaults() -> Self {
        Self::from_values(|_| None)
    }

    fn from_values(stored: impl Fn(&str) -> Option<Value>) -> Self {
        let raw: Vec<(&'static str, Value)> = SETTINGS
            .iter()
            .map(|spec| {
                let value = stored(spec.key)
                    .filter(|v| check_value(spec, v).is_ok())
                    .unwrap_or_else(|| serde_json::from_str(spec.default).unwrap_or(Value::Null));
                (spec.key, value)
            })
            .collect();
        let get = |key: &str| raw.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        let int = |key: &str| get(key).and_then(|v| v.as_i64()).unwrap_or(0);
        let roles = get("security.totp_required_roles")
            .and_then(|v| serde_json::from_value::<Vec<Role>>(v).ok())
            .unwrap_or_default();
        Self {
            password_min_length: usize::try_from(int("security.password_min_length")).unwrap_or(12),
            password_min_classes: usize::try_from(int("security.password_min_classes"))
                .unwrap_or(3),
            lockout_threshold: int("security.lockout_threshold"),
            lockout_window_minutes: int("security.lockout_window_minutes"),
            lockout_minutes: int("security.lockout_minutes"),
            session_idle_minutes: int("security.session_idle_minutes"),
            session_absolute_hours: int("security.session_absolute_hours"),
            totp_required_roles: roles,
            repeat_window_days: int("repeat.window_days"),
            repeat_min_count: int("repeat.min_count"),
            repeat_radius_m: int("repeat.radius_m"),
            repeat_surge_percent: int("repeat.surge_percent"),
            transfer_hours: {
                let mut hours = [0; 6];
                for (slot, step) in hours
                    .iter_mut()
                    .zip(fengqiao_domain::transfer::TransferStep::ALL)
                {
                    *slot = int(&format!("transfer.{step}_hours"));
                }
                fengqiao_domain::transfer::StepHours { hours }
            },
            unit_fit: get("dispatch.unit_fit")
                .and_then(|v| {
                    serde_json::from_value::<std::collections::BTreeMap<String, Vec<String>>>(v)
                        .ok()
                })
                .unwrap_or_default()
                .into_iter()
                .collect(),
            map_tile_url: get("map.tile_url")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            raw,
        }
    }
}

/// Checks a value against its setting's kind.
fn check_value(spec: &SettingSpec, value: &Value) -> Result<(), DomainError> {
    match spec.kind {
        SettingKind::Number { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(()),
            _ => Err(DomainError::invalid(
                "value",
                format!("{} must be a whole number from {min} to {max}", spec.key),
            )),
        },
        SettingKind::Roles => serde_json::from_value::<Vec<Role>>(value.clone())
            .map(|_| ())
            .map_err(|_| {
                DomainError::invalid("value", format!("{} must be a list of roles", spec.key))
            }),
        SettingKind::Fits => {
            let fits = serde_json::from_value::<std::collections::BTreeMap<String, Vec<String>>>(
                value.clone(),
            )
            .map_err(|_| {
                DomainError::invalid(
                    "value",
                    format!(
                        "{} must map category codes to lists of unit kinds",
                        spec.key
                    ),
                )
            })?;
            let code = |c: &str| {
                !c.is_empty()
                    && c.len() <= 40
                    && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            };
            if fits.len() > 100
                || !fits
                    .iter()
                    .all(|(k, v)| code(k) && !v.is_empty() && v.iter().all(|u| code(u)))
            {
                return Err(DomainError::invalid(
                    "value",
                    format!(
                        "{}: every entry is category=unit_kind[,unit_kind]",
                        spec.key
                    ),
                ));
            }
            Ok(())
        }
        SettingKind::Text => match value.as_str() {
            Some(text) if text.len() <= 500 && !text.chars().any(char::is_control) => {
                if text.is_empty()
                    || text.starts_with("http://")
                    || text.starts_with("https://")
                    || text.starts_with('/')
                {
                    Ok(())
                } else {
                    Err(DomainError::invalid(
                        "value",
                        format!("{} must be empty or a URL", spec.key),
                    ))
                }
            }
            _ => Err(DomainError::invalid(
                "value",
                format!("{} must be text of at most 500 characters", spec.key),
            )),
        },
    }
}

/// Parses the text typed into the settings form into the setting's JSON value.
pub fn parse_setting_input(key: &str, text: &str) -> Result<Value, DomainError> {
    let spec = SETTINGS
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| DomainError::invalid("key", format!("unknown setting {key:?}")))?;
    let value = match spec.kind {
        SettingKind::Number { .. } => {
            text.trim().parse::<i64>().map(|n| json!(n)).map_err(|_| {
                DomainError::invalid("value", format!("{key} must be a whole number"))
            })?
        }
        SettingKind::Roles => {
            let roles = text
                .split([',', ' ', '，'])
                .filter(|r| !r.trim().is_empty())
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()?;
            json!(roles)
        }
        SettingKind::Text => json!(text.trim()),
        SettingKind::Fits => {
            let mut fits = serde_json::Map::new();
            for entry in text
                .split([';', '；', '\n'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                let (category, kinds) = entry.split_once('=').ok_or_else(|| {
                    DomainError::invalid(
                        "value",
                        format!("{key}: {entry:?} is not category=unit_kind"),
                    )
                })?;
                let kinds: Vec<&str> = kinds
                    .split([',', '，', ' '])
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .collect();
                fits.insert(category.trim().to_owned(), json!(kinds));
            }
            Value::Object(fits)
        }
    };
    check_value(spec, &value)?;
    Ok(value)
}

impl App {
    /// The settings in force.
    pub async fn settings(&self) -> Result<Settings, AppError> {
        let stored = self.store.settings().await?;
        Ok(Settings::from_values(|key| stored.get(key).cloned()))
    }

    /// Changes one setting (administrators only).
    pub async fn change_setting(
        &self,
        principal: &Principal,
        key: &str,
        value: Value,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::SettingsManage, "change setting")
            .await?;
        let spec = SETTINGS
            .iter()
            .find(|s| s.key == key)
            .ok_or_else(|| DomainError::invalid("key", format!("unknown setting {key:?}")))?;
        check_value(spec, &value)?;
        let event = DomainEvent::SettingChanged {
            key: key.to_owned(),
            value,
        };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_security_baseline() {
        let settings = Settings::defaults();
        assert_eq!(settings.password_min_length, 12);
        assert_eq!(settings.lockout_threshold, 5);
        assert_eq!(settings.session_idle_minutes, 15);
        assert_eq!(settings.session_absolute_hours, 12);
        assert_eq!(settings.totp_required_roles, [Role::Admin]);
    }

    #[test]
    fn out_of_range_input_is_refused_with_its_bounds() {
        let err = parse_setting_input("security.lockout_threshold", "1").unwrap_err();
        assert!(err.to_string().contains("from 3 to 100"), "{err}");
        assert!(
            parse_setting_input("security.totp_required_roles", "admin, station_chief").is_ok()
        );
        assert!(parse_setting_input("security.totp_required_roles", "admin, pirate").is_err());
        assert!(parse_setting_input("map.tile_url", "javascript:alert(1)").is_err());
    }
}
