//! The panels of the Users tab, one module per thing they show.

mod chart_canvas;
mod follow_up_bar;
mod heatmap_panel;
mod learner_rows;
mod learner_table;
mod retention_panel;
mod section_filter;
mod sections_panel;
mod share_view;
mod sparkline;
mod status_bar;
mod time_filter;
mod topline;
mod trend_panel;

pub use chart_canvas::{ExportButtons, canvas_size, column_cursor, draw_whenever, tooltip_place};
pub use heatmap_panel::HeatmapPanel;
pub use learner_table::{FollowUpData, LearnerTable};
pub use retention_panel::RetentionPanel;
pub use section_filter::SectionFilter;
pub use sections_panel::SectionsPanel;
pub use share_view::ShareView;
pub use status_bar::StatusLabel;
pub use time_filter::TimeFilter;
pub use topline::Topline;
pub use trend_panel::TrendPanel;
