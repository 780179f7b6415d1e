/// What can go wrong in the data layer. Callers turn it into an
/// `ApiError` (crate::api_error), which says which HTTP status it is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A query or connection failed; [`StoreError::outage`] tells whether the
    /// database's state is to blame.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the schema migrations failed, or migrations already applied
    /// have changed since.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Holds the URL already redacted.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// The first connection failed: says where to and why, never the password.
    #[error("could not connect to PostgreSQL at {target}: {reason}")]
    Connect {
        /// `host:port` of the PostgreSQL server.
        target: String,
        /// Why it failed, in words that never carry the URL.
        reason: String,
    },
    /// A stored value the code cannot read back: a bug or a damaged database.
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
    /// The lock file beside a SQLite database, which orders concurrent
    /// migrations, could not be taken.
    #[error("could not lock the database file {path} for migration: {source}")]
    FileLock {
        /// The lock file: the database's path with `.migrate-lock` added.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The write would go past a limit of what an agent may keep (its
    /// sections, its annotations); nothing was written. The text names it.
    #[error("{0}")]
    LimitReached(String),
    /// The write breaks a rule of the data it would change (an embedded
    /// viewer given a password, say); nothing was written. The text says why.
    #[error("{0}")]
    Refused(String),
    /// What was asked cannot be done on this backend; the text says so.
    #[error("{0}")]
    Unsupported(&'static str),
    /// The folder of a new SQLite database file could not be created.
    #[error("could not create the database folder {path}: {source}")]
    CreateDir {
        /// The folder that could not be created.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why the database could not do what was asked, when the fault is the
/// database's state rather than the request: callers answer 503 or 507 with
/// `message()`, and the client may retry later. The write was rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Not reachable: server down, restarting, pool exhausted, file locked.
    Unreachable,
    /// The file or the server accepts no writes.
    ReadOnly,
    /// No space left for the database.
    DiskFull,
    /// The operating system refused a read or write of the database file.
    DiskError,
}

impl Outage {
    /// The words for the caller: what went wrong and whether anything was
    /// stored. Safe to show; names no server or file.
    pub fn message(self) -> &'static str {
        match self {
            Outage::Unreachable => "the database is unavailable; try again shortly",
            Outage::ReadOnly => "the database is read-only; nothing was stored",
            Outage::DiskFull => "the database's disk is full; nothing was stored",
            Outage::DiskError => {
                "the database could not read or write its file; nothing was stored"
            }
        }
    }
}

impl StoreError {
    /// The outage behind this error, if it is one (as opposed to a query the
    /// database rejected, which is a bug).
    pub fn outage(&self) -> Option<Outage> {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed,
            ) => Some(Outage::Unreachable),
            StoreError::Database(sqlx::Error::Database(error)) => {
                let code = error.code().unwrap_or_default();
                if error
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .is_some()
                {
                    sqlite_outage(code.parse().unwrap_or(0))
                } else {
                    postgres_outage(&code)
                }
            }
            _ => None,
        }
    }
}

/// By SQLite's (extended) result code.
fn sqlite_outage(code: i32) -> Option<Outage> {
    // The primary code is the low byte of an extended one.
    match code & 0xff {
        5 | 6 => Some(Outage::Unreachable), // BUSY, LOCKED
        8 => Some(Outage::ReadOnly),
        10 | 14 => Some(Outage::DiskError), // IOERR, CANTOPEN
        13 => Some(Outage::DiskFull),
        _ => None,
    }
}

/// By PostgreSQL's SQLSTATE.
fn postgres_outage(code: &str) -> Option<Outage> {
    match code {
        "25006" => Some(Outage::ReadOnly),  // read_only_sql_transaction
        "53100" => Some(Outage::DiskFull),  // disk_full
        "58030" => Some(Outage::DiskError), // io_error
        // connection exceptions, shutting down, too many connections, starting up
        _ if code.starts_with("08") || code.starts_with("57P") || code == "53300" => {
            Some(Outage::Unreachable)
        }
        _ => None,
    }
}

/// A database URL fit for help, errors and logs: the password, in the
/// user part or as a `password=` parameter, becomes `***`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                        format!("{name}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    let separator = if scheme.is_empty() { "" } else { "://" };
    format!("{scheme}{separator}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_urls() {
        assert_eq!(
            redact_url(
                "postgres://admin:S3cr@t:x@db.example:5432/pulse?sslmode=require&password=P2"
            ),
            "postgres://admin:***@db.example:5432/pulse?sslmode=require&password=***"
        );
        assert_eq!(
            redact_url("postgres://admin@host/db"),
            "postgres://admin@host/db"
        );
        assert_eq!(
            redact_url("sqlite://data/pulse.db"),
            "sqlite://data/pulse.db"
        );
        assert_eq!(redact_url("mysql://u:pw@h/d"), "mysql://u:***@h/d");
    }

    #[test]
    fn codes_of_both_backends_name_the_outage() {
        assert_eq!(sqlite_outage(13), Some(Outage::DiskFull));
        assert_eq!(sqlite_outage(1032), Some(Outage::ReadOnly)); // READONLY_DBMOVED
        assert_eq!(sqlite_outage(778), Some(Outage::DiskError)); // IOERR_WRITE
        assert_eq!(sqlite_outage(2067), None); // CONSTRAINT_UNIQUE: a bug, not an outage
        assert_eq!(postgres_outage("57P01"), Some(Outage::Unreachable));
        assert_eq!(postgres_outage("53100"), Some(Outage::DiskFull));
        assert_eq!(postgres_outage("23505"), None);
    }
}
