//! The protocol's JSON Schema (docs/protocol.schema.json) and a validator for the part of
//! JSON Schema 2020-12 it uses. Small and self-contained on purpose: the conformance suite
//! checks every message against it, and a keyword the validator does not know is an error
//! (the schema cannot silently rely on something nobody checks).

use serde_json::Value;

/// The schema, as published under docs/.
pub const PROTOCOL_SCHEMA: &str = include_str!("../../docs/protocol.schema.json");

/// Which side sent a message; each is checked against its own list of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    PosToTerminal,
    TerminalToPos,
}

impl Direction {
    fn definition(self) -> &'static str {
        match self {
            Direction::PosToTerminal => "pos_to_terminal",
            Direction::TerminalToPos => "terminal_to_pos",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("the schema itself is unusable: {0}")]
    BadSchema(String),
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("at {path}: {problem}")]
    Violation { path: String, problem: String },
}

/// A parsed schema, ready to check messages.
pub struct Schema {
    root: Value,
}

impl Schema {
    pub fn protocol() -> Result<Self, SchemaError> {
        Self::from_text(PROTOCOL_SCHEMA)
    }

    pub fn from_text(text: &str) -> Result<Self, SchemaError> {
        let root = serde_json::from_str(text).map_err(|e| SchemaError::BadSchema(e.to_string()))?;
        Ok(Schema { root })
    }

    /// The parsed schema document (for tests comparing it with docs/protocol.md).
    pub fn document(&self) -> &Value {
        &self.root
    }

