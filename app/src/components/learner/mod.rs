//! The panels of a learner's page, one module per thing they show.

mod contact_panel;
mod day_chart;
mod sessions;
mod summary;

pub use contact_panel::ContactPanel;
pub use day_chart::DayChart;
pub use sessions::Sessions;
pub use summary::Summary;
