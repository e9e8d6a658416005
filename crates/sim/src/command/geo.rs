//! Geo (geo.c, geohash.c in Redis 7.0): a geo set is a sorted set whose
//! scores are 52-bit geohashes (latitude bits interleaved with longitude
//! bits, over Redis's latitude range ±85.05112878). GEOADD, GEOPOS,
//! GEODIST and GEOHASH compute as Redis does, so positions and distances
//! print the same digits (in the page, WebAssembly's sin/cos may differ
//! from glibc's in the last bit). The area searches are in `geo_search`.

use super::data::{err, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{Keyspace, Value};
use crate::reply::{Protocol, Reply};

pub(super) const STEP: u32 = 26;
pub(super) const LAT_MIN: f64 = -85.051_128_78;
pub(super) const LAT_MAX: f64 = 85.051_128_78;
pub(super) const LON_MIN: f64 = -180.0;
pub(super) const LON_MAX: f64 = 180.0;
pub(super) const EARTH_RADIUS_M: f64 = 6_372_797.560_856;

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "geoadd" => geoadd(db, now, proto, argv),
        "geopos" => geopos(db, now, proto, argv),
        "geodist" => geodist(db, now, proto, argv),
        "geohash" => geohash(db, now, argv),
        "georadius"
        | "georadius_ro"
        | "georadiusbymember"
        | "georadiusbymember_ro"
        | "geosearch"
        | "geosearchstore" => super::geo_search::search(name, db, now, proto, argv),
        _ => return None,
    })
}

/// Spreads the 32 bits of `x` to the even bits of a u64.
pub(super) fn spread(x: u32) -> u64 {
    let mut v = u64::from(x);
    v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
    v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    (v | (v << 1)) & 0x5555_5555_5555_5555
}

/// The even bits of `v`, packed.
pub(super) fn squash(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0x0000_0000_FFFF_FFFF) as u32
}

/// `geohashEncode()` over the given latitude range.
fn encode(lon: f64, lat: f64, lat_min: f64, lat_max: f64) -> u64 {
    let lat_offset = (lat - lat_min) / (lat_max - lat_min) * (1u64 << STEP) as f64;
    let lon_offset = (lon - LON_MIN) / (LON_MAX - LON_MIN) * (1u64 << STEP) as f64;
    spread(lat_offset as u32) | (spread(lon_offset as u32) << 1)
}

