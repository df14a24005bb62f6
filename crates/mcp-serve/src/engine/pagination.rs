//! Cursor pagination for list methods. Cursors are opaque to clients; ours
//! encode an offset into the deterministic registration order.

use crate::error::McpError;

const PREFIX: &str = "mcp-serve:";

/// The slice of `len` items a request with `cursor` gets, and the next cursor.
pub(crate) fn page(
    len: usize,
    cursor: Option<&str>,
    page_size: Option<usize>,
) -> Result<(std::ops::Range<usize>, Option<String>), McpError> {
    let start = match cursor {
        None => 0,
        Some(c) => c
            .strip_prefix(PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n <= len)
            .ok_or_else(|| McpError::invalid_params(format!("invalid cursor {c:?}: pass a nextCursor value from a previous page, or none to start over")))?,
    };
    let end = page_size.map_or(len, |n| (start + n.max(1)).min(len));
    let next = (end < len).then(|| format!("{PREFIX}{end}"));
    Ok((start..end, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_everything_once() {
        let (r, next) = page(5, None, Some(2)).unwrap();
        assert_eq!(r, 0..2);
        let (r, next) = page(5, next.as_deref(), Some(2)).unwrap();
        assert_eq!(r, 2..4);
        let (r, next) = page(5, next.as_deref(), Some(2)).unwrap();
        assert_eq!(r, 4..5);
        assert!(next.is_none());
        assert!(page(5, Some("garbage"), Some(2)).is_err());
        assert!(page(5, Some("mcp-serve:99"), Some(2)).is_err());
        assert_eq!(page(3, None, None).unwrap(), (0..3, None));
    }
}
