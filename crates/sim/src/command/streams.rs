//! Stream commands (t_stream.c in Redis 7.0): XADD, XRANGE/XREVRANGE,
//! XLEN, XDEL, XTRIM, XREAD/XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM,
//! XAUTOCLAIM, XINFO, XSETID. Arguments are checked in the server's order,
//! with its error texts. Times (delivery, seen) are Unix ms, as the server
//! reports them.

use super::data::{eq_ignore_case, err, int_arg, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{Keyspace, Value, UNIX_MS_AT_START};
use crate::reply::{Protocol, Reply};
use crate::stream::{
    AppendError, Fields, Group, Nack, NodeLimits, Stream, StreamId, Trim, INVALID_ENTRIES_READ,
};

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    let unix = (UNIX_MS_AT_START as u64).saturating_add(now);
    Some(match name {
        "xadd" => xadd(db, now, unix, argv),
        "xrange" | "xrevrange" => xrange(name == "xrevrange", db, now, argv),
        "xlen" => read(db, now, &argv[1]).map(|s| Reply::Integer(s.map_or(0, |s| s.length as i64))),
        "xdel" => xdel(db, now, argv),
        "xtrim" => xtrim(db, now, argv),
        "xread" | "xreadgroup" => xread(name == "xreadgroup", db, now, unix, proto, argv),
        "xgroup" => match argv.get(1) {
            // A replica applies the master's stream as sent: `XGROUP CREATE…`.
            Some(sub) => {
                let sub = String::from_utf8_lossy(sub).to_ascii_lowercase();
                return run(&format!("xgroup|{sub}"), db, now, proto, argv);
            }
            None => Err(err(SYNTAX)),
        },
        "xgroup|create"
        | "xgroup|setid"
        | "xgroup|destroy"
        | "xgroup|createconsumer"
        | "xgroup|delconsumer" => xgroup(&name[7..], db, now, unix, argv),
        "xack" => xack(db, now, argv),
        "xpending" => xpending(db, now, unix, argv),
        "xclaim" => xclaim(db, now, unix, argv),
        "xautoclaim" => xautoclaim(db, now, unix, argv),
        "xinfo|stream" => xinfo_stream(db, now, argv),
        "xinfo|groups" => xinfo_groups(db, now, argv),
        "xinfo|consumers" => xinfo_consumers(db, now, unix, argv),
        "xsetid" => xsetid(db, now, argv),
        _ => return None,
    })
}

// ------------------------------------------------------------ IDs

/// `string2ull()`: a canonical integer, else what `strtoull` reads in
/// full (leading spaces, a `+`, leading zeros); never a negative number.
fn parse_u64(s: &[u8]) -> Option<u64> {
    if let Some(n) = crate::keyspace::parse_i64(s) {
        return u64::try_from(n).ok();
    }
    let text = std::str::from_utf8(s).ok()?;
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `streamGenericParseIDOrReply()`: `-`, `+`, `<ms>` (sequence
/// `missing_seq`) or `<ms>-<seq>`; with `seq_star`, `<ms>-*` answers
/// `(id, false)` (the sequence is to be generated).
fn parse_id_full(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    seq_star: bool,
) -> Result<(StreamId, bool), Reply> {
    let invalid = || err(INVALID_ID);
    if arg.len() > 127 {
        return Err(invalid());
    }
    match arg {
        b"-" | b"+" if strict => Err(invalid()),
        b"-" => Ok((StreamId::MIN, true)),
        b"+" => Ok((StreamId::MAX, true)),
        _ => {
            let (ms, seq) = match arg.iter().position(|&b| b == b'-') {
                Some(dash) => (&arg[..dash], Some(&arg[dash + 1..])),
                None => (arg, None),
            };
            let ms = parse_u64(ms).ok_or_else(invalid)?;
            match seq {
                Some(b"*") if seq_star => Ok((StreamId::new(ms, 0), false)),
                Some(seq) => Ok((StreamId::new(ms, parse_u64(seq).ok_or_else(invalid)?), true)),
                None => Ok((StreamId::new(ms, missing_seq), true)),
            }
        }
    }
}

fn parse_id(arg: &[u8], missing_seq: u64) -> Result<StreamId, Reply> {
    parse_id_full(arg, missing_seq, false, false).map(|(id, _)| id)
}

fn parse_strict_id(arg: &[u8]) -> Result<StreamId, Reply> {
    parse_id_full(arg, 0, true, false).map(|(id, _)| id)
}

/// A range bound (`streamParseIntervalIDOrReply()`): `(` makes it
/// exclusive, which moves it by one ID.
fn parse_bound(arg: &[u8], start: bool) -> Result<StreamId, Reply> {
    let missing = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id_full(&arg[1..], missing, true, false)?.0;
        let moved = if start { id.next() } else { id.prev() };
        let which = if start { "start" } else { "end" };
        moved.ok_or_else(|| Reply::Error(format!("ERR invalid {which} ID for the interval")))
    } else {
        parse_id(arg, missing)
    }
}

/// COUNT 0 (or none) reads without a limit.
fn no_limit_if_zero(count: u64) -> usize {
    if count == 0 {
        usize::MAX
    } else {
        count as usize
    }
}

fn id_reply(id: StreamId) -> Reply {
    Reply::bulk(id.to_string())
}

fn entry_reply(id: StreamId, fields: &[(Vec<u8>, Vec<u8>)]) -> Reply {
    let flat = fields
        .iter()
        .flat_map(|(f, v)| [Reply::bulk(f.clone()), Reply::bulk(v.clone())])
        .collect();
    Reply::Array(vec![id_reply(id), Reply::Array(flat)])
}

// ------------------------------------------------------------ lookups

fn read<'a>(db: &'a mut Keyspace, now: u64, key: &[u8]) -> Result<Option<&'a Stream>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

