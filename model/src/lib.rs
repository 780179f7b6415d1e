//! Types shared by the server, the browser app and API clients, so that the
//! two sides of every call cannot drift apart. Nothing here touches a
//! database or the DOM: it compiles for the server and for wasm alike.

#![warn(missing_docs)]

mod admin;
mod csv;
mod error;
mod figures;
mod period;

pub use admin::{
    AccountUpdate, AccountView, KeyAgents, KeyRequest, KeyScope, KeyView, NewAccount, Role,
};
pub use csv::{USER_CSV_COLUMNS, escape_cell, users_csv};
pub use error::ApiError;
pub use figures::{
    Agent, Dashboard, Granularity, Heatmap, HeatmapGrid, Overview, PeriodBounds, Trend,
    TrendBucket, UserRow, UsersTable,
};
pub use period::{PeriodKind, PeriodQuery};
