//! The geo area searches (geo.c, geohash.c, geohash_helper.c in Redis
//! 7.0): GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and their
//! _RO forms. As Redis does it: a geohash cell sized from the radius, its
//! eight neighbours (those the shape cannot reach left out), each cell's
//! score range read in order, every candidate checked against the exact
//! circle or box — so the unsorted order, ANY's early stop and the
//! distances are the server's.

use super::data::{eq_ignore_case, err, Argv, SYNTAX};
use super::geo::{
    coordinate, decode, distance, parse_float, score_of, scores, spread, squash, EARTH_RADIUS_M,
    LAT_MAX, LAT_MIN, LON_MAX, LON_MIN,
};
use crate::keyspace::{Keyspace, Value};
use crate::reply::{Protocol, Reply};

const MERCATOR_MAX: f64 = 20_037_726.37;

/// A geohash of `step` bits per coordinate (`GeoHashBits`).
#[derive(Clone, Copy, PartialEq)]
struct Cell {
    bits: u64,
    step: u32,
}

impl Cell {
    const ZERO: Cell = Cell { bits: 0, step: 0 };

    /// `geohashEncode()` over Redis's ranges at `step`.
    fn of(lon: f64, lat: f64, step: u32) -> Cell {
        let cells = (1u64 << step) as f64;
        let lat_offset = (lat - LAT_MIN) / (LAT_MAX - LAT_MIN) * cells;
        let lon_offset = (lon - LON_MIN) / (LON_MAX - LON_MIN) * cells;
        Cell {
            bits: spread(lat_offset as u32) | (spread(lon_offset as u32) << 1),
            step,
        }
    }

    /// `geohashDecode()`: (lon_min, lon_max, lat_min, lat_max).
    fn area(self) -> (f64, f64, f64, f64) {
        let cells = (1u64 << self.step) as f64;
        let (ilat, ilon) = (
            f64::from(squash(self.bits)),
            f64::from(squash(self.bits >> 1)),
        );
        let (lat_scale, lon_scale) = (LAT_MAX - LAT_MIN, LON_MAX - LON_MIN);
        (
            LON_MIN + (ilon / cells) * lon_scale,
            LON_MIN + ((ilon + 1.0) / cells) * lon_scale,
            LAT_MIN + (ilat / cells) * lat_scale,
            LAT_MIN + ((ilat + 1.0) / cells) * lat_scale,
        )
    }

    /// `geohash_move_x` / `geohash_move_y`: the cell `dx`, `dy` away.
    fn moved(self, dx: i8, dy: i8) -> Cell {
        let shift = 64 - self.step * 2;
        let mut bits = self.bits;
        if dx != 0 {
            let (mut x, y) = (bits & 0xaaaa_aaaa_aaaa_aaaa, bits & 0x5555_5555_5555_5555);
            let zz = 0x5555_5555_5555_5555u64 >> shift;
            x = if dx > 0 {
                x.wrapping_add(zz + 1)
            } else {
                (x | zz).wrapping_sub(zz + 1)
            };
            x &= 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
            bits = x | y;
        }
        if dy != 0 {
            let (x, mut y) = (bits & 0xaaaa_aaaa_aaaa_aaaa, bits & 0x5555_5555_5555_5555);
            let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
            y = if dy > 0 {
                y.wrapping_add(zz + 1)
            } else {
                (y | zz).wrapping_sub(zz + 1)
            };
            y &= 0x5555_5555_5555_5555u64 >> shift;
            bits = x | y;
        }
        Cell {
            bits,
            step: self.step,
        }
    }

    /// The 52-bit score range [min, max) of the cell (`scoresOfGeoHashBox()`).
    fn scores(self) -> (f64, f64) {
        let shift = 52 - self.step * 2;
        (
            (self.bits << shift) as f64,
            ((self.bits + 1) << shift) as f64,
        )
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Radius(f64),
    Box { width: f64, height: f64 },
}

/// What is searched: from where, which shape, in what unit.
struct Search {
    lon: f64,
    lat: f64,
    shape: Shape,
    /// Meters per unit.
    conversion: f64,
}

impl Search {
    /// `geohashBoundingBox()`: lon_min, lat_min, lon_max, lat_max.
    fn bounds(&self) -> (f64, f64, f64, f64) {
        let (h, w) = match self.shape {
            Shape::Radius(r) => (r, r),
            Shape::Box { width, height } => (height / 2.0, width / 2.0),
        };
        let (height, width) = (h * self.conversion, w * self.conversion);
        let lat_delta = (height / EARTH_RADIUS_M).to_degrees_redis();
        let top = (width / EARTH_RADIUS_M / (self.lat + lat_delta).to_radians_redis().cos())
            .to_degrees_redis();
        let bottom = (width / EARTH_RADIUS_M / (self.lat - lat_delta).to_radians_redis().cos())
            .to_degrees_redis();
        let delta = if self.lat < 0.0 { bottom } else { top };
        (
            self.lon - delta,
            self.lat - lat_delta,
            self.lon + delta,
            self.lat + lat_delta,
        )
    }

