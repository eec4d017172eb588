//! The message catalogue: every text of the interface, Chinese first, English second.
//!
//! `i18n/zh.toml` and `i18n/en.toml` are flat `key = "text"` files embedded in the
//! binary; a test checks that both have the same keys and that every key the templates
//! and handlers use exists. Arguments are written `{0}`, `{1}` ….

use std::collections::HashMap;
use std::sync::LazyLock;

/// The interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From a cookie or query value; anything unknown is Chinese.
    pub fn from_code(code: &str) -> Self {
        if code.eq_ignore_ascii_case("en") {
            Self::En
        } else {
            Self::Zh
        }
    }

    /// The code used in cookies and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The short code (`zh`/`en`).
    pub fn short(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }
}

fn parse(text: &'static str) -> HashMap<String, String> {
    let table: toml::Table = text.parse().unwrap_or_default();
    table
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
        .collect()
}

static ZH: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse(include_str!("../i18n/zh.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse(include_str!("../i18n/en.toml")));

/// The catalogue of one language.
pub fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The translator handed to templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// A translator for a language.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The text of `key`; a missing key shows as itself (and fails the catalogue test).
    pub fn s<'a>(&self, key: &'a str) -> &'a str {
        match catalogue(self.lang).get(key).or_else(|| ZH.get(key)) {
            Some(text) => text.as_str(),
            None => key,
        }
    }

    /// The text of `key` with `{0}`, `{1}` … replaced by `args`.
    pub fn f(&self, key: &str, args: &[&dyn std::fmt::Display]) -> String {
        let mut text = self.s(key).to_owned();
        for (i, arg) in args.iter().enumerate() {
            text = text.replace(&format!("{{{i}}}"), &arg.to_string());
        }
        text
    }

    /// The display name of a role.
    pub fn role(&self, role: &str) -> String {
        self.s(&format!("role.{role}")).to_owned()
    }
}
