//! How `redis-cli --cluster create` lays slots out over masters.
//!
//! This is the cluster a learner meets first: masters on 127.0.0.1:7000 and
//! up, each holding one contiguous range of slots. With 3 masters that is
//! 0-5460, 5461-10922 and 10923-16383.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::slot::{Slot, SLOT_COUNT};

/// An inclusive range of slots, as Redis prints them (`0-5460`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRange {
    pub first: Slot,
    pub last: Slot,
}

impl SlotRange {
    pub fn contains(self, slot: Slot) -> bool {
        self.first <= slot && slot <= self.last
    }

    /// Number of slots in the range (at least one).
    pub fn slot_count(self) -> u32 {
        u32::from(self.last) - u32::from(self.first) + 1
    }
}

impl fmt::Display for SlotRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// Why a layout cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// Each master needs at least one slot, and there must be a master.
    MasterCount(usize),
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::MasterCount(n) => {
                write!(
                    f,
                    "a cluster needs between 1 and {SLOT_COUNT} masters, not {n}"
                )
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// Splits the 16384 slots over `masters` masters the way redis-cli does in
/// `clusterManagerCommandCreate()`. It keeps a *single-precision* float
/// cursor and rounds each range end with `lround`, and the last master always
/// ends at 16383. Using f32 here, not f64, is deliberate: it is what makes the
/// boundaries match redis-cli's for every master count.
pub fn split_slots(masters: usize) -> Result<Vec<SlotRange>, LayoutError> {
    if masters == 0 || masters > usize::from(SLOT_COUNT) {
        return Err(LayoutError::MasterCount(masters));
    }
    let slots_per_node = f32::from(SLOT_COUNT) / masters as f32;
    let mut cursor = 0.0f32;
    let mut first: i64 = 0;
    let mut ranges = Vec::with_capacity(masters);
    for i in 0..masters {
        // `f32::round` rounds half away from zero, like C's lround.
        let mut last = (cursor + slots_per_node - 1.0).round() as i64;
        if last > i64::from(SLOT_COUNT) || i == masters - 1 {
            last = i64::from(SLOT_COUNT) - 1;
        }
        if last < first {
            last = first;
        }
        // Both ends are within 0..=16383 here: `first` only grows by one past a
        // `last` that is at most 16382 before the final master.
        ranges.push(SlotRange {
            first: first as Slot,
            last: last as Slot,
        });
        first = last + 1;
        cursor += slots_per_node;
    }
    Ok(ranges)
}

/// A node's address as clients see it (`ip:port`); the cluster bus listens on
/// `port + 10000` by default.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Addr {
    pub ip: String,
    pub port: u16,
}

impl Addr {
    pub fn loopback(port: u16) -> Addr {
        Addr {
            ip: "127.0.0.1".to_string(),
            port,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ip, self.port)
    }
}

/// One master of a layout and the slots it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutMaster {
    pub addr: Addr,
    pub slots: SlotRange,
}

/// Which master holds which slots, before anything has moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub masters: Vec<LayoutMaster>,
}

/// The first port redis-cli tutorials (and our transcripts) use.
pub const FIRST_PORT: u16 = 7000;

impl Layout {
    /// `masters` masters on 127.0.0.1, ports 7000 and up, slots split as
    /// `redis-cli --cluster create` splits them.
    pub fn create(masters: usize) -> Result<Layout, LayoutError> {
        if masters > usize::from(u16::MAX - FIRST_PORT) {
            return Err(LayoutError::MasterCount(masters));
        }
        let masters = split_slots(masters)?
            .into_iter()
            .zip(FIRST_PORT..)
            .map(|(slots, port)| LayoutMaster {
                addr: Addr::loopback(port),
                slots,
            })
            .collect();
        Ok(Layout { masters })
    }

    /// The index in `masters` of the master that holds `slot`.
    pub fn owner_of(&self, slot: Slot) -> Option<usize> {
        self.masters.iter().position(|m| m.slots.contains(slot))
    }
}

impl Default for Layout {
    /// The three-master cluster of the transcripts: 7000, 7001 and 7002.
    fn default() -> Layout {
        Layout::create(3).expect("3 masters is a valid layout")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first: Slot, last: Slot) -> SlotRange {
        SlotRange { first, last }
    }

    #[test]
    fn three_masters_as_redis_cli_create() {
        // From the transcripts: 0-5460, 5461-10922, 10923-16383.
        assert_eq!(
            split_slots(3).unwrap(),
            vec![r(0, 5460), r(5461, 10922), r(10923, 16383)]
        );
    }

    #[test]
    fn splits_match_real_redis_cli() {
        // `echo no | redis-cli --cluster create ...` (redis-tools 7.0.15) printed
        // these `Master[i] -> Slots first - last` lines; here are the range ends.
        let golden: &[(usize, &[Slot])] = &[
            (4, &[4095, 8191, 12287, 16383]),
            (5, &[3276, 6553, 9829, 13106, 16383]),
            (6, &[2730, 5460, 8191, 10922, 13652, 16383]),
            (7, &[2340, 4680, 7021, 9361, 11702, 14042, 16383]),
            (
                9,
                &[1819, 3640, 5460, 7281, 9101, 10922, 12742, 14563, 16383],
            ),
            (
                11,
                &[
                    1488, 2978, 4467, 5957, 7446, 8936, 10425, 11915, 13404, 14894, 16383,
                ],
            ),
            (
                13,
                &[
                    1259, 2520, 3780, 5040, 6301, 7561, 8821, 10081, 11342, 12602, 13862, 15123,
                    16383,
                ],
            ),
        ];
        for &(n, ends) in golden {
            let got: Vec<Slot> = split_slots(n).unwrap().iter().map(|r| r.last).collect();
            assert_eq!(got, ends, "{n} masters");
        }
    }

    #[test]
    fn every_split_covers_all_slots_once() {
        for n in [1, 2, 3, 4, 5, 6, 7, 10, 100, 999, 1000, 16384] {
            let ranges = split_slots(n).unwrap();
            assert_eq!(ranges.len(), n);
            assert_eq!(ranges[0].first, 0);
            assert_eq!(ranges[n - 1].last, 16383);
            for w in ranges.windows(2) {
                assert_eq!(w[0].last + 1, w[1].first, "n={n}");
            }
        }
    }

    #[test]
    fn bad_master_counts_are_errors() {
        assert_eq!(split_slots(0), Err(LayoutError::MasterCount(0)));
        assert_eq!(split_slots(16385), Err(LayoutError::MasterCount(16385)));
    }

    #[test]
    fn default_layout_owners() {
        let layout = Layout::default();
        assert_eq!(layout.masters[0].addr.to_string(), "127.0.0.1:7000");
        assert_eq!(layout.owner_of(0), Some(0));
        assert_eq!(layout.owner_of(5460), Some(0));
        assert_eq!(layout.owner_of(5461), Some(1));
        assert_eq!(layout.owner_of(14687), Some(2));
        assert_eq!(layout.owner_of(16383), Some(2));
        assert_eq!(layout.owner_of(16384), None);
        assert_eq!(r(5461, 10922).to_string(), "5461-10922");
        assert_eq!(r(7, 7).to_string(), "7");
    }
}