/// The stream at `key` to change; the caller calls `db.touch` after.
fn write<'a>(db: &'a mut Keyspace, now: u64, key: &[u8]) -> Result<Option<&'a mut Stream>, Reply> {
    match db.get_mut(key, now).map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

fn no_group(key: &[u8], group: &[u8]) -> Reply {
    Reply::Error(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(group)
    ))
}

// ------------------------------------------------------------ XADD / XTRIM

/// What `streamParseAddOrTrimArgsOrReply()` finds.
struct AddTrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: u64,
    no_mkstream: bool,
    /// The explicit ID and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// Where the ID is (XADD), or `argv.len()` when the options ran out.
    id_index: usize,
}

fn parse_add_or_trim(argv: &Argv, xadd: bool, limits: NodeLimits) -> Result<AddTrimArgs, Reply> {
    let mut a = AddTrimArgs {
        trim: None,
        approx: false,
        limit: 0,
        no_mkstream: false,
        id: None,
        id_index: argv.len(),
    };
    let mut limit_given = false;
    let mut limit: i64 = 0;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i];
        let both = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
        if xadd && opt.as_slice() == b"*" {
            break;
        } else if (eq_ignore_case(opt, "maxlen") || eq_ignore_case(opt, "minid")) && more > 0 {
            if a.trim.is_some() {
                return Err(err(both));
            }
            a.approx = false;
            let next = argv[i + 1].as_slice();
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            a.trim = Some(if eq_ignore_case(opt, "maxlen") {
                let n = int_arg(&argv[i + 1])?;
                if n < 0 {
                    return Err(err("ERR The MAXLEN argument must be >= 0."));
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(parse_strict_id(&argv[i + 1])?)
            });
            i += 1;
        } else if eq_ignore_case(opt, "limit") && more > 0 {
            limit = int_arg(&argv[i + 1])?;
            if limit < 0 {
                return Err(err("ERR The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            i += 1;
        } else if xadd && eq_ignore_case(opt, "nomkstream") {
            a.no_mkstream = true;
        } else if xadd {
            a.id = Some(parse_id_full(opt, 0, true, true)?);
            break;
        } else {
            return Err(err(SYNTAX));
        }
        i += 1;
    }
    a.id_index = i;
    if limit != 0 && a.trim.is_none() {
        return Err(err(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(err(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !a.approx {
            return Err(err(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
        a.limit = limit as u64;
    } else if a.approx {
        // At most 100 nodes' worth of work per call.
        a.limit = limits.approx_trim_limit();
    }
    Ok(a)
}

/// The trim a replica applies: an exact one as sent; an approximate or
/// limited one made exact, to where the master's stream got
/// (`streamRewriteTrimArgument()`), so both come out the same.
fn exact_trim_args(s: &Stream, trim: Trim, approx: bool) -> [Vec<u8>; 3] {
    let trim = match trim {
        Trim::MaxLen(_) if approx => Trim::MaxLen(s.length),
        // Emptied: every entry was below the threshold, which then says it.
        Trim::MinId(min) if approx => {
            let first = s
                .range(StreamId::MIN, StreamId::MAX, false)
                .first()
                .map(|e| e.id);
            Trim::MinId(first.unwrap_or(min))
        }
        exact => exact,
    };
    match trim {
        Trim::MaxLen(n) => [b"MAXLEN".to_vec(), b"=".to_vec(), n.to_string().into()],
        Trim::MinId(id) => [b"MINID".to_vec(), b"=".to_vec(), id.to_string().into()],
    }
}

fn xadd(db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let limits = NodeLimits::of(db.encodings());
    let args = parse_add_or_trim(argv, true, limits)?;
    let fields_at = args.id_index + 1;
    let n = argv.len() as isize - fields_at as isize;
    if n < 2 || n % 2 == 1 {
        return Err(err("ERR wrong number of arguments for 'xadd' command"));
    }
    if let Some((id, true)) = args.id {
        if id.is_zero() {
            return Err(err("ERR The ID specified in XADD must be greater than 0-0"));
        }
    }
    let key = &argv[1];
    if read(db, now, key)?.is_none() {
        if args.no_mkstream {
            return Ok(Reply::Nil);
        }
        db.set(key, Value::Stream(Box::default()), None, false, now);
    }
    let Some(s) = write(db, now, key)? else {
        return Ok(Reply::Nil);
    };
    if s.last_id == StreamId::MAX {
        return Err(err(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let fields = argv[fields_at..]
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    let id =
        match s.append(fields, args.id, unix, limits) {
            Ok(id) => id,
            Err(AppendError::NotGreater) => return Err(err(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            )),
            Err(AppendError::SeqExhausted) => {
                return Err(err("ERR Elements are too large to be stored"))
            }
        };
    let mut propagated = vec![argv[0].clone(), key.clone()];
    if let Some(trim) = args.trim {
        s.trim(trim, args.approx, args.limit);
        propagated.extend(exact_trim_args(s, trim, args.approx));
    }
    propagated.push(id.to_string().into_bytes());
    propagated.extend(argv[fields_at..].iter().cloned());
    db.touch(key);
    db.rewrite_propagated(propagated);
    Ok(id_reply(id))
}

fn xtrim(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let args = parse_add_or_trim(argv, false, NodeLimits::of(db.encodings()))?;
    let key = &argv[1];
    let Some(s) = write(db, now, key)? else {
        return Ok(Reply::Integer(0));
    };
    let Some(trim) = args.trim else {
        return Err(err(SYNTAX));
    };
    let deleted = s.trim(trim, args.approx, args.limit);
    let mut propagated = vec![argv[0].clone(), key.clone()];
    propagated.extend(exact_trim_args(s, trim, args.approx));
    if deleted > 0 {
        db.touch(key);
    }
    db.rewrite_propagated(propagated);
    Ok(Reply::Integer(deleted as i64))
}

fn xdel(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    if read(db, now, key)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    // Every ID is checked before any is deleted: all or nothing.
    let ids = argv[2..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(s) = write(db, now, key)? else {
        return Ok(Reply::Integer(0));
    };
    let deleted = ids.into_iter().filter(|&id| s.delete(id)).count();
    if deleted > 0 {
        db.touch(key);
    }
    Ok(Reply::Integer(deleted as i64))
}

// ------------------------------------------------------------ XRANGE

fn xrange(rev: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (start_arg, end_arg) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = parse_bound(start_arg, true)?;
    let end = parse_bound(end_arg, false)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if eq_ignore_case(&argv[j], "count") && j + 1 < argv.len() {
            count = int_arg(&argv[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    let Some(s) = read(db, now, &argv[1])? else {
        return Ok(Reply::Array(Vec::new()));
    };
    if count == 0 {
        return Ok(Reply::NilArray);
    }
    let entries = s.range(start, end, rev);
    let take = if count < 0 {
        entries.len()
    } else {
        count as usize
    };
    Ok(Reply::Array(
        entries
            .into_iter()
            .take(take)
            .map(|e| entry_reply(e.id, &e.fields))
            .collect(),
    ))
}

// ------------------------------------------------------------ XREAD

/// The options of XREAD / XREADGROUP.
pub struct ReadArgs {
    /// BLOCK in ms (0 = for ever), if given.
    pub block: Option<u64>,
    pub count: u64,
    pub group: Option<(Vec<u8>, Vec<u8>)>,
    pub noack: bool,
    /// Where the keys start; as many IDs follow them.
    pub streams_at: usize,
    pub streams: usize,
}

pub fn parse_read(argv: &Argv, group_form: bool) -> Result<ReadArgs, Reply> {
    let name = if group_form { "XREADGROUP" } else { "XREAD" };
    let mut a = ReadArgs {
        block: None,
        count: 0,
        group: None,
        noack: false,
        streams_at: 0,
        streams: 0,
    };
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let o = &argv[i];
        if eq_ignore_case(o, "block") && more > 0 {
            i += 1;
            let ms = int_arg(&argv[i])
                .map_err(|_| err("ERR timeout is not an integer or out of range"))?;
            if ms < 0 {
                return Err(err("ERR timeout is negative"));
            }
            a.block = Some(ms as u64);
        } else if eq_ignore_case(o, "count") && more > 0 {
            i += 1;
            a.count = int_arg(&argv[i])?.max(0) as u64;
        } else if eq_ignore_case(o, "streams") && more > 0 {
            a.streams_at = i + 1;
            let n = argv.len() - a.streams_at;
            if !n.is_multiple_of(2) {
                return Err(Reply::Error(format!(
                    "ERR Unbalanced '{}' list of streams: for each stream key an ID or '$' must be specified.",
                    name.to_ascii_lowercase()
                )));
            }
            a.streams = n / 2;
            break;
        } else if eq_ignore_case(o, "group") && more >= 2 {
            if !group_form {
                return Err(err(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if eq_ignore_case(o, "noack") {
            if !group_form {
                return Err(err(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.noack = true;
        } else {
            return Err(err(SYNTAX));
        }
        i += 1;
    }
    if a.streams_at == 0 {
        return Err(err(SYNTAX));
    }
    if group_form && a.group.is_none() {
        return Err(err("ERR Missing GROUP option for XREADGROUP"));
    }
    Ok(a)
}

/// What XREAD asks of one stream.
#[derive(Clone, Copy, PartialEq)]
enum ReadFrom {
    /// Entries after this ID.
    After(StreamId),
    /// `>`: entries the group has not delivered yet.
    New,
}

fn xread(
    group_form: bool,
    db: &mut Keyspace,
    now: u64,
    unix: u64,
    proto: Protocol,
    argv: &Argv,
) -> Result<Reply, Reply> {
    let a = parse_read(argv, group_form)?;
    let keys = &argv[a.streams_at..a.streams_at + a.streams];
    let id_args = &argv[a.streams_at + a.streams..];
    let mut from = Vec::with_capacity(a.streams);
    for (key, id_arg) in keys.iter().zip(id_args) {
        let s = read(db, now, key)?;
        if let Some((group, _)) = &a.group {
            if s.is_none_or(|s| !s.groups.contains_key(group)) {
                return Err(Reply::Error(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(group)
                )));
            }
        }
        from.push(match id_arg.as_slice() {
            b"$" if group_form => return Err(err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")),
            b"$" => ReadFrom::After(s.map_or(StreamId::MIN, |s| s.last_id)),
            b">" if !group_form => return Err(err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")),
            b">" => ReadFrom::New,
            other => ReadFrom::After(parse_strict_id(other)?),
        });
    }
    let mut served = Vec::new();
    for (key, &from) in keys.iter().zip(&from) {
        let Some(s) = write(db, now, key)? else {
            continue;
        };
        let entries = match &a.group {
            None => match from {
                ReadFrom::After(gt) if s.length > 0 && s.last_valid_id() > gt => {
                    read_after(s, gt, a.count)
                }
                _ => continue,
            },
            Some((group, consumer)) => {
                let entries = match from {
                    ReadFrom::After(gt) => read_history(s, group, consumer, gt, a.count, unix),
                    ReadFrom::New => {
                        let last = s.groups.get(group).map_or(StreamId::MAX, |g| g.last_id);
                        if s.length == 0 || s.last_valid_id() <= last {
                            continue;
                        }
                        deliver_new(s, group, consumer, a.count, a.noack, unix)
                    }
                };
                db.touch(key);
                entries
            }
        };
        served.push((key.clone(), entries));
    }
    if served.is_empty() {
        return Ok(Reply::NilArray);
    }
    Ok(match proto {
        Protocol::Resp2 => Reply::Array(
            served
                .into_iter()
                .map(|(k, e)| Reply::Array(vec![Reply::bulk(k), Reply::Array(e)]))
                .collect(),
        ),
        Protocol::Resp3 => Reply::Map(
            served
                .into_iter()
                .map(|(k, e)| (Reply::bulk(k), Reply::Array(e)))
                .collect(),
        ),
    })
}

fn read_after(s: &Stream, gt: StreamId, count: u64) -> Vec<Reply> {
    let Some(start) = gt.next() else {
        return Vec::new();
    };
    let limit = no_limit_if_zero(count);
    s.range(start, StreamId::MAX, false)
        .into_iter()
        .take(limit)
        .map(|e| entry_reply(e.id, &e.fields))
        .collect()
}

/// `>`: the next entries for the group, each now pending for `consumer`
/// (unless NOACK); an entry another consumer held moves to this one.
fn deliver_new(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    count: u64,
    noack: bool,
    unix: u64,
) -> Vec<Reply> {
    let Some(last) = s.groups.get(group).map(|g| g.last_id) else {
        return Vec::new();
    };
    if let Some(g) = s.groups.get_mut(group) {
        g.consumer(consumer, unix, true);
    }
    let Some(start) = last.next() else {
        return Vec::new();
    };
    let limit = no_limit_if_zero(count);
    let picked: Vec<(StreamId, Fields)> = s
        .range(start, StreamId::MAX, false)
        .into_iter()
        .take(limit)
        .map(|e| (e.id, e.fields.clone()))
        .collect();
    let mut out = Vec::with_capacity(picked.len());
    for (id, fields) in picked {
        s.advance_group(group, id);
        if !noack {
            if let Some(g) = s.groups.get_mut(group) {
                let nack = g.pel.entry(id).or_insert(Nack {
                    consumer: consumer.to_vec(),
                    delivery_time: unix,
                    delivery_count: 1,
                });
                nack.delivery_time = unix;
                nack.delivery_count = 1;
                g.assign(id, consumer);
            }
        }
        out.push(entry_reply(id, &fields));
    }
    out
}

/// An explicit ID in XREADGROUP: the consumer's own pending entries after
/// it (`streamReplyWithRangeFromConsumerPEL()`); a deleted one shows as
/// its ID with a null.
fn read_history(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    gt: StreamId,
    count: u64,
    unix: u64,
) -> Vec<Reply> {
    let Some(g) = s.groups.get_mut(group) else {
        return Vec::new();
    };
    g.consumer(consumer, unix, true);
    let Some(start) = gt.next() else {
        return Vec::new();
    };
    let limit = no_limit_if_zero(count);
    let ids: Vec<StreamId> = g.consumers[consumer]
        .pel
        .range(start..)
        .take(limit)
        .copied()
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match s.get(id).map(|e| e.fields.clone()) {
            Some(fields) => {
                if let Some(nack) = s.groups.get_mut(group).and_then(|g| g.pel.get_mut(&id)) {
                    nack.delivery_time = unix;
                    nack.delivery_count += 1;
                }
                out.push(entry_reply(id, &fields));
            }
            None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
        }
    }
    out
}

/// How a blocked XREAD / XREADGROUP waits.
pub struct BlockForm {
    /// BLOCK's milliseconds (0 = for ever).
    pub ms: u64,
    pub keys: Vec<Vec<u8>>,
    /// The command to run again: `$` turned into the ID it stood for when
    /// the client blocked, and a COUNT of 1000 when none was given
    /// (`XREAD_BLOCKED_DEFAULT_COUNT`).
    pub again: Vec<Vec<u8>>,
}

/// None without a BLOCK option.
pub fn block_form(group_form: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<BlockForm> {
    let a = parse_read(argv, group_form).ok()?;
    let ms = a.block?;
    let keys: Vec<Vec<u8>> = argv[a.streams_at..a.streams_at + a.streams].to_vec();
    let mut again: Vec<Vec<u8>> = argv[..a.streams_at].to_vec();
    if a.count == 0 {
        again.splice(1..1, [b"COUNT".to_vec(), b"1000".to_vec()]);
    }
    again.extend(keys.iter().cloned());
    for (key, id) in keys.iter().zip(&argv[a.streams_at + a.streams..]) {
        if id.as_slice() == b"$" {
            let last = read(db, now, key)
                .ok()
                .flatten()
                .map_or(StreamId::MIN, |s| s.last_id);
            again.push(last.to_string().into_bytes());
        } else {
            again.push(id.clone());
        }
    }
    Some(BlockForm { ms, keys, again })
}

// ------------------------------------------------------------ groups

fn xgroup(sub: &str, db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[2];
    let group = &argv[3];
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    if sub == "create" || sub == "setid" {
        let mut i = 5;
        while i < argv.len() {
            if sub == "create" && eq_ignore_case(&argv[i], "mkstream") {
                mkstream = true;
            } else if eq_ignore_case(&argv[i], "entriesread") && i + 1 < argv.len() {
                entries_read = int_arg(&argv[i + 1])?;
                if entries_read < 0 && entries_read != INVALID_ENTRIES_READ {
                    return Err(err("ERR value for ENTRIESREAD must be positive or -1"));
                }
                i += 1;
            } else {
                return Err(Reply::Error(format!(
                    "ERR unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.",
                    String::from_utf8_lossy(&argv[1])
                )));
            }
            i += 1;
        }
    }
    let exists = read(db, now, key)?.is_some();
    if !exists && !mkstream {
        return Err(err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
    }
    let has_group = read(db, now, key)?.is_some_and(|s| s.groups.contains_key(group.as_slice()));
    if exists && !has_group && matches!(sub, "setid" | "createconsumer" | "delconsumer") {
        return Err(Reply::Error(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(key)
        )));
    }
    let id_arg = argv.get(4).cloned().unwrap_or_default();
    let reply = match sub {
        "create" => {
            let id = if id_arg == b"$" {
                read(db, now, key)?.map_or(StreamId::MIN, |s| s.last_id)
            } else {
                parse_strict_id(&id_arg)?
            };
            if !exists {
                db.set(key, Value::Stream(Box::default()), None, false, now);
            }
            let Some(s) = write(db, now, key)? else {
                return Ok(Reply::Nil);
            };
            if s.groups.contains_key(group.as_slice()) {
                return Err(err("BUSYGROUP Consumer Group name already exists"));
            }
            s.groups.insert(
                group.clone(),
                Group {
                    last_id: id,
                    entries_read,
                    pel: Default::default(),
                    consumers: Default::default(),
                },
            );
            Reply::Status("OK".into())
        }
        "setid" => {
            let Some(s) = write(db, now, key)? else {
                return Ok(Reply::Nil);
            };
            let id = if id_arg == b"$" {
                s.last_id
            } else {
                parse_id(&id_arg, 0)?
            };
            if let Some(g) = s.groups.get_mut(group.as_slice()) {
                g.last_id = id;
                g.entries_read = entries_read;
            }
            Reply::Status("OK".into())
        }
        "destroy" => {
            let Some(s) = write(db, now, key)? else {
                return Ok(Reply::Integer(0));
            };
            Reply::Integer(i64::from(s.groups.remove(group.as_slice()).is_some()))
        }
        "createconsumer" => {
            let Some(g) = write(db, now, key)?.and_then(|s| s.groups.get_mut(group.as_slice()))
            else {
                return Ok(Reply::Integer(0));
            };
            Reply::Integer(i64::from(g.consumer(&argv[4], unix, false)))
        }
        _ => {
            // DELCONSUMER: its pending entries go with it.
            let Some(g) = write(db, now, key)?.and_then(|s| s.groups.get_mut(group.as_slice()))
            else {
                return Ok(Reply::Integer(0));
            };
            let pending = match g.consumers.remove(argv[4].as_slice()) {
                Some(c) => {
                    for id in &c.pel {
                        g.pel.remove(id);
                    }
                    c.pel.len() as i64
                }
                None => 0,
            };
            Reply::Integer(pending)
        }
    };
    db.touch(key);
    Ok(reply)
}

fn xack(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    let has_group = read(db, now, key)?.is_some_and(|s| s.groups.contains_key(argv[2].as_slice()));
    if !has_group {
        return Ok(Reply::Integer(0));
    }
    let ids = argv[3..]
        .iter()
        .map(|a| parse_strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(g) = write(db, now, key)?.and_then(|s| s.groups.get_mut(argv[2].as_slice())) else {
        return Ok(Reply::Integer(0));
    };
    let acked = ids.into_iter().filter(|&id| g.ack(id)).count();
    if acked > 0 {
        db.touch(key);
    }
    Ok(Reply::Integer(acked as i64))
}

fn xpending(db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let n = argv.len();
    if n != 3 && !(6..=9).contains(&n) {
        return Err(err(SYNTAX));
    }
    let mut range = None;
    if n >= 6 {
        let mut at = 3;
        let mut min_idle = 0;
        if eq_ignore_case(&argv[3], "idle") {
            min_idle = int_arg(&argv[4])?;
            if n < 8 {
                return Err(err(SYNTAX));
            }
            at += 2;
        }
        let count = int_arg(&argv[at + 2])?.max(0) as usize;
        let start = parse_bound(&argv[at], true)?;
        let end = parse_bound(&argv[at + 1], false)?;
        let consumer = argv.get(at + 3).cloned();
        range = Some((min_idle, start, end, count, consumer));
    }
    let s = read(db, now, &argv[1])?;
    let Some(g) = s.and_then(|s| s.groups.get(argv[2].as_slice())) else {
        return Err(no_group(&argv[1], &argv[2]));
    };
    let Some((min_idle, start, end, count, consumer)) = range else {
        if g.pel.is_empty() {
            return Ok(Reply::Array(vec![
                Reply::Integer(0),
                Reply::Nil,
                Reply::Nil,
                Reply::NilArray,
            ]));
        }
        let first = g.pel.keys().next().copied().unwrap_or_default();
        let last = g.pel.keys().next_back().copied().unwrap_or_default();
        let owners = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(name, c)| {
                Reply::Array(vec![
                    Reply::bulk(name.clone()),
                    Reply::bulk(c.pel.len().to_string()),
                ])
            })
            .collect();
        return Ok(Reply::Array(vec![
            Reply::Integer(g.pel.len() as i64),
            id_reply(first),
            id_reply(last),
            Reply::Array(owners),
        ]));
    };
    let ids: Vec<StreamId> = match &consumer {
        Some(name) => match g.consumers.get(name.as_slice()) {
            Some(c) => c.pel.iter().copied().collect(),
            None => return Ok(Reply::Array(Vec::new())),
        },
        None => g.pel.keys().copied().collect(),
    };
    let rows = ids
        .into_iter()
        .filter(|&id| id >= start && id <= end)
        .filter_map(|id| g.pel.get(&id).map(|nack| (id, nack)))
        .filter(|(_, nack)| min_idle == 0 || (unix as i64 - nack.delivery_time as i64) >= min_idle)
        .take(count)
        .map(|(id, nack)| {
            Reply::Array(vec![
                id_reply(id),
                Reply::bulk(nack.consumer.clone()),
                Reply::Integer((unix as i64 - nack.delivery_time as i64).max(0)),
                Reply::Integer(nack.delivery_count as i64),
            ])
        })
        .collect();
    Ok(Reply::Array(rows))
}

fn xclaim(db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    let group = &argv[2];
    let has_group = read(db, now, key)?.is_some_and(|s| s.groups.contains_key(group.as_slice()));
    if !has_group {
        return Err(no_group(key, group));
    }
    let min_idle = int_arg(&argv[4])
        .map_err(|_| err("ERR Invalid min-idle-time argument for XCLAIM"))?
        .max(0);
    // IDs until the first argument that is not one; options after.
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_strict_id(&argv[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let (mut force, mut justid) = (false, false);
    let mut delivery: Option<i64> = None;
    let mut retry: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        let number = |arg: &[u8], what: &str| {
            int_arg(arg)
                .map_err(|_| Reply::Error(format!("ERR Invalid {what} option argument for XCLAIM")))
        };
        if eq_ignore_case(opt, "force") {
            force = true;
        } else if eq_ignore_case(opt, "justid") {
            justid = true;
        } else if eq_ignore_case(opt, "idle") && more > 0 {
            j += 1;
            delivery = Some(unix as i64 - number(&argv[j], "IDLE")?);
        } else if eq_ignore_case(opt, "time") && more > 0 {
            j += 1;
            delivery = Some(number(&argv[j], "TIME")?);
        } else if eq_ignore_case(opt, "retrycount") && more > 0 {
            j += 1;
            retry = Some(number(&argv[j], "RETRYCOUNT")?);
        } else if eq_ignore_case(opt, "lastid") && more > 0 {
            j += 1;
            last_id = parse_strict_id(&argv[j])?;
        } else {
            return Err(Reply::Error(format!(
                "ERR Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
        j += 1;
    }
    // A bogus delivery time (negative, in the future) becomes now.
    let delivery_time = match delivery {
        Some(t) if t >= 0 && t <= unix as i64 => t as u64,
        _ => unix,
    };
    let Some(s) = write(db, now, key)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    let consumer = argv[3].as_slice();
    let mut out = Vec::new();
    let mut changed = false;
    if let Some(g) = s.groups.get_mut(group.as_slice()) {
        if last_id > g.last_id {
            g.last_id = last_id;
            changed = true;
        }
    }
    for id in ids {
        let fields = s.get(id).map(|e| e.fields.clone());
        let Some(g) = s.groups.get_mut(group.as_slice()) else {
            break;
        };
        // 7.0: an entry no longer in the stream leaves the PEL.
        let Some(fields) = fields else {
            changed |= g.ack(id);
            continue;
        };
        let forced = match g.pel.entry(id) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(_) if !force => continue,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(Nack {
                    consumer: Vec::new(),
                    delivery_time: unix,
                    delivery_count: 0,
                });
                true
            }
        };
        let nack = &g.pel[&id];
        if !forced && min_idle > 0 && (unix as i64 - nack.delivery_time as i64) < min_idle {
            continue;
        }
        g.consumer(consumer, unix, true);
        if let Some(nack) = g.pel.get_mut(&id) {
            nack.delivery_time = delivery_time;
            match retry {
                Some(n) if n >= 0 => nack.delivery_count = n as u64,
                _ if !justid => nack.delivery_count += 1,
                _ => {}
            }
        }
        g.assign(id, consumer);
        changed = true;
        out.push(if justid {
            id_reply(id)
        } else {
            entry_reply(id, &fields)
        });
    }
    if changed {
        db.touch(key);
    }
    Ok(Reply::Array(out))
}

fn xautoclaim(db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    let group = &argv[2];
    let min_idle = int_arg(&argv[4])
        .map_err(|_| err("ERR Invalid min-idle-time argument for XAUTOCLAIM"))?
        .max(0);
    let start = parse_bound(&argv[5], true)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        if eq_ignore_case(&argv[j], "count") && j + 1 < argv.len() {
            // `attempts_factor` 10: COUNT * 10 must fit a long.
            count = int_arg(&argv[j + 1])
                .ok()
                .filter(|n| (1..=i64::MAX / 10).contains(n))
                .ok_or_else(|| err("ERR COUNT must be > 0"))?;
            j += 1;
        } else if eq_ignore_case(&argv[j], "justid") {
            justid = true;
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    let has_group = read(db, now, key)?.is_some_and(|s| s.groups.contains_key(group.as_slice()));
    if !has_group {
        return Err(no_group(key, group));
    }
    let Some(s) = write(db, now, key)? else {
        return Ok(Reply::Nil);
    };
    let consumer = argv[3].as_slice();
    let mut attempts = count * 10;
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let pending: Vec<StreamId> = s.groups[group.as_slice()]
        .pel
        .range(start..)
        .map(|(id, _)| *id)
        .collect();
    let mut next = StreamId::MIN;
    let mut seen = 0;
    for &id in &pending {
        if attempts == 0 || count == 0 {
            break;
        }
        attempts -= 1;
        seen += 1;
        let fields = s.get(id).map(|e| e.fields.clone());
        let Some(g) = s.groups.get_mut(group.as_slice()) else {
            break;
        };
        let Some(fields) = fields else {
            // Gone from the stream: out of the PEL, and reported.
            g.ack(id);
            deleted.push(id_reply(id));
            count -= 1;
            continue;
        };
        let idle = unix as i64 - g.pel[&id].delivery_time as i64;
        if min_idle > 0 && idle < min_idle {
            continue;
        }
        g.consumer(consumer, unix, true);
        if let Some(nack) = g.pel.get_mut(&id) {
            nack.delivery_time = unix;
            if !justid {
                nack.delivery_count += 1;
            }
        }
        g.assign(id, consumer);
        claimed.push(if justid {
            id_reply(id)
        } else {
            entry_reply(id, &fields)
        });
        count -= 1;
    }
    if let Some(&id) = pending.get(seen) {
        next = id;
    }
    db.touch(key);
    Ok(Reply::Array(vec![
        id_reply(next),
        Reply::Array(claimed),
        Reply::Array(deleted),
    ]))
}

fn xsetid(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    let id = parse_strict_id(&argv[2])?;
    let mut entries_added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        if eq_ignore_case(&argv[i], "entriesadded") && i + 1 < argv.len() {
            entries_added = int_arg(&argv[i + 1])?;
            if entries_added < 0 {
                return Err(err("ERR entries_added must be positive"));
            }
            i += 2;
        } else if eq_ignore_case(&argv[i], "maxdeletedid") && i + 1 < argv.len() {
            max_deleted = parse_strict_id(&argv[i + 1])?;
            if id < max_deleted {
                return Err(err(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    let Some(s) = write(db, now, key)? else {
        return Err(err("ERR no such key"));
    };
    if s.length > 0 {
        if id < s.last_valid_id() {
            return Err(err(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added != -1 && s.length > entries_added as u64 {
            return Err(err(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_deleted.is_zero() {
        s.max_deleted = max_deleted;
    }
    db.touch(key);
    Ok(Reply::Status("OK".into()))
}

// ------------------------------------------------------------ XINFO

fn bulk(s: &str) -> Reply {
    Reply::bulk(s)
}

fn first_last(s: &Stream, rev: bool) -> Reply {
    s.range(StreamId::MIN, StreamId::MAX, rev)
        .first()
        .map_or(Reply::Nil, |e| entry_reply(e.id, &e.fields))
}

fn lag_reply(s: &Stream, g: &Group) -> Reply {
    s.lag(g).map_or(Reply::Nil, Reply::Integer)
}

fn entries_read_reply(g: &Group) -> Reply {
    if g.entries_read == INVALID_ENTRIES_READ {
        Reply::Nil
    } else {
        Reply::Integer(g.entries_read)
    }
}

fn xinfo_stream(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let opts = &argv[3..];
    let syntax = || {
        Reply::Error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try XINFO HELP.",
            String::from_utf8_lossy(&argv[1])
        ))
    };
    let mut full = false;
    let mut count: i64 = 10;
    if !opts.is_empty() {
        if (opts.len() != 1 && opts.len() != 3) || !eq_ignore_case(&opts[0], "full") {
            return Err(syntax());
        }
        full = true;
        if opts.len() == 3 {
            if !eq_ignore_case(&opts[1], "count") {
                return Err(syntax());
            }
            count = int_arg(&opts[2])?;
            if count < 0 {
                count = 10;
            }
        }
    }
    let Some(s) = read(db, now, &argv[2])? else {
        return Err(err("ERR no such key"));
    };
    let mut map = vec![
        (bulk("length"), Reply::Integer(s.length as i64)),
        (bulk("radix-tree-keys"), Reply::Integer(s.rax_keys() as i64)),
        (
            bulk("radix-tree-nodes"),
            Reply::Integer(s.rax_nodes() as i64),
        ),
        (bulk("last-generated-id"), id_reply(s.last_id)),
        (bulk("max-deleted-entry-id"), id_reply(s.max_deleted)),
        (
            bulk("entries-added"),
            Reply::Integer(s.entries_added as i64),
        ),
        (bulk("recorded-first-entry-id"), id_reply(s.first_id)),
    ];
    if !full {
        map.push((bulk("groups"), Reply::Integer(s.groups.len() as i64)));
        map.push((bulk("first-entry"), first_last(s, false)));
        map.push((bulk("last-entry"), first_last(s, true)));
        return Ok(Reply::Map(map));
    }
    let limit = no_limit_if_zero(count as u64);
    let entries = s
        .range(StreamId::MIN, StreamId::MAX, false)
        .into_iter()
        .take(limit)
        .map(|e| entry_reply(e.id, &e.fields))
        .collect();
    map.push((bulk("entries"), Reply::Array(entries)));
    let groups = s
        .groups
        .iter()
        .map(|(name, g)| {
            let pending = g
                .pel
                .iter()
                .take(limit)
                .map(|(id, n)| {
                    Reply::Array(vec![
                        id_reply(*id),
                        Reply::bulk(n.consumer.clone()),
                        Reply::Integer(n.delivery_time as i64),
                        Reply::Integer(n.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| {
                    let pel = c
                        .pel
                        .iter()
                        .take(limit)
                        .map(|id| {
                            let n = &g.pel[id];
                            Reply::Array(vec![
                                id_reply(*id),
                                Reply::Integer(n.delivery_time as i64),
                                Reply::Integer(n.delivery_count as i64),
                            ])
                        })
                        .collect();
                    Reply::Map(vec![
                        (bulk("name"), Reply::bulk(cname.clone())),
                        (bulk("seen-time"), Reply::Integer(c.seen_time as i64)),
                        (bulk("pel-count"), Reply::Integer(c.pel.len() as i64)),
                        (bulk("pending"), Reply::Array(pel)),
                    ])
                })
                .collect();
            Reply::Map(vec![
                (bulk("name"), Reply::bulk(name.clone())),
                (bulk("last-delivered-id"), id_reply(g.last_id)),
                (bulk("entries-read"), entries_read_reply(g)),
                (bulk("lag"), lag_reply(s, g)),
                (bulk("pel-count"), Reply::Integer(g.pel.len() as i64)),
                (bulk("pending"), Reply::Array(pending)),
                (bulk("consumers"), Reply::Array(consumers)),
            ])
        })
        .collect();
    map.push((bulk("groups"), Reply::Array(groups)));
    Ok(Reply::Map(map))
}

fn xinfo_groups(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(s) = read(db, now, &argv[2])? else {
        return Err(err("ERR no such key"));
    };
    Ok(Reply::Array(
        s.groups
            .iter()
            .map(|(name, g)| {
                Reply::Map(vec![
                    (bulk("name"), Reply::bulk(name.clone())),
                    (bulk("consumers"), Reply::Integer(g.consumers.len() as i64)),
                    (bulk("pending"), Reply::Integer(g.pel.len() as i64)),
                    (bulk("last-delivered-id"), id_reply(g.last_id)),
                    (bulk("entries-read"), entries_read_reply(g)),
                    (bulk("lag"), lag_reply(s, g)),
                ])
            })
            .collect(),
    ))
}

fn xinfo_consumers(db: &mut Keyspace, now: u64, unix: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(s) = read(db, now, &argv[2])? else {
        return Err(err("ERR no such key"));
    };
    let Some(g) = s.groups.get(argv[3].as_slice()) else {
        return Err(Reply::Error(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(&argv[3]),
            String::from_utf8_lossy(&argv[2])
        )));
    };
    Ok(Reply::Array(
        g.consumers
            .iter()
            .map(|(name, c)| {
                Reply::Map(vec![
                    (bulk("name"), Reply::bulk(name.clone())),
                    (bulk("pending"), Reply::Integer(c.pel.len() as i64)),
                    (
                        bulk("idle"),
                        Reply::Integer((unix as i64 - c.seen_time as i64).max(0)),
                    ),
                ])
            })
            .collect(),
    ))
}
