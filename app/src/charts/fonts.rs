//! The fonts chart text is set in. In the browser, plotters measures each
//! text by giving a hidden `<span>` a `style` attribute (its web font
//! backend, plotters 0.3.7 `style/font/web.rs`): those attribute values are
//! the only inline styles the app makes, and the server's
//! Content-Security-Policy allows exactly them, by hash, and nothing else
//! inline. A text in a size not listed here would be blocked, and the
//! browser tests fail on the console error that reports it.

use plotters::style::{FontDesc, IntoFont};

/// The family of every chart text.
const FAMILY: &str = "sans-serif";

/// The sizes chart text comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSize {
    /// 10 px: the heatmap's per-cell figures.
    Tiny,
    /// 11 px: the heatmap's column totals.
    Small,
    /// 12 px: axis labels and the legend.
    Normal,
    /// 13 px: the trend's labels, the heatmap's day names.
    Large,
}

impl TextSize {
    const ALL: [TextSize; 4] = [
        TextSize::Tiny,
        TextSize::Small,
        TextSize::Normal,
        TextSize::Large,
    ];

    fn pixels(self) -> u32 {
        match self {
            TextSize::Tiny => 10,
            TextSize::Small => 11,
            TextSize::Normal => 12,
            TextSize::Large => 13,
        }
    }
}

/// The chart font in `size`.
pub fn font(size: TextSize) -> FontDesc<'static> {
    (FAMILY, f64::from(size.pixels())).into_font()
}

/// The `style` attribute values plotters sets to measure chart text, one
/// per size: what the Content-Security-Policy allows by hash.
pub fn measuring_styles() -> Vec<String> {
    TextSize::ALL
        .iter()
        .map(|size| {
            format!(
                "display: inline-block; font-family:{FAMILY}; font-style:normal; font-size: {}px; \
                 position: fixed; top: 100%",
                size.pixels()
            )
        })
        .collect()
}
