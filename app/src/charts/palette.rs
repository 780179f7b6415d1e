//! Colours: the page's light or dark theme, and a sequential palette
//! (viridis) that readers with colour-blindness can tell apart.

use plotters::style::RGBColor;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub accent: RGBColor,
}

pub const LIGHT: Theme = Theme {
    background: RGBColor(255, 255, 255),
    text: RGBColor(27, 31, 36),
    grid: RGBColor(216, 222, 228),
    accent: RGBColor(31, 111, 235),
};

pub const DARK: Theme = Theme {
    background: RGBColor(24, 28, 34),
    text: RGBColor(230, 233, 237),
    grid: RGBColor(45, 51, 59),
    accent: RGBColor(68, 147, 248),
};

/// The theme the system asks for.
pub fn current_theme() -> Theme {
    let dark = web_sys::window()
        .and_then(|window| {
            window
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
        })
        .is_some_and(|query| query.matches());
    if dark { DARK } else { LIGHT }
}

/// Viridis, reversed so that darker means busier on a light page: 0 is a
/// pale yellow, 1 a deep purple.
const STOPS: [(u8, u8, u8); 6] = [
    (253, 231, 37),
    (122, 209, 81),
    (34, 168, 132),
    (42, 120, 142),
    (65, 68, 135),
    (68, 1, 84),
];

/// The colour of `t` in 0..=1.
pub fn sequential(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let index = (t.floor() as usize).min(STOPS.len() - 2);
    let fraction = t - index as f64;
    let (a, b) = (STOPS[index], STOPS[index + 1]);
    let mix =
        |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * fraction).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
