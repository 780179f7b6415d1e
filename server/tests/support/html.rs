//! Reading the pages the server renders (the share page, the Users tab's
//! first paint) as a person would: the figure on each card.

/// The text of the `card-value` of the card whose `data-testid` is
/// `testid`, as the page's HTML has it.
pub fn card_value(html: &str, testid: &str) -> String {
    let card = &html[html
        .find(&format!("data-testid=\"{testid}\""))
        .expect(testid)..];
    let value = &card[card.find("card-value").unwrap()..];
    let text = &value[value.find('>').unwrap() + 1..];
    let text = &text[..text.find("</span>").unwrap()];
    // Server-rendered text may carry empty comment markers.
    text.replace("<!>", "").trim().to_owned()
}

/// A count as the server writes it: grouped in threes by commas.
pub fn grouped(count: u64) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}