    /// Checks one message text as sent in `direction`.
    pub fn check_message(&self, direction: Direction, text: &str) -> Result<(), SchemaError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| SchemaError::NotJson(e.to_string()))?;
        let schema = self.definition(direction.definition())?;
        self.check(schema, &value, "$")
    }

    /// Checks a value against the schema named `#/$defs/<name>`.
    pub fn check_definition(&self, name: &str, value: &Value) -> Result<(), SchemaError> {
        let schema = self.definition(name)?;
        self.check(schema, value, "$")
    }

    fn definition(&self, name: &str) -> Result<&Value, SchemaError> {
        self.root
            .get("$defs")
            .and_then(|d| d.get(name))
            .ok_or_else(|| SchemaError::BadSchema(format!("no definition {name:?}")))
    }

    fn resolve(&self, reference: &str) -> Result<&Value, SchemaError> {
        reference
            .strip_prefix("#/$defs/")
            .ok_or_else(|| SchemaError::BadSchema(format!("unsupported $ref {reference:?}")))
            .and_then(|name| self.definition(name))
    }

    fn check(&self, schema: &Value, value: &Value, path: &str) -> Result<(), SchemaError> {
        let Some(keywords) = schema.as_object() else {
            return Err(SchemaError::BadSchema(format!(
                "{path}: a schema is an object"
            )));
        };
        let violation = |problem: String| SchemaError::Violation {
            path: path.to_owned(),
            problem,
        };
        for (keyword, argument) in keywords {
            match keyword.as_str() {
                "$schema" | "$id" | "$defs" | "title" | "description" => {}
                "$ref" => {
                    let target = self.resolve(argument.as_str().unwrap_or_default())?;
                    self.check(target, value, path)?;
                }
                "type" => {
                    let expected = argument.as_str().unwrap_or_default();
                    if !has_type(value, expected) {
                        return Err(violation(format!("expected {expected}, found {value}")));
                    }
                }
                "const" => {
                    if value != argument {
                        return Err(violation(format!("expected {argument}, found {value}")));
                    }
                }
                "enum" => {
                    let options = argument.as_array().map(Vec::as_slice).unwrap_or_default();
                    if !options.contains(value) {
                        return Err(violation(format!("{value} is not one of {argument}")));
                    }
                }
                "properties" => {
                    let (Some(object), Some(properties)) =
                        (value.as_object(), argument.as_object())
                    else {
                        continue;
                    };
                    for (name, property) in properties {
                        if let Some(field) = object.get(name) {
                            self.check(property, field, &format!("{path}.{name}"))?;
                        }
                    }
                }
                "required" => {
                    let Some(object) = value.as_object() else {
                        continue;
                    };
                    for name in argument.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or_default();
                        if !object.contains_key(name) {
                            return Err(violation(format!("the field {name:?} is missing")));
                        }
                    }
                }
                "items" => {
                    for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.check(argument, item, &format!("{path}[{index}]"))?;
                    }
                }
                "maxItems" => {
                    let max = number(argument, keyword)?;
                    if value.as_array().is_some_and(|a| a.len() as u64 > max) {
                        return Err(violation(format!("more than {max} items")));
                    }
                }
                "minLength" | "maxLength" => {
                    let limit = number(argument, keyword)?;
                    if let Some(text) = value.as_str() {
                        let length = text.chars().count() as u64;
                        let outside = if keyword == "minLength" {
                            length < limit
                        } else {
                            length > limit
                        };
                        if outside {
                            return Err(violation(format!(
                                "length {length} breaks {keyword} {limit}"
                            )));
                        }
                    }
                }
                "minimum" => {
                    let min = argument.as_i64().ok_or_else(|| {
                        SchemaError::BadSchema(format!("{path}: minimum is an integer"))
                    })?;
                    if value.as_i64().is_some_and(|n| n < min)
                        || value.as_f64().is_some_and(|n| n < min as f64)
                    {
                        return Err(violation(format!("{value} is below {min}")));
                    }
                }
                "pattern" => {
                    let pattern = Pattern::parse(argument.as_str().unwrap_or_default())?;
                    if let Some(text) = value.as_str()
                        && !pattern.matches(text)
                    {
                        return Err(violation(format!("{text:?} does not match {argument}")));
                    }
                }
                "oneOf" | "anyOf" => {
                    let options = argument.as_array().map(Vec::as_slice).unwrap_or_default();
                    let mut errors = Vec::new();
                    let mut matched = 0;
                    for option in options {
                        match self.check(option, value, path) {
                            Ok(()) => matched += 1,
                            Err(SchemaError::BadSchema(e)) => {
                                return Err(SchemaError::BadSchema(e));
                            }
                            Err(error) => errors.push(error.to_string()),
                        }
                    }
                    if matched == 0 {
                        return Err(violation(format!(
                            "matches none of the {keyword} options ({})",
                            closest(&errors)
                        )));
                    }
                    if keyword == "oneOf" && matched > 1 {
                        return Err(violation(format!("matches {matched} oneOf options")));
                    }
                }
                other => {
                    return Err(SchemaError::BadSchema(format!(
                        "{path}: keyword {other:?} is not supported by this validator"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn number(argument: &Value, keyword: &str) -> Result<u64, SchemaError> {
    argument
        .as_u64()
        .ok_or_else(|| SchemaError::BadSchema(format!("{keyword} is a non-negative integer")))
}

/// The deepest-looking error of a failed `oneOf`, so a message says which field is wrong
/// rather than listing every message type.
fn closest(errors: &[String]) -> String {
    errors
        .iter()
        .max_by_key(|e| e.matches('.').count() + e.matches('[').count())
        .cloned()
        .unwrap_or_default()
}

fn has_type(value: &Value, expected: &str) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => false,
    }
}

/// The only regular expressions the schema uses: `^[class]{n}$`, `^[class]{m,n}$`. Anything
/// else is refused as unsupported rather than matched wrongly.
struct Pattern {
    ranges: Vec<(char, char)>,
    min: usize,
    max: usize,
}

impl Pattern {
    fn parse(pattern: &str) -> Result<Self, SchemaError> {
        let unsupported = || SchemaError::BadSchema(format!("unsupported pattern {pattern:?}"));
        let body = pattern
            .strip_prefix("^[")
            .and_then(|p| p.strip_suffix('$'))
            .ok_or_else(unsupported)?;
        let (class, count) = body.split_once("]{").ok_or_else(unsupported)?;
        let count = count.strip_suffix('}').ok_or_else(unsupported)?;
        let (min, max) = match count.split_once(',') {
            Some((min, max)) => (min.parse(), max.parse()),
            None => (count.parse(), count.parse()),
        };
        let (Ok(min), Ok(max)) = (min, max) else {
            return Err(unsupported());
        };
        let chars: Vec<char> = class.chars().collect();
        let mut ranges = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\\' || chars[i] == '[' || chars[i] == ']' {
                return Err(unsupported());
            }
            // A '-' between two characters is a range; first or last it is itself.
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                ranges.push((chars[i], chars[i + 2]));
                i += 3;
            } else {
                ranges.push((chars[i], chars[i]));
                i += 1;
            }
        }
        Ok(Pattern { ranges, min, max })
    }

    fn matches(&self, text: &str) -> bool {
        let count = text.chars().count();
        count >= self.min
            && count <= self.max
            && text
                .chars()
                .all(|c| self.ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::protocol().expect("the published schema parses")
    }

    #[test]
    fn valid_messages_pass_in_their_own_direction_only() {
        let s = schema();
        let ping = r#"{"v":1,"id":"r1","type":"ping"}"#;
        s.check_message(Direction::PosToTerminal, ping).unwrap();
        assert!(s.check_message(Direction::TerminalToPos, ping).is_err());
        let pong = r#"{"v":1,"id":"r1","type":"pong"}"#;
        s.check_message(Direction::TerminalToPos, pong).unwrap();
    }

    #[test]
    fn each_kind_of_violation_is_caught() {
        let s = schema();
        for (bad, why) in [
            (r#"{"type":"ping"}"#, "missing v"),
            (r#"{"v":2,"type":"ping"}"#, "wrong version"),
            (r#"{"v":1,"type":"launch"}"#, "unknown type"),
            (r#"{"v":1,"type":"ping","id":7}"#, "id not a string"),
            (
                &format!(r#"{{"v":1,"type":"ping","id":"{}"}}"#, "x".repeat(65)),
                "id too long",
            ),
            (
                r#"{"v":1,"type":"payment.status","payment_id":"a b"}"#,
                "payment id pattern",
            ),
            (
                r#"{"v":1,"type":"cart.set","currency":"eur","lines":[]}"#,
                "currency pattern",
            ),
            (
                r#"{"v":1,"type":"cart.set","currency":"EUR","lines":[{"id":"1","description":"x","quantity_milli":-1,"unit_price":{"minor":1,"currency":"EUR"}}]}"#,
                "negative quantity",
            ),
            (
                r#"{"v":1,"type":"cart.set","currency":"EUR"}"#,
                "missing lines",
            ),
            (
                r#"{"v":1,"type":"display.set","logos":["bitcoin"]}"#,
                "unknown logo",
            ),
            (
                r#"{"v":1,"type":"display.set","show_logos":"yes"}"#,
                "boolean as string",
            ),
            ("[1,2]", "not an object"),
            ("nope", "not JSON"),
        ] {
            assert!(
                s.check_message(Direction::PosToTerminal, bad).is_err(),
                "{why} passed: {bad}"
            );
        }
        let too_many = json!({"v":1,"type":"cart.set","currency":"EUR","lines":
            vec![json!({"id":"1","description":"x","quantity_milli":1,"unit_price":{"minor":1,"currency":"EUR"}}); 2001]});
        assert!(
            s.check_message(Direction::PosToTerminal, &too_many.to_string())
                .is_err()
        );
        for bad in [
            r#"{"v":1,"type":"error","code":"oops","message":"x"}"#,
            r#"{"v":1,"type":"payment.result","payment_id":"p","outcome":{"status":"approved"}}"#,
            r#"{"v":1,"type":"payment.result","payment_id":"p","outcome":{"status":"declined","reason":"insufficient_funds","card":{"brand":"visa","last4":"42424"}}}"#,
        ] {
            assert!(
                s.check_message(Direction::TerminalToPos, bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn unsupported_keywords_and_patterns_are_refused_not_ignored() {
        let s = Schema::from_text(
            r#"{"$defs":{"pos_to_terminal":{"type":"object","additionalProperties":false}}}"#,
        )
        .unwrap();
        assert!(matches!(
            s.check_message(Direction::PosToTerminal, "{}"),
            Err(SchemaError::BadSchema(_))
        ));
        let s = Schema::from_text(
            r#"{"$defs":{"pos_to_terminal":{"type":"string","pattern":"^a+$"}}}"#,
        )
        .unwrap();
        assert!(matches!(
            s.check_message(Direction::PosToTerminal, r#""aaa""#),
            Err(SchemaError::BadSchema(_))
        ));
    }

    #[test]
    fn patterns_match_exactly_their_class_and_length() {
        let p = Pattern::parse("^[A-Za-z0-9._:-]{1,64}$").unwrap();
        assert!(p.matches("order-1042:1.a_b"));
        assert!(!p.matches(""));
        assert!(!p.matches("a b"));
        assert!(!p.matches(&"a".repeat(65)));
        let hex = Pattern::parse("^[0-9a-f]{4}$").unwrap();
        assert!(hex.matches("09af"));
        assert!(!hex.matches("09aF"));
        assert!(!hex.matches("09a"));
    }
}
