//! The panels of the Users tab, one module per thing they show.

mod chart_canvas;
mod heatmap_panel;
mod time_filter;
mod topline;
mod trend_panel;
mod user_table;

pub use heatmap_panel::HeatmapPanel;
pub use time_filter::TimeFilter;
pub use topline::Topline;
pub use trend_panel::TrendPanel;
pub use user_table::UserTable;
