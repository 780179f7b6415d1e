//! Share links (METRICS.md, "Shared views and small counts"): what an
//! administrator asks for, what Settings lists, and what the page behind
//! a link receives.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::privacy::SharedFigures;

/// A share link lives at most this many days.
pub const MAX_SHARE_DAYS: u32 = 366;
/// A share link's password: at least this many characters.
pub const MIN_SHARE_PASSWORD_CHARS: usize = 8;

/// A share link to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkRequest {
    /// The agent shown.
    pub agent_id: String,
    /// Only this section of it; the whole agent when absent.
    pub section: Option<String>,
    /// `today`, `7d`, `30d` (moving with time) or `custom` with `from`/`to`.
    pub period: String,
    /// First local day of a custom period, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last local day of a custom period, included.
    pub to: Option<String>,
    /// The IANA zone of the view.
    pub tz: String,
    /// Days until the link stops working, 1 to 366.
    pub expires_days: u32,
    /// The threshold k, 2 to 100.
    pub min_count: u32,
    /// A password the viewer must give; none for none.
    pub password: Option<String>,
}

/// A share link as Settings lists it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkView {
    /// Its number, to revoke it.
    pub id: i64,
    /// The agent shown.
    pub agent_id: String,
    /// The section shown, if one.
    pub section: Option<String>,
    /// The period as asked: `30d`, or `custom` with its dates.
    pub period: String,
    /// First day of a custom period.
    pub from: Option<String>,
    /// Last day of a custom period.
    pub to: Option<String>,
    /// The zone of the view.
    pub tz: String,
    /// The threshold k.
    pub min_count: u32,
    /// Whether viewers must give a password.
    pub has_password: bool,
    /// Who made it.
    pub created_by: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last opened (its figures shown), if ever.
    pub last_opened_at: Option<DateTime<Utc>>,
    /// How many times its figures were shown.
    pub views: u64,
}

/// A link just made: its path, shown once (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShareLink {
    /// The link as listed.
    pub link: ShareLinkView,
    /// `/share/{token}`.
    pub path: String,
}

/// What the page behind a share link shows: its title, period and the
/// figures with small counts hidden. No learner is named anywhere in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedView {
    /// The agent's name.
    pub agent_name: String,
    /// The section's name, when the link shows one section.
    pub section_name: Option<String>,
    /// The period's name on the time filter (`Past Month`, `Custom`).
    pub period_label: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// The figures.
    pub figures: SharedFigures,
}

/// The answer to opening a share link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SharedPage {
    /// The link needs a password, and none was given.
    PasswordNeeded,
    /// The figures.
    View(Box<SharedView>),
}