/// `geohashDecodeToLongLatWGS84()`: the centre of the hash's cell.
pub(super) fn decode(bits: u64) -> (f64, f64) {
    let (ilat, ilon) = (squash(bits), squash(bits >> 1));
    let cells = (1u64 << STEP) as f64;
    let (lat_scale, lon_scale) = (LAT_MAX - LAT_MIN, LON_MAX - LON_MIN);
    let lat_min = LAT_MIN + (f64::from(ilat) / cells) * lat_scale;
    let lat_max = LAT_MIN + ((f64::from(ilat) + 1.0) / cells) * lat_scale;
    let lon_min = LON_MIN + (f64::from(ilon) / cells) * lon_scale;
    let lon_max = LON_MIN + ((f64::from(ilon) + 1.0) / cells) * lon_scale;
    let lon = ((lon_min + lon_max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((lat_min + lat_max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

pub(super) fn parse_float(arg: &[u8]) -> Result<f64, Reply> {
    super::data::parse_double(arg).ok_or_else(|| err(super::data::NOT_FLOAT))
}

/// A coordinate as Redis prints it (`%.17Lf` of the double, zeros cut).
fn human(d: f64) -> String {
    let s = format!("{d:.17}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(super) fn coordinate(d: f64, proto: Protocol) -> Reply {
    match proto {
        Protocol::Resp3 => Reply::Double(human(d)),
        Protocol::Resp2 => Reply::bulk(human(d)),
    }
}

fn geoadd(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let mut at = 2;
    let mut options: Vec<Vec<u8>> = Vec::new();
    let (mut nx, mut xx) = (false, false);
    while at < argv.len() {
        let a = &argv[at];
        if a.eq_ignore_ascii_case(b"nx") {
            nx = true;
        } else if a.eq_ignore_ascii_case(b"xx") {
            xx = true;
        } else if !a.eq_ignore_ascii_case(b"ch") {
            break;
        }
        options.push(a.clone());
        at += 1;
    }
    if !(argv.len() - at).is_multiple_of(3) || (nx && xx) || at == argv.len() {
        return Err(err(SYNTAX));
    }
    let mut zadd: Vec<Vec<u8>> = vec![b"zadd".to_vec(), argv[1].clone()];
    zadd.extend(options);
    for triple in argv[at..].chunks(3) {
        let (lon, lat) = (parse_float(&triple[0])?, parse_float(&triple[1])?);
        if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
            return Err(Reply::Error(format!(
                "ERR invalid longitude,latitude pair {lon:.6},{lat:.6}"
            )));
        }
        zadd.push(encode(lon, lat, LAT_MIN, LAT_MAX).to_string().into_bytes());
        zadd.push(triple[2].clone());
    }
    Ok(super::data::run("zadd", db, now, proto, &zadd))
}

/// The geohash score of `member` in the geo set at `key`.
pub(super) fn scores(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
) -> Result<Vec<(f64, Vec<u8>)>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(Vec::new()),
        Some(Value::ZSet(z)) => Ok(z.clone()),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

pub(super) fn score_of(z: &[(f64, Vec<u8>)], member: &[u8]) -> Option<u64> {
    z.iter().find(|(_, m)| m == member).map(|(s, _)| *s as u64)
}

fn geopos(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let z = scores(db, now, &argv[1])?;
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| match score_of(&z, m) {
                None => Reply::NilArray,
                Some(bits) => {
                    let (lon, lat) = decode(bits);
                    Reply::Array(vec![coordinate(lon, proto), coordinate(lat, proto)])
                }
            })
            .collect(),
    ))
}

/// `geohashGetDistance()`: haversine on Redis's Earth radius.
pub(super) fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let rad = |d: f64| d * (std::f64::consts::PI / 180.0);
    let (lon1r, lon2r) = (rad(lon1), rad(lon2));
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return EARTH_RADIUS_M * (rad(lat2) - rad(lat1)).abs();
    }
    let (lat1r, lat2r) = (rad(lat1), rad(lat2));
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

fn geodist(db: &mut Keyspace, now: u64, _proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let to_meters = match argv.get(4).map(|u| u.to_ascii_lowercase()) {
        None => 1.0,
        Some(u) if u == b"m" => 1.0,
        Some(u) if u == b"km" => 1000.0,
        Some(u) if u == b"ft" => 0.3048,
        Some(u) if u == b"mi" => 1609.34,
        Some(_) => {
            return Err(err(
                "ERR unsupported unit provided. please use M, KM, FT, MI",
            ))
        }
    };
    if argv.len() > 5 {
        return Err(err(SYNTAX));
    }
    let z = scores(db, now, &argv[1])?;
    let (Some(a), Some(b)) = (score_of(&z, &argv[2]), score_of(&z, &argv[3])) else {
        return Ok(Reply::Nil);
    };
    let ((lon1, lat1), (lon2, lat2)) = (decode(a), decode(b));
    let d = distance(lon1, lat1, lon2, lat2) / to_meters;
    // `addReplyDoubleDistance()`: a bulk string with 4 decimals, in RESP3 too.
    Ok(Reply::bulk(format!("{d:.4}")))
}

fn geohash(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let z = scores(db, now, &argv[1])?;
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| match score_of(&z, m) {
                None => Reply::Nil,
                Some(bits) => {
                    // Re-encoded over the standard ±90° latitude range.
                    let (lon, lat) = decode(bits);
                    let std = encode(lon, lat, -90.0, 90.0);
                    let text: Vec<u8> = (0..11)
                        .map(|i| {
                            let idx = if i == 10 {
                                0
                            } else {
                                (std >> (52 - (i + 1) * 5)) & 0x1f
                            };
                            ALPHABET[idx as usize]
                        })
                        .collect();
                    Reply::Bulk(text)
                }
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_interleave_and_come_back() {
        for x in [0u32, 1, 0x3ff_ffff, 12345, 0x2aa_aaaa] {
            assert_eq!(squash(spread(x)), x);
        }
    }

    #[test]
    fn palermo_and_catania_as_redis_puts_them() {
        // Redis's own GEOADD example.
        let palermo = encode(13.361389, 38.115556, LAT_MIN, LAT_MAX);
        assert_eq!(palermo, 3_479_099_956_230_698);
        let catania = encode(15.087269, 37.502669, LAT_MIN, LAT_MAX);
        let (a, b) = (decode(palermo), decode(catania));
        let d = distance(a.0, a.1, b.0, b.1);
        assert_eq!(format!("{d:.4}"), "166274.1516");
    }
}
