//! The database's bad moments, told apart from a request's own mistakes by
//! the words SQLite, PostgreSQL and libpq use for them. A fault means "try
//! again shortly" (503); anything else is the request's or the code's.

/// Words of a fault, matched in lower case, with the category reported by
/// `/readyz` (the details stay in the log).
const FAULTS: &[(&str, &str)] = &[
    // SQLite
    ("database or disk is full", "disk full"),
    ("disk i/o error", "disk error"),
    ("readonly database", "read-only"),
    ("database is locked", "locked"),
    ("unable to open database file", "unreachable"),
    // PostgreSQL and libpq
    ("read-only transaction", "read-only"),
    ("recovery is in progress", "read-only"),
    ("canceling statement due to", "timeout"),
    ("no connection to the server", "unreachable"),
    ("server closed the connection", "unreachable"),
    ("terminating connection", "unreachable"),
    ("could not receive data", "unreachable"),
    ("could not send data", "unreachable"),
    ("could not connect", "unreachable"),
    ("connection refused", "unreachable"),
    ("connection reset", "unreachable"),
    ("connection to server", "unreachable"),
    ("broken pipe", "unreachable"),
    ("the database system is", "unreachable"),
    ("is not currently accepting connections", "unreachable"),
    ("too many clients", "busy"),
    ("remaining connection slots", "busy"),
];

/// Whether a database error message describes a fault of the database.
pub fn is_fault(message: &str) -> bool {
    let m = message.to_lowercase();
    FAULTS.iter().any(|(words, _)| m.contains(words))
}

/// A short public category for a fault's reason: "disk full", "read-only",
/// "locked", "timeout", "busy" or "unreachable" (the default: whatever
/// else stops the database from answering).
pub fn category(reason: &str) -> &'static str {
    let m = reason.to_lowercase();
    if m.contains("timed out") || m.contains("within") {
        return "timeout";
    }
    FAULTS
        .iter()
        .find(|(words, _)| m.contains(words))
        .map(|(_, c)| *c)
        .unwrap_or("unreachable")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_of_each_backend_are_faults() {
        for m in [
            "database or disk is full",
            "attempt to write a readonly database",
            "database is locked",
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
            "no connection to the server\n",
            "FATAL:  database \"x\" is not currently accepting connections",
            "FATAL:  the database system is starting up",
            "canceling statement due to statement timeout",
            "canceling statement due to lock timeout",
            "cannot execute UPDATE in a read-only transaction",
        ] {
            assert!(is_fault(m), "{m}");
        }
        for m in [
            "UNIQUE constraint failed: participants.phone",
            "duplicate key value violates unique constraint \"x\"",
            "syntax error at or near \"SELEC\"",
            "no such table: attempts",
        ] {
            assert!(!is_fault(m), "{m}");
        }
    }

    #[test]
    fn categories_are_short_and_public() {
        assert_eq!(category("database or disk is full"), "disk full");
        assert_eq!(
            category("writes are failing: database or disk is full"),
            "disk full"
        );
        assert_eq!(
            category("attempt to write a readonly database"),
            "read-only"
        );
        assert_eq!(
            category("the database did not answer within 3 s"),
            "timeout"
        );
        assert_eq!(
            category("connection to server at \"10.0.0.5\", port 5432 failed: Connection refused"),
            "unreachable"
        );
        assert_eq!(category("something new"), "unreachable");
    }
}
