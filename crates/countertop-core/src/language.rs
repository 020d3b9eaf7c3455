//! The languages the shopper screens speak. Tags from the POS are BCP 47 ("nl-NL", "zh-Hant");
//! the UI's bundled translations are named by gettext codes ("nl", "zh_TW").

use std::fmt;

use serde::{Deserialize, Serialize};

/// A language of the customer display. English is the source language of every sentence.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Language {
    #[default]
    English,
    Dutch,
    Swedish,
    /// Traditional characters (Taiwan, Hong Kong, Macau).
    ChineseTraditional,
    /// Simplified characters (mainland China, Singapore).
    ChineseSimplified,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language {0:?}; this terminal speaks en, nl, sv, zh-TW (zh-Hant) and zh-CN (zh-Hans)"
)]
pub struct UnknownLanguage(pub String);

impl Language {
    /// Every language, in the order a language picker lists them.
    pub const ALL: [Language; 5] = [
        Language::English,
        Language::Dutch,
        Language::Swedish,
        Language::ChineseTraditional,
        Language::ChineseSimplified,
    ];

    /// Parses a BCP 47 tag, case-insensitively, accepting `_` for `-` as in POSIX locales:
    /// "en", "en-GB", "nl", "nl-BE", "sv-SE", "zh-TW", "zh-Hant", "zh-Hant-HK", "zh-CN",
    /// "zh-Hans", "zh_TW". For Chinese an explicit script wins over the region; without either
    /// "zh" is Simplified (CLDR's likely subtags), and Hong Kong and Macau are Traditional.
    pub fn from_tag(tag: &str) -> Result<Language, UnknownLanguage> {
        let unknown = || UnknownLanguage(tag.chars().take(35).collect());
        let lowered = tag.trim().to_ascii_lowercase();
        let mut subtags = lowered.split(['-', '_']);
        let primary = subtags.next().unwrap_or_default();
        let rest: Vec<&str> = subtags.collect();
        // Every further subtag must at least be well-formed (1 to 8 letters or digits).
        if rest
            .iter()
            .any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(unknown());
        }
        match primary {
            "en" => Ok(Language::English),
            "nl" => Ok(Language::Dutch),
            "sv" => Ok(Language::Swedish),
            "zh" => {
                if rest.contains(&"hant") {
                    Ok(Language::ChineseTraditional)
                } else if rest.contains(&"hans") {
                    Ok(Language::ChineseSimplified)
                } else if rest.iter().any(|s| matches!(*s, "tw" | "hk" | "mo")) {
                    Ok(Language::ChineseTraditional)
                } else {
                    Ok(Language::ChineseSimplified)
                }
            }
            _ => Err(unknown()),
        }
    }

    /// The BCP 47 tag: what the protocol sends and what locale-aware formatting is asked for.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Dutch => "nl",
            Language::Swedish => "sv",
            Language::ChineseTraditional => "zh-TW",
            Language::ChineseSimplified => "zh-CN",
        }
    }

    /// The gettext code: the directory name of the translation (`translations/<code>/`).
    pub fn gettext_code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Dutch => "nl",
            Language::Swedish => "sv",
            Language::ChineseTraditional => "zh_TW",
            Language::ChineseSimplified => "zh_CN",
        }
    }

    /// The language's name in itself, for a language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Dutch => "Nederlands",
            Language::Swedish => "Svenska",
            Language::ChineseTraditional => "繁體中文",
            Language::ChineseSimplified => "简体中文",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Language {
    type Err = UnknownLanguage;
    fn from_str(s: &str) -> Result<Self, UnknownLanguage> {
        Language::from_tag(s)
    }
}

impl TryFrom<String> for Language {
    type Error = UnknownLanguage;
    fn try_from(s: String) -> Result<Self, UnknownLanguage> {
        Language::from_tag(&s)
    }
}

impl From<Language> for String {
    fn from(language: Language) -> String {
        language.tag().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_case_insensitively_with_either_separator() {
        let cases = [
            ("en", Language::English),
            ("EN-gb", Language::English),
            ("en_US", Language::English),
            ("nl", Language::Dutch),
            ("nl-NL", Language::Dutch),
            ("nl-be", Language::Dutch),
            ("sv", Language::Swedish),
            ("sv-SE", Language::Swedish),
            ("zh-TW", Language::ChineseTraditional),
            ("zh_tw", Language::ChineseTraditional),
            ("zh-Hant", Language::ChineseTraditional),
            ("zh-Hant-HK", Language::ChineseTraditional),
            ("zh-HK", Language::ChineseTraditional),
            ("zh-MO", Language::ChineseTraditional),
            ("zh-CN", Language::ChineseSimplified),
            ("zh-Hans", Language::ChineseSimplified),
            ("ZH-HANS-SG", Language::ChineseSimplified),
            ("zh-SG", Language::ChineseSimplified),
            ("zh", Language::ChineseSimplified),
            (" sv ", Language::Swedish),
        ];
        for (tag, expected) in cases {
            assert_eq!(Language::from_tag(tag), Ok(expected), "{tag}");
        }
    }

    #[test]
    fn an_explicit_script_wins_over_the_region() {
        assert_eq!(
            Language::from_tag("zh-Hans-TW"),
            Ok(Language::ChineseSimplified)
        );
        assert_eq!(
            Language::from_tag("zh-Hant-CN"),
            Ok(Language::ChineseTraditional)
        );
    }

    #[test]
    fn unknown_or_malformed_tags_are_refused_with_the_tag_in_the_message() {
        for tag in [
            "",
            "fr",
            "de-NL",
            "english",
            "nl-",
            "nl--NL",
            "zh-Hant-toolongsubtag",
            "nl-N L",
            "e",
        ] {
            let error = Language::from_tag(tag).unwrap_err();
            assert!(error.to_string().contains("zh-TW"), "{error}");
        }
        assert!(
            Language::from_tag("fr-FR")
                .unwrap_err()
                .to_string()
                .contains("\"fr-FR\"")
        );
    }

    #[test]
    fn codes_and_tags_round_trip() {
        let gettext: Vec<&str> = Language::ALL.iter().map(|l| l.gettext_code()).collect();
        assert_eq!(gettext, ["en", "nl", "sv", "zh_TW", "zh_CN"]);
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.tag()), Ok(language));
            assert_eq!(Language::from_tag(language.gettext_code()), Ok(language));
            assert_eq!(language.to_string().parse::<Language>(), Ok(language));
        }
        assert_eq!(Language::default(), Language::English);
    }

    #[test]
    fn serde_uses_the_tag() {
        assert_eq!(
            serde_json::to_string(&Language::ChineseTraditional).unwrap(),
            "\"zh-TW\""
        );
        assert_eq!(
            serde_json::from_str::<Language>("\"nl-NL\"").unwrap(),
            Language::Dutch
        );
        let error = serde_json::from_str::<Language>("\"fr\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown language"), "{error}");
    }
}
