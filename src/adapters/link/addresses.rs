use std::net::Ipv4Addr;

/// The machine's IPv4 addresses a POS on the LAN can reach, loopback only when there is nothing
/// else (a laptop without network).
pub fn local_ipv4s() -> Vec<Ipv4Addr> {
    let mut ips: Vec<Ipv4Addr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|interface| match interface.ip() {
            std::net::IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_link_local() => Some(ip),
            _ => None,
        })
        .collect();
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        ips.push(Ipv4Addr::LOCALHOST);
    }
    ips
}
