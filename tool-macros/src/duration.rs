//! Timeout literals such as `"500ms"`, `"10s"`, `"2m"` or `"1h"`.

/// Milliseconds in `text`, or a message saying what to write instead.
pub fn parse_millis(text: &str) -> Result<u64, String> {
    const HINT: &str =
        "write a whole number followed by a unit: \"500ms\", \"10s\", \"2m\" or \"1h\"";
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let Ok(number) = number.parse::<u64>() else {
        return Err(format!("invalid timeout {text:?}: {HINT}"));
    };
    let scale = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "" => return Err(format!("timeout {text:?} has no unit: {HINT}")),
        other => {
            return Err(format!(
                "unknown unit {other:?} in timeout {text:?}: {HINT}"
            ));
        }
    };
    match number.checked_mul(scale) {
        Some(0) => Err(format!(
            "timeout {text:?} is zero, so every call would time out: {HINT}"
        )),
        Some(millis) => Ok(millis),
        None => Err(format!("timeout {text:?} is too large: {HINT}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn units() {
        assert_eq!(parse_millis("500ms"), Ok(500));
        assert_eq!(parse_millis("10s"), Ok(10_000));
        assert_eq!(parse_millis("2m"), Ok(120_000));
        assert_eq!(parse_millis("1h"), Ok(3_600_000));
    }

    #[test]
    fn mistakes() {
        assert!(parse_millis("10").unwrap_err().contains("no unit"));
        assert!(
            parse_millis("ten s")
                .unwrap_err()
                .contains("invalid timeout")
        );
        assert!(parse_millis("5d").unwrap_err().contains("unknown unit"));
        assert!(parse_millis("0s").unwrap_err().contains("zero"));
        assert!(parse_millis("1.5s").unwrap_err().contains("unknown unit"));
    }
}
