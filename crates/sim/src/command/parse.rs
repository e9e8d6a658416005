//! Splitting a line typed at redis-cli into arguments, with redis-cli's own
//! quoting rules (`sdssplitargs()` in Redis's `sds.c`):
//!
//! - arguments are separated by spaces, tabs, `\n`, `\r`;
//! - `"..."` understands `\n \r \t \b \a`, `\xHH` and `\<any>`;
//! - `'...'` is literal except for `\'`;
//! - a closing quote must be followed by a space or the end of the line;
//! - a quote may start in the middle of a word: `a"b c"` is one argument `ab c`.

use std::fmt;

/// Why a line could not be split. redis-cli itself only says
/// `Invalid argument(s)`; we say which rule was broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    UnbalancedQuotes,
    /// A closing quote followed by something other than a space.
    TextAfterQuote,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::UnbalancedQuotes => write!(f, "Invalid argument(s): unbalanced quotes"),
            ParseError::TextAfterQuote => {
                write!(
                    f,
                    "Invalid argument(s): a closing quote must be followed by a space"
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits `line` into arguments. An empty or blank line gives no arguments.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return Ok(args);
        }
        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let Some(&c) = line.get(i) else {
                if in_double || in_single {
                    return Err(ParseError::UnbalancedQuotes);
                }
                break;
            };
            if in_double {
                if c == b'\\' && line.get(i + 1) == Some(&b'x') {
                    let hi = line.get(i + 2).copied().and_then(hex_value);
                    let lo = line.get(i + 3).copied().and_then(hex_value);
                    if let (Some(hi), Some(lo)) = (hi, lo) {
                        current.push(hi * 16 + lo);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < line.len() {
                    i += 1;
                    current.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if line.get(i + 1).is_some_and(|&n| !is_space(n)) {
                        return Err(ParseError::TextAfterQuote);
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && line.get(i + 1) == Some(&b'\'') {
                    i += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if line.get(i + 1).is_some_and(|&n| !is_space(n)) {
                        return Err(ParseError::TextAfterQuote);
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else if is_space(c) {
                break;
            } else if c == b'"' {
                in_double = true;
            } else if c == b'\'' {
                in_single = true;
            } else {
                current.push(c);
            }
            i += 1;
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Result<Vec<String>, ParseError> {
        split_args(s.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn plain_and_quoted() {
        assert_eq!(split("SET foo bar").unwrap(), ["SET", "foo", "bar"]);
        assert_eq!(split("  GET   foo  ").unwrap(), ["GET", "foo"]);
        assert_eq!(split("").unwrap(), Vec::<String>::new());
        assert_eq!(split(r#"SET "a b" 'c d'"#).unwrap(), ["SET", "a b", "c d"]);
        assert_eq!(
            split(r#"ECHO "x\ny\t\"z\\""#).unwrap(),
            ["ECHO", "x\ny\t\"z\\"]
        );
        assert_eq!(split(r"ECHO 'it\'s'").unwrap(), ["ECHO", "it's"]);
        assert_eq!(
            split(r"ECHO 'no\nescape'").unwrap(),
            ["ECHO", r"no\nescape"]
        );
        assert_eq!(split(r#"a"b c""#).unwrap(), ["ab c"]);
        assert_eq!(split(r#"ECHO """#).unwrap(), ["ECHO", ""]);
    }

    #[test]
    fn hex_escapes_make_bytes() {
        assert_eq!(
            split_args(br#"SET "\x00\xff\x4a" v"#).unwrap()[1],
            vec![0, 0xff, 0x4a]
        );
        // Not two hex digits: the backslash escapes the `x`.
        assert_eq!(split(r#"ECHO "\xZZ""#).unwrap(), ["ECHO", "xZZ"]);
    }

    #[test]
    fn errors() {
        assert_eq!(split(r#"SET "foo"#), Err(ParseError::UnbalancedQuotes));
        assert_eq!(split("SET 'foo"), Err(ParseError::UnbalancedQuotes));
        assert_eq!(split(r#"SET "foo"bar"#), Err(ParseError::TextAfterQuote));
    }
}
