//! Checks of documented constraints, run before any request is sent.
//!
//! Each returns an [`Error`] for which [`Error::is_invalid_request`] is true and whose
//! message names the parameter as the vendor spells it.

use std::fmt::Display;

use crate::Error;

/// A required text parameter must not be empty (or only white space).
pub fn non_empty(name: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid_request(format!(
            "`{name}` must not be empty"
        )));
    }
    Ok(())
}

/// A number must lie within `min..=max` (either bound optional).
pub fn in_range<T>(name: &str, value: T, min: Option<T>, max: Option<T>) -> Result<(), Error>
where
    T: PartialOrd + Display + Copy,
{
    let below = min.is_some_and(|m| value < m);
    let above = max.is_some_and(|m| value > m);
    if below || above {
        let bounds = match (min, max) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => String::new(),
        };
        return Err(Error::invalid_request(format!(
            "`{name}` must be {bounds}, got {value}"
        )));
    }
    Ok(())
}

/// An end bound may not precede its start bound (both optional).
pub fn ordered<T: PartialOrd>(
    start_name: &str,
    start: Option<T>,
    end_name: &str,
    end: Option<T>,
) -> Result<(), Error> {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(Error::invalid_request(format!(
            "`{end_name}` must not be before `{start_name}`"
        )));
    }
    Ok(())
}

/// A required parameter must be present.
pub fn required<'a, T>(name: &str, value: Option<&'a T>) -> Result<&'a T, Error> {
    value.ok_or_else(|| Error::invalid_request(format!("`{name}` is required")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_names_the_parameter() {
        let e = non_empty("uid", "  ").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("invalid request: `uid` must not be empty")
        );
        assert!(non_empty("uid", "E99").is_ok());

        let e = in_range("size", 101, Some(1), Some(100)).err();
        assert!(e.as_ref().is_some_and(Error::is_invalid_request));
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("invalid request: `size` must be between 1 and 100, got 101")
        );
        assert!(in_range("size", 100, Some(1), Some(100)).is_ok());
        assert!(in_range("pageSize", 0, Some(1), None).is_err());

        assert!(ordered("gmtStart", Some(2), "gmtEnd", Some(1)).is_err());
        assert!(ordered("gmtStart", Some(1), "gmtEnd", Some(1)).is_ok());
        assert!(ordered::<u8>("gmtStart", None, "gmtEnd", Some(1)).is_ok());
        assert!(required::<u8>("robotid", None).is_err());
    }
}
