//! JSON kept in TEXT columns (a paper, a blueprint, a question's options).
//! Decoded loudly: a damaged value is an error that names the column and the
//! row, never an empty list that would silently change a score or a paper.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;

/// Decodes the JSON of `column` in the row `row`.
pub fn decode<T: DeserializeOwned>(
    column: &'static str,
    row: &str,
    raw: &str,
) -> Result<T, AppError> {
    serde_json::from_str(raw).map_err(|source| AppError::Damaged {
        what: format!("{column} of {row}"),
        source,
    })
}

/// Encodes a value for a JSON column.
pub fn encode<T: Serialize>(column: &'static str, value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|source| AppError::Damaged {
        what: format!("{column} (while writing)"),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_value_is_an_error_naming_its_column_not_an_empty_list() {
        let ok: Vec<String> = decode("questions.options", "q1", r#"["a","b"]"#).expect("valid");
        assert_eq!(ok, ["a", "b"]);
        let e = decode::<Vec<String>>("questions.options", "q1", r#"["a","#).unwrap_err();
        assert!(e.to_string().contains("questions.options of q1"), "{e}");
        assert!(
            std::error::Error::source(&e).is_some(),
            "the parse error is kept"
        );
        assert_eq!(encode("x", &vec![1, 2]).expect("encodes"), "[1,2]");
    }
}
