//! `NMConnectivityState` -> [`Connectivity`].

use crate::types::Connectivity;

pub fn connectivity_from_u32(value: u32) -> Connectivity {
    match value {
        1 => Connectivity::None,
        2 => Connectivity::Portal,
        3 => Connectivity::Limited,
        4 => Connectivity::Full,
        // 0 = unknown; anything newer than this code is unknown too.
        _ => Connectivity::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_maps() {
        let mapped: Vec<Connectivity> = (0..=5).map(connectivity_from_u32).collect();
        assert_eq!(
            mapped,
            [
                Connectivity::Unknown,
                Connectivity::None,
                Connectivity::Portal,
                Connectivity::Limited,
                Connectivity::Full,
                Connectivity::Unknown
            ]
        );
    }
}