    /// `geohashCalculateAreasByShapeWGS84()`: the centre cell and its
    /// neighbours in Redis's order (centre, N, S, E, W, NE, NW, SE, SW),
    /// a zero cell for one the shape cannot reach.
    fn cells(&self) -> [Cell; 9] {
        let (min_lon, min_lat, max_lon, max_lat) = self.bounds();
        let radius = match self.shape {
            Shape::Radius(r) => r,
            Shape::Box { width, height } => ((width / 2.0).powi(2) + (height / 2.0).powi(2)).sqrt(),
        } * self.conversion;
        let mut step = estimate_steps(radius, self.lat);
        let mut around = neighbours(Cell::of(self.lon, self.lat, step));
        let edges = |n: &[Cell; 9]| {
            n[1].area().3 < max_lat
                || n[2].area().2 > min_lat
                || n[3].area().1 < max_lon
                || n[4].area().0 > min_lon
        };
        if step > 1 && edges(&around) {
            step -= 1;
            around = neighbours(Cell::of(self.lon, self.lat, step));
        }
        if step >= 2 {
            let (a_lon_min, a_lon_max, a_lat_min, a_lat_max) = around[0].area();
            let mut drop = |cells: &[usize]| cells.iter().for_each(|&i| around[i] = Cell::ZERO);
            if a_lat_min < min_lat {
                drop(&[2, 8, 7]);
            }
            if a_lat_max > max_lat {
                drop(&[1, 5, 6]);
            }
            if a_lon_min < min_lon {
                drop(&[4, 8, 6]);
            }
            if a_lon_max > max_lon {
                drop(&[3, 7, 5]);
            }
        }
        around
    }

    /// `geoWithinShape()`: the distance from the centre, if inside.
    fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.shape {
            Shape::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.conversion).then_some(d)
            }
            Shape::Box { width, height } => {
                // Latitude first: it is the cheaper of the two.
                let lat_d =
                    EARTH_RADIUS_M * (self.lat.to_radians_redis() - lat.to_radians_redis()).abs();
                if lat_d > height * self.conversion / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > width * self.conversion / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }
}

/// Degrees and radians with Redis's constant (`D_R = M_PI / 180.0`).
trait Angles {
    fn to_radians_redis(self) -> f64;
    fn to_degrees_redis(self) -> f64;
}

impl Angles for f64 {
    fn to_radians_redis(self) -> f64 {
        self * (std::f64::consts::PI / 180.0)
    }
    fn to_degrees_redis(self) -> f64 {
        self / (std::f64::consts::PI / 180.0)
    }
}

/// `geohashEstimateStepsByRadius()`.
fn estimate_steps(range: f64, lat: f64) -> u32 {
    if range == 0.0 {
        return 26;
    }
    let mut range = range;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u32
}

fn neighbours(c: Cell) -> [Cell; 9] {
    [
        c,
        c.moved(0, 1),
        c.moved(0, -1),
        c.moved(1, 0),
        c.moved(-1, 0),
        c.moved(1, 1),
        c.moved(-1, 1),
        c.moved(1, -1),
        c.moved(-1, -1),
    ]
}

struct Found {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    dist: f64,
}

/// `membersOfAllNeighbors()`: each cell's members in score order, a cell
/// equal to the last one read skipped, stopping at `limit` (ANY).
fn members(z: &[(f64, Vec<u8>)], search: &Search, limit: usize) -> Vec<Found> {
    let cells = search.cells();
    let mut found = Vec::new();
    let mut last: Option<usize> = None;
    for (i, cell) in cells.iter().enumerate() {
        if *cell == Cell::ZERO {
            continue;
        }
        if last.is_some_and(|l| l > 0 && cells[l] == *cell) {
            continue;
        }
        if !found.is_empty() && limit > 0 && found.len() >= limit {
            break;
        }
        let (min, max) = cell.scores();
        for (score, member) in z.iter().filter(|(s, _)| *s >= min && *s < max) {
            let (lon, lat) = decode(*score as u64);
            if let Some(dist) = search.contains(lon, lat) {
                found.push(Found {
                    member: member.clone(),
                    score: *score,
                    lon,
                    lat,
                    dist,
                });
            }
            if !found.is_empty() && limit > 0 && found.len() >= limit {
                break;
            }
        }
        last = Some(i);
    }
    found
}

