//! The generators the property tests share (`properties.rs`, `pm_properties.rs`).

use proptest::prelude::*;
use serde_json::Value;

/// Any text: printable Unicode (`any::<String>()` never makes a control character) and text
/// rich in control characters, backslashes and quotes.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f a-z\\\\\"é]{0,12}",
        prop::collection::vec(any::<char>(), 0..12).prop_map(|c| c.into_iter().collect()),
    ]
}

/// Any JSON value a caller could send, strings and keys with any characters at all (no floats:
/// serde_json does not promise to read back a float's last digit, which is not what is tested).
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any_text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
