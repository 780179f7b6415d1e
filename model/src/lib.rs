//! Types shared by the server, the browser app and API clients, so that the
//! two sides of every call cannot drift apart. Nothing here touches a
//! database or the DOM: it compiles for the server and for wasm alike.

#![warn(missing_docs)]

mod admin;
mod annotations;
mod contact_marks;
mod csv;
mod error;
mod figures;
mod period;
mod privacy;
mod retention;
mod sections;
mod share;
mod text;

/// The names of the model's enums as text, both ways, by their strum
/// derives (a test in `admin.rs` checks serde spells them alike).
macro_rules! named {
    ($($type:ty),*) => {$(
        impl $type {
            /// The name stored, printed and used in URLs (`superadmin`,
            /// `read`, `7d`, ...).
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The value a stored or typed name stands for; `None` for an
            /// unknown name.
            pub fn parse(text: &str) -> Option<$type> {
                text.parse().ok()
            }
        }
    )*};
}
named!(
    admin::Role,
    admin::KeyScope,
    period::PeriodKind,
    figures::FollowUpStatus,
    retention::WeekStart
);

pub use admin::{
    AccountUpdate, AccountView, EmbeddedViewer, KeyAgents, KeyRequest, KeyScope, KeyView,
    NewAccount, Role, SignInOptions, SignedInAs, SingleSignOnUser,
};
pub use annotations::{
    Annotation, MAX_ANNOTATION_DAYS, MAX_ANNOTATION_LABEL_CHARS, MAX_ANNOTATIONS_PER_AGENT,
};
pub use contact_marks::{
    ContactMark, ContactMarks, ContactRequest, LearnerPage, MAX_CONTACTS_AT_ONCE, MAX_NOTE_CHARS,
    contact_note,
};
pub use csv::{USER_CSV_COLUMNS, escape_cell, users_csv};
pub use error::ApiError;
pub use figures::{
    ActivityStrips, Agent, AgentFigures, AgentListing, AgentMedian, DEFAULT_INACTIVE_DAYS,
    Dashboard, FollowUpStatus, Granularity, Heatmap, HeatmapGrid, INACTIVE_DAYS_RANGE,
    LEARNER_SESSIONS_SHOWN, LearnerDay, LearnerSession, LearnerView, MAX_STRIP_BINS, Overview,
    PeriodBounds, Trend, TrendBucket, UserRow, UsersTable,
};
pub use period::{PeriodKind, PeriodQuery};
pub use privacy::{
    DEFAULT_MIN_COUNT, MIN_COUNT_RANGE, SharedFigures, SharedHeatmap, SharedOverview, SharedTrend,
    SharedTrendBucket, hidden_cells, is_small, pseudonym,
};
pub use retention::{
    Cohort, DEFAULT_RETENTION_WEEKS, LifecycleWeek, RETENTION_WEEKS_RANGE, Retention,
    RetentionWeek, WeekStart,
};
pub use sections::{
    MAX_SECTION_NAME_CHARS, MAX_SECTIONS_PER_AGENT, Section, SectionTrend, section_name,
};
pub use share::{
    MAX_SHARE_DAYS, MIN_SHARE_PASSWORD_CHARS, NewShareLink, ShareLinkRequest, ShareLinkView,
    SharedPage, SharedView,
};
pub use text::{
    MAX_DISPLAY_TEXT_CHARS, MAX_PUBLIC_ID_CHARS, MAX_USER_ID_CHARS, PUBLIC_ID_PATTERN,
    USER_ID_PATTERN, check_public_id, check_text, check_user_id, control_char, foreign_id_char,
    is_public_id, is_user_id,
};