#[derive(PartialEq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// `extractLongLatOrReply()`.
fn lon_lat(argv: &[Vec<u8>]) -> Result<(f64, f64), Reply> {
    let (lon, lat) = (parse_float(&argv[0])?, parse_float(&argv[1])?);
    if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return Err(Reply::Error(format!(
            "ERR invalid longitude,latitude pair {lon:.6},{lat:.6}"
        )));
    }
    Ok((lon, lat))
}

fn unit(arg: &[u8]) -> Result<f64, Reply> {
    match arg.to_ascii_lowercase().as_slice() {
        b"m" => Ok(1.0),
        b"km" => Ok(1000.0),
        b"ft" => Ok(0.3048),
        b"mi" => Ok(1609.34),
        _ => Err(err(
            "ERR unsupported unit provided. please use M, KM, FT, MI",
        )),
    }
}

/// `extractDistanceOrReply()`: radius and unit.
fn radius(argv: &[Vec<u8>]) -> Result<(f64, f64), Reply> {
    let r = super::data::parse_double(&argv[0]).ok_or_else(|| err("ERR need numeric radius"))?;
    if r < 0.0 {
        return Err(err("ERR radius cannot be negative"));
    }
    Ok((r, unit(&argv[1])?))
}

/// `extractBoxOrReply()`: width, height and unit.
fn box_of(argv: &[Vec<u8>]) -> Result<(f64, f64, f64), Reply> {
    let w = super::data::parse_double(&argv[0]).ok_or_else(|| err("ERR need numeric width"))?;
    let h = super::data::parse_double(&argv[1]).ok_or_else(|| err("ERR need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(err("ERR height or width cannot be negative"));
    }
    Ok((w, h, unit(&argv[2])?))
}

fn member_position(z: &[(f64, Vec<u8>)], member: &[u8]) -> Result<(f64, f64), Reply> {
    score_of(z, member)
        .map(decode)
        .ok_or_else(|| err("ERR could not decode requested zset member"))
}

/// `georadiusGeneric()`, for every form.
pub fn search(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Result<Reply, Reply> {
    let geosearch = name.starts_with("geosearch");
    let store_form = name == "geosearchstore";
    let no_store = name.ends_with("_ro");
    let src = if store_form { 2 } else { 1 };
    let exists = db.get(&argv[src], now).is_some();
    let z = scores(db, now, &argv[src])?;
    let mut store: Option<Vec<u8>> = store_form.then(|| argv[1].clone());
    let mut store_dist = false;
    let mut center: Option<(f64, f64)> = None;
    let mut shape: Option<(Shape, f64)> = None;
    let base = if geosearch {
        src + 1
    } else if name.starts_with("georadiusbymember") {
        if exists {
            center = Some(member_position(&z, &argv[2])?);
            let (r, conv) = radius(&argv[3..5])?;
            shape = Some((Shape::Radius(r), conv));
        }
        5
    } else {
        center = Some(lon_lat(&argv[2..4])?);
        let (r, conv) = radius(&argv[4..6])?;
        shape = Some((Shape::Radius(r), conv));
        6
    };
    let (mut with_dist, mut with_hash, mut with_coord, mut any) = (false, false, false, false);
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let mut sort = Sort::None;
    let mut count: i64 = 0;
    let rest = &argv[base..];
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        let left = rest.len() - i - 1;
        if eq_ignore_case(a, "withdist") {
            with_dist = true;
        } else if eq_ignore_case(a, "withhash") {
            with_hash = true;
        } else if eq_ignore_case(a, "withcoord") {
            with_coord = true;
        } else if eq_ignore_case(a, "any") {
            any = true;
        } else if eq_ignore_case(a, "asc") {
            sort = Sort::Asc;
        } else if eq_ignore_case(a, "desc") {
            sort = Sort::Desc;
        } else if eq_ignore_case(a, "count") && left >= 1 {
            count = super::data::int_arg(&rest[i + 1])?;
            if count <= 0 {
                return Err(err("ERR COUNT must be > 0"));
            }
            i += 1;
        } else if (eq_ignore_case(a, "store") || eq_ignore_case(a, "storedist"))
            && left >= 1
            && !no_store
            && !geosearch
        {
            store = Some(rest[i + 1].clone());
            store_dist = eq_ignore_case(a, "storedist");
            i += 1;
        } else if eq_ignore_case(a, "storedist") && store_form {
            store_dist = true;
        } else if eq_ignore_case(a, "frommember") && left >= 1 && geosearch && !from_lonlat {
            if exists {
                center = Some(member_position(&z, &rest[i + 1])?);
            }
            from_member = true;
            i += 1;
        } else if eq_ignore_case(a, "fromlonlat") && left >= 2 && geosearch && !from_member {
            center = Some(lon_lat(&rest[i + 1..i + 3])?);
            from_lonlat = true;
            i += 2;
        } else if eq_ignore_case(a, "byradius") && left >= 2 && geosearch && !by_box {
            let (r, conv) = radius(&rest[i + 1..i + 3])?;
            shape = Some((Shape::Radius(r), conv));
            by_radius = true;
            i += 2;
        } else if eq_ignore_case(a, "bybox") && left >= 3 && geosearch && !by_radius {
            let (width, height, conv) = box_of(&rest[i + 1..i + 4])?;
            shape = Some((Shape::Box { width, height }, conv));
            by_box = true;
            i += 3;
        } else {
            return Err(err(SYNTAX));
        }
        i += 1;
    }
    let typed = String::from_utf8_lossy(&argv[0]);
    if store.is_some() && (with_dist || with_hash || with_coord) {
        let who = if store_form {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return Err(Reply::Error(format!(
            "ERR {who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if geosearch && !(from_member || from_lonlat) {
        return Err(Reply::Error(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {typed}"
        )));
    }
    if geosearch && !(by_radius || by_box) {
        return Err(Reply::Error(format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {typed}"
        )));
    }
    if any && count == 0 {
        return Err(err("ERR the ANY argument requires COUNT argument"));
    }
    let (Some((lon, lat)), Some((shape, conversion)), true) = (center, shape, exists) else {
        // No source key: an empty answer, and a STORE target deleted.
        return Ok(match store {
            Some(dest) => {
                db.remove(&dest, now);
                Reply::Integer(0)
            }
            None => Reply::Array(Vec::new()),
        });
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let search = Search {
        lon,
        lat,
        shape,
        conversion,
    };
    let limit = if any { count as usize } else { 0 };
    let mut found = members(&z, &search, limit);
    if found.is_empty() && store.is_none() {
        return Ok(Reply::Array(Vec::new()));
    }
    // Stable, as glibc's qsort (a merge sort) keeps equal distances.
    match sort {
        Sort::Asc => crate::order::sort_by(&mut found, |a, b| a.dist.total_cmp(&b.dist)),
        Sort::Desc => crate::order::sort_by(&mut found, |a, b| b.dist.total_cmp(&a.dist)),
        Sort::None => {}
    }
    if count > 0 {
        found.truncate(count as usize);
    }
    let Some(dest) = store else {
        let options = [with_dist, with_hash, with_coord]
            .iter()
            .filter(|w| **w)
            .count();
        return Ok(Reply::Array(
            found
                .into_iter()
                .map(|f| {
                    let member = Reply::bulk(f.member);
                    if options == 0 {
                        return member;
                    }
                    let mut row = vec![member];
                    if with_dist {
                        row.push(Reply::bulk(format!("{:.4}", f.dist / conversion)));
                    }
                    if with_hash {
                        row.push(Reply::Integer(f.score as i64));
                    }
                    if with_coord {
                        row.push(Reply::Array(vec![
                            coordinate(f.lon, proto),
                            coordinate(f.lat, proto),
                        ]));
                    }
                    Reply::Array(row)
                })
                .collect(),
        ));
    };
    let n = found.len() as i64;
    if found.is_empty() {
        db.remove(&dest, now);
        return Ok(Reply::Integer(0));
    }
    let mut stored: Vec<(f64, Vec<u8>)> = found
        .into_iter()
        .map(|f| {
            (
                if store_dist {
                    f.dist / conversion
                } else {
                    f.score
                },
                f.member,
            )
        })
        .collect();
    crate::order::sort_by(&mut stored, |a, b| {
        a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1))
    });
    db.set(&dest, Value::ZSet(stored), None, false, now);
    Ok(Reply::Integer(n))
}
