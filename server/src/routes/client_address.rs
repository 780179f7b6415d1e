//! Who is calling: the peer of the connection, or, when that peer is a
//! trusted reverse proxy (`PULSE_TRUSTED_PROXIES`), the client the proxy
//! names. Headers from anyone else are ignored: a client could write any
//! address into them.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address for a request that came from `peer`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|network| network.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    // The chain as the proxies appended it, nearest last: the client is
    // the nearest address no trusted proxy stands for.
    let mut chain = forwarded_chain(headers);
    chain.push(peer);
    chain
        .iter()
        .rev()
        .find(|address| !is_trusted(address))
        .or_else(|| chain.first())
        .copied()
        .unwrap_or(peer)
}

/// The addresses of `X-Forwarded-For`, or else of `Forwarded`'s `for=`,
/// farthest first; what cannot be read as an address is left out.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().to_owned())
            .collect()
    };
    let forwarded_for = values("x-forwarded-for");
    let items: Vec<String> = if forwarded_for.is_empty() {
        values("forwarded")
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.eq_ignore_ascii_case("for").then(|| value.to_owned())
                })
            })
            .collect()
    } else {
        forwarded_for
    };
    items.iter().filter_map(|item| parse_node(item)).collect()
}

/// `203.0.113.7`, `"[2001:db8::1]:4711"`, `198.51.100.2:8080`.
fn parse_node(item: &str) -> Option<IpAddr> {
    let item = item.trim().trim_matches('"');
    if let Ok(address) = item.parse() {
        return Some(address);
    }
    if let Some(rest) = item.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    item.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let spoofed = headers(&[("x-forwarded-for", "6.6.6.6")]);
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_address(peer, &spoofed, &[]), peer);
        assert_eq!(client_address(peer, &spoofed, &nets(&["10.0.0.0/8"])), peer);
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(proxy, &spoofed, &trusted),
            "6.6.6.6".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_nearest_untrusted_address_of_the_chain_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "192.168.1.1/32"]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        // A client wrote 6.6.6.6 itself; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 192.168.1.1")]);
        assert_eq!(
            client_address(proxy, &chain, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let standard = headers(&[(
            "forwarded",
            r#"for="[2001:db8::1]:4711";proto=https, for=10.0.0.9"#,
        )]);
        assert_eq!(
            client_address(proxy, &standard, &trusted),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(proxy, &HeaderMap::new(), &trusted), proxy);
        let garbage = headers(&[("x-forwarded-for", "unknown, not an address")]);
        assert_eq!(client_address(proxy, &garbage, &trusted), proxy);
    }
}
