//! What the pages rendered here share with the web app: its index.html
//! (Trunk names the script, wasm and stylesheet after their content) and
//! the stylesheet link in it, read once when the router is built.

use std::sync::Arc;

#[derive(Clone)]
pub struct PageShell {
    /// The web app's index.html; empty when this pulse has no web app.
    pub index_html: Arc<str>,
    /// Its `<link rel="stylesheet" …>` element.
    pub stylesheet: Arc<str>,
}

impl PageShell {
    pub fn new(index_html: &str) -> PageShell {
        PageShell {
            index_html: index_html.into(),
            stylesheet: stylesheet_link(index_html).unwrap_or_default().into(),
        }
    }
}

/// The `<link rel="stylesheet" …>` element of the app's index.html.
fn stylesheet_link(index_html: &str) -> Option<String> {
    index_html.split("<link").skip(1).find_map(|rest| {
        let element = &rest[..rest.find('>')?];
        element
            .contains("rel=\"stylesheet\"")
            .then(|| format!("<link{element}>"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_link_is_taken_whole_from_the_index() {
        let index = r#"<head><link rel="icon" href="/f.svg"/><link rel="stylesheet" href="/main-ab12.css" integrity="sha384-x"/></head>"#;
        assert_eq!(
            stylesheet_link(index).as_deref(),
            Some(r#"<link rel="stylesheet" href="/main-ab12.css" integrity="sha384-x"/>"#)
        );
        assert_eq!(stylesheet_link("<head></head>"), None);
    }
}
