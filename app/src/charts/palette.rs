//! Colours: the page's light or dark theme, and a sequential palette
//! (viridis) that readers with colour-blindness can tell apart.

use plotters::style::RGBColor;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub accent: RGBColor,
    /// Whether the page is dark: "more" is then brighter, not darker.
    pub dark: bool,
}

/// The light theme, as style/main.css defines it (`--surface`, `--text`,
/// `--border`, `--accent`). In a browser [`current_theme`] reads the page's
/// own values, so the stylesheet stays the one definition; these stand in
/// where there is no page (exports drawn elsewhere, tests).
pub const LIGHT: Theme = Theme {
    background: RGBColor(255, 255, 255),
    text: RGBColor(27, 31, 36),
    grid: RGBColor(216, 222, 228),
    accent: RGBColor(26, 102, 217),
    dark: false,
};

pub const DARK: Theme = Theme {
    background: RGBColor(24, 28, 34),
    text: RGBColor(230, 233, 237),
    grid: RGBColor(45, 51, 59),
    accent: RGBColor(68, 147, 248),
    dark: true,
};

/// The theme the system asks for, in the page's own colours.
pub fn current_theme() -> Theme {
    let Some(window) = web_sys::window() else {
        return LIGHT;
    };
    let dark = window
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    let fallback = if dark { DARK } else { LIGHT };
    let style = window
        .document()
        .and_then(|document| document.document_element())
        .and_then(|root| window.get_computed_style(&root).ok().flatten());
    let Some(style) = style else {
        return fallback;
    };
    let colour = |name: &str, otherwise: RGBColor| {
        style
            .get_property_value(name)
            .ok()
            .and_then(|value| hex_colour(value.trim()))
            .unwrap_or(otherwise)
    };
    Theme {
        background: colour("--surface", fallback.background),
        text: colour("--text", fallback.text),
        grid: colour("--border", fallback.grid),
        accent: colour("--accent", fallback.accent),
        dark,
    }
}

/// A `#rrggbb` colour.
fn hex_colour(text: &str) -> Option<RGBColor> {
    let hex = text.strip_prefix('#').filter(|hex| hex.len() == 6)?;
    let part = |at: usize| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok();
    Some(RGBColor(part(0)?, part(2)?, part(4)?))
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

/// How busy `t` (0..=1) looks on `theme`'s page: further from the
/// background the busier, so darker on a light page and brighter on a dark
/// one (the same viridis colours, the other way round).
pub fn intensity(theme: Theme, t: f64) -> RGBColor {
    if theme.dark {
        sequential(1.0 - t.clamp(0.0, 1.0))
    } else {
        sequential(t)
    }
}

/// How many shades a heatmap drawn as an HTML table has (the shared
/// heatmap): its cells take classes `heat-1` to `heat-10` from the
/// stylesheet, not colours of their own, so that the page needs no style
/// attribute (the Content-Security-Policy forbids them) and no script.
pub const HEAT_LEVELS: u8 = 10;

/// The shade (1 to [`HEAT_LEVELS`]) of a non-zero `value` out of `top`.
pub fn heat_level(value: u64, top: u64) -> u8 {
    let share = value as f64 / top.max(1) as f64;
    ((share * f64::from(HEAT_LEVELS)).ceil() as u8).clamp(1, HEAT_LEVELS)
}

/// The stylesheet's rules for the heat levels in both schemes, as
/// style/main.css must hold them (a test compares; the stylesheet is
/// where the page reads them): the [`intensity`] of
/// each level's top share, with ink that reads on it.
#[cfg(test)]
pub fn heat_level_rules() -> String {
    let rules = |theme: Theme, indent: &str| {
        (1..=HEAT_LEVELS)
            .map(|level| {
                let colour = intensity(theme, f64::from(level) / f64::from(HEAT_LEVELS));
                format!(
                    "{indent}.heat-{level} {{ background: #{:02x}{:02x}{:02x}; color: {}; }}\n",
                    colour.0,
                    colour.1,
                    colour.2,
                    ink_on(colour)
                )
            })
            .collect::<String>()
    };
    format!(
        "{}@media (prefers-color-scheme: dark) {{\n{}}}\n",
        rules(LIGHT, ""),
        rules(DARK, "  ")
    )
}

/// Ink that reads on `background`: whichever of white and black has the
/// higher WCAG contrast with it (white below a relative luminance of
/// about 0.179, where the two contrasts are equal).
#[cfg(test)]
pub fn ink_on(background: RGBColor) -> &'static str {
    if luminance(background) < 0.179 {
        "#ffffff"
    } else {
        "#000000"
    }
}

/// WCAG relative luminance, 0 (black) to 1 (white).
#[cfg(test)]
pub fn luminance(colour: RGBColor) -> f64 {
    let linear = |channel: u8| {
        let c = f64::from(channel) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(colour.0) + 0.7152 * linear(colour.1) + 0.0722 * linear(colour.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_holds_the_heat_levels_of_the_palette() {
        let css = include_str!("../../../style/main.css");
        let rules = heat_level_rules();
        assert!(
            css.contains(&rules),
            "style/main.css must hold these rules as they are:\n{rules}"
        );
    }

    #[test]
    fn heat_levels_rise_with_the_value_and_never_hide_a_non_zero_one() {
        assert_eq!(heat_level(1, 1000), 1);
        assert_eq!(heat_level(100, 1000), 1);
        assert_eq!(heat_level(101, 1000), 2);
        assert_eq!(heat_level(1000, 1000), HEAT_LEVELS);
        assert_eq!(heat_level(5, 0), HEAT_LEVELS);
    }

    #[test]
    fn the_stylesheets_colours_are_read_as_written() {
        assert_eq!(hex_colour("#1a66d9"), Some(LIGHT.accent));
        assert_eq!(hex_colour("#4493f8"), Some(DARK.accent));
        assert_eq!(hex_colour("rgb(1, 2, 3)"), None);
        assert_eq!(hex_colour("#1a66d"), None);
    }

    #[test]
    fn busier_stands_further_from_the_page_in_both_schemes() {
        for step in 0..10 {
            let (less, more) = (f64::from(step) / 10.0, f64::from(step + 1) / 10.0);
            assert!(
                luminance(intensity(LIGHT, more)) < luminance(intensity(LIGHT, less)),
                "light: {less} -> {more}"
            );
            assert!(
                luminance(intensity(DARK, more)) > luminance(intensity(DARK, less)),
                "dark: {less} -> {more}"
            );
        }
        assert_eq!(ink_on(intensity(LIGHT, 1.0)), "#ffffff");
        assert_eq!(ink_on(intensity(DARK, 1.0)), "#000000");
    }
}
