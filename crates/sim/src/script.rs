//! EVAL and EVALSHA, for the part of Lua that shows the cluster rules:
//! statements that are `redis.call(...)` / `redis.pcall(...)` over `KEYS[i]`,
//! `ARGV[i]`, strings and numbers, tables `{...}`, integer arithmetic, and a
//! `return`. Anything else gets a clear error naming that subset.
//!
//! Inside the script every `redis.call` is checked the way Redis 7.0's
//! `scriptVerifyClusterState()` does: with the caller's READONLY and ASKING
//! flags, a key that this node would not serve raises
//! `Script attempted to access a non local key in a cluster node`. Errors
//! raised from `redis.call` reach the client as
//! `<error> script: <sha1>, on @user_script:<line>.`

use crate::command::table::{key_positions, lookup, Lookup};
use crate::connection::Conn;
use crate::node::{Io, Node};
use crate::reply::Reply;
use crate::routing::{route, ClientFlags, Query, Route};

/// SHA-1 of `data`, as 40 lower-case hex digits (the script's name).
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

const SUBSET: &str =
    "ERR the Slotscope simulator runs only scripts made of redis.call/redis.pcall \
statements over KEYS[i], ARGV[i], strings and numbers, and a return";

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    Name(String),
    Num(f64),
    Str(Vec<u8>),
    Sym(char),
    /// A line break: statements may be separated by newlines.
    Newline,
}

impl Token {
    /// The token as the error message names it (no `Debug`: it would pull
    /// the string-escaping printer into the page).
    fn describe(&self) -> String {
        match self {
            Token::Name(n) => format!("Name(\"{n}\")"),
            Token::Num(x) => format!("Num({x})"),
            Token::Str(s) => format!("Str({})", String::from_utf8_lossy(s)),
            Token::Sym(c) => format!("Sym('{c}')"),
            Token::Newline => "Newline".into(),
        }
    }
}

pub(crate) fn tokenize(src: &[u8]) -> Result<Vec<(Token, usize)>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < src.len() {
        let c = src[i];
        match c {
            b'\n' => {
                out.push((Token::Newline, line));
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'-' if src.get(i + 1) == Some(&b'-') => {
                while i < src.len() && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                let quote = c;
                let mut s = Vec::new();
                i += 1;
                loop {
                    match src.get(i) {
                        None | Some(b'\n') => return Err("an unfinished string".into()),
                        Some(&b) if b == quote => break,
                        Some(b'\\') => {
                            let e = *src.get(i + 1).ok_or("an unfinished string")?;
                            s.push(match e {
                                b'n' => b'\n',
                                b't' => b'\t',
                                b'r' => b'\r',
                                b'0' => 0,
                                other => other,
                            });
                            i += 2;
                        }
                        Some(&b) => {
                            s.push(b);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push((Token::Str(s), line));
            }
            b'0'..=b'9' => {
                let start = i;
                while i < src.len() && (src[i].is_ascii_digit() || src[i] == b'.') {
                    i += 1;
                }
                let text = std::str::from_utf8(&src[start..i]).map_err(|_| "a bad number")?;
                out.push((
                    Token::Num(text.parse().map_err(|_| format!("the number {text}"))?),
                    line,
                ));
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < src.len() && (src[i].is_ascii_alphanumeric() || src[i] == b'_') {
                    i += 1;
                }
                out.push((
                    Token::Name(String::from_utf8_lossy(&src[start..i]).into_owned()),
                    line,
                ));
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b';' | b'.' | b'+' | b'-' | b'*'
            | b'=' => {
                out.push((Token::Sym(c as char), line));
                i += 1;
            }
            other => return Err(format!("the character '{}'", other as char)),
        }
    }
    Ok(out)
}

/// A value while the script runs.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Nil,
    Bool(bool),
    Num(f64),
    Str(Vec<u8>),
    Table(Vec<Value>),
    /// A status or error table (`{ok=...}` / `{err=...}`), kept as the reply.
    Reply(Reply),
}

fn from_reply(reply: Reply) -> Value {
    match reply {
        Reply::Integer(n) => Value::Num(n as f64),
        Reply::Bulk(b) => Value::Str(b),
        Reply::Nil | Reply::NilArray => Value::Bool(false),
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) | Reply::Many(items) => {
            Value::Table(items.into_iter().map(from_reply).collect())
        }
        Reply::Map(pairs) => Value::Table(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [from_reply(k), from_reply(v)])
                .collect(),
        ),
        Reply::Double(d) => Value::Str(d.into_bytes()),
        Reply::Bool(b) => Value::Bool(b),
        Reply::Verbatim { text, .. } => Value::Str(text),
        r @ (Reply::Status(_) | Reply::Error(_)) => Value::Reply(r),
    }
}

fn to_reply(v: Value) -> Reply {
    match v {
        Value::Nil | Value::Bool(false) => Reply::Nil,
        Value::Bool(true) => Reply::Integer(1),
        // Lua numbers become integers, truncated, as Redis converts them.
        Value::Num(n) => Reply::Integer(n as i64),
        Value::Str(s) => Reply::Bulk(s),
        Value::Reply(r) => r,
        Value::Table(items) => Reply::Array(
            items
                .into_iter()
                .take_while(|v| *v != Value::Nil)
                .map(to_reply)
                .collect(),
        ),
    }
}

/// How a script ended early.
enum Stop {
    /// An error raised by `redis.call`, reported with the script's name and line.
    Raise(String, usize),
    /// Outside the simulated subset.
    Unsupported(String),
}

struct Run<'a> {
    node: &'a mut Node,
    client: &'a mut Conn,
    io: &'a mut dyn Io,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
    tokens: Vec<(Token, usize)>,
    pos: usize,
    /// The script already wrote (`SCRIPT_WRITE_DIRTY`): later writes are
    /// not refused for the node's state any more.
    wrote: bool,
    /// EVAL_RO / EVALSHA_RO: no write at all (`SCRIPT_READ_ONLY`).
    read_only: bool,
}

impl Run<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map_or(1, |(_, l)| *l)
    }

    fn expect(&mut self, sym: char) -> Result<(), Stop> {
        if self.peek() == Some(&Token::Sym(sym)) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Stop::Unsupported(format!("expected '{sym}'")))
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(Token::Newline) | Some(Token::Sym(';'))) {
            self.pos += 1;
        }
    }

    fn script(&mut self) -> Result<Value, Stop> {
        loop {
            self.skip_separators();
            match self.peek().cloned() {
                None => return Ok(Value::Nil),
                Some(Token::Name(n)) if n == "return" => {
                    self.pos += 1;
                    let value = match self.peek() {
                        None | Some(Token::Newline) | Some(Token::Sym(';')) => Value::Nil,
                        _ => self.expr()?,
                    };
                    self.skip_separators();
                    if self.peek().is_some() {
                        return Err(Stop::Unsupported("statements after return".into()));
                    }
                    return Ok(value);
                }
                Some(Token::Name(n)) if n == "redis" => {
                    self.call()?;
                }
                Some(other) => {
                    return Err(Stop::Unsupported(format!(
                        "the statement starting with {}",
                        other.describe()
                    )))
                }
            }
        }
    }

    fn expr(&mut self) -> Result<Value, Stop> {
        let mut left = self.term()?;
        while let Some(Token::Sym(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let right = self.term()?;
            left = arith(left, right, op)?;
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Value, Stop> {
        let mut left = self.factor()?;
        while let Some(Token::Sym('*')) = self.peek() {
            self.pos += 1;
            let right = self.factor()?;
            left = arith(left, right, '*')?;
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Value, Stop> {
        let token = self
            .peek()
            .cloned()
            .ok_or(Stop::Unsupported("a missing value".into()))?;
        match token {
            Token::Num(n) => {
                self.pos += 1;
                Ok(Value::Num(n))
            }
            Token::Str(s) => {
                self.pos += 1;
                Ok(Value::Str(s))
            }
            Token::Sym('-') => {
                self.pos += 1;
                let v = self.factor()?;
                arith(Value::Num(0.0), v, '-')
            }
            Token::Sym('(') => {
                self.pos += 1;
                let v = self.expr()?;
                self.expect(')')?;
                Ok(v)
            }
            Token::Sym('{') => {
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek() != Some(&Token::Sym('}')) {
                    items.push(self.expr()?);
                    if self.peek() == Some(&Token::Sym(',')) {
                        self.pos += 1;
                    }
                }
                self.pos += 1;
                Ok(Value::Table(items))
            }
            Token::Name(n) if n == "KEYS" || n == "ARGV" => {
                self.pos += 1;
                self.expect('[')?;
                let index = match self.expr()? {
                    Value::Num(i) if i >= 1.0 => i as usize,
                    _ => {
                        return Err(Stop::Unsupported(format!(
                            "{n}[...] needs a positive number"
                        )))
                    }
                };
                self.expect(']')?;
                let list = if n == "KEYS" { &self.keys } else { &self.args };
                Ok(list
                    .get(index - 1)
                    .map_or(Value::Nil, |v| Value::Str(v.clone())))
            }
            Token::Name(n) if n == "nil" => {
                self.pos += 1;
                Ok(Value::Nil)
            }
            Token::Name(n) if n == "true" || n == "false" => {
                self.pos += 1;
                Ok(Value::Bool(n == "true"))
            }
            Token::Name(n) if n == "redis" => self.call(),
            other => Err(Stop::Unsupported(format!(
                "the expression {}",
                other.describe()
            ))),
        }
    }

    /// `redis.call(...)` or `redis.pcall(...)`.
    fn call(&mut self) -> Result<Value, Stop> {
        let line = self.line();
        self.pos += 1;
        self.expect('.')?;
        let protected = match self.peek().cloned() {
            Some(Token::Name(n)) if n == "call" => false,
            Some(Token::Name(n)) if n == "pcall" => true,
            _ => return Err(Stop::Unsupported("only redis.call and redis.pcall".into())),
        };
        self.pos += 1;
        self.expect('(')?;
        let mut argv = Vec::new();
        while self.peek() != Some(&Token::Sym(')')) {
            argv.push(match self.expr()? {
                Value::Str(s) => s,
                Value::Num(n) => lua_number(n).into_bytes(),
                _ => {
                    return Err(Stop::Raise(
                        "ERR Lua redis lib command arguments must be strings or integers".into(),
                        line,
                    ))
                }
            });
            if self.peek() == Some(&Token::Sym(',')) {
                self.pos += 1;
            }
        }
        self.pos += 1;
        let reply = self.run_command(&argv);
        match reply {
            Reply::Error(e) if !protected => Err(Stop::Raise(e, line)),
            r => Ok(from_reply(r)),
        }
    }

    fn run_command(&mut self, argv: &[Vec<u8>]) -> Reply {
        let spec = match lookup(argv) {
            Lookup::Found(spec) => spec,
            Lookup::UnknownCommand => {
                return Reply::Error("ERR Unknown Redis command called from script".into())
            }
            _ => {
                return Reply::Error(
                    "ERR Wrong number of args calling Redis command from script".into(),
                )
            }
        };
        if matches!(
            spec.name,
            "multi"
                | "exec"
                | "discard"
                | "watch"
                | "unwatch"
                | "eval"
                | "evalsha"
                | "asking"
                | "readonly"
                | "readwrite"
                | "hello"
                | "select"
                | "wait"
        ) {
            return Reply::Error("ERR This Redis command is not allowed from script".into());
        }
        // `scriptVerifyWriteCommandAllow()` comes before the cluster check:
        // a replica refuses the script's first write whatever its keys.
        if spec.write && self.read_only {
            return Reply::Error(
                "ERR Write commands are not allowed from read-only scripts.".into(),
            );
        }
        if spec.write && !self.wrote {
            if !self.node.role(self.node.me).is_master() {
                return Reply::Error(
                    "READONLY You can't write against a read only replica.".into(),
                );
            }
            self.wrote = true;
        }
        let keys: Vec<&[u8]> = key_positions(spec, argv)
            .into_iter()
            .map(|i| argv[i].as_slice())
            .collect();
        if !keys.is_empty() {
            let flags = ClientFlags {
                asking: self.client.asking,
                readonly: self.client.readonly,
            };
            let query = Query {
                keys,
                write: spec.write,
                ..Query::default()
            };
            match route(self.node, self.io.now(), &query, flags) {
                Route::Serve { .. } => {}
                Route::DownReadOnly => {
                    return Reply::Error(
                        "ERR Script attempted to execute a write command while the cluster is down and readonly"
                            .into(),
                    )
                }
                Route::Down => {
                    return Reply::Error("ERR Script attempted to execute a command while the cluster is down".into())
                }
                _ => return Reply::Error("ERR Script attempted to access a non local key in a cluster node".into()),
            }
        }
        self.node.call(self.client, spec, argv, self.io)
    }
}

/// Lua's tostring of a number: integers without a decimal point.
fn lua_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn arith(a: Value, b: Value, op: char) -> Result<Value, Stop> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => Ok(Value::Num(match op {
            '+' => x + y,
            '-' => x - y,
            _ => x * y,
        })),
        _ => Err(Stop::Unsupported(
            "arithmetic on something other than numbers".into(),
        )),
    }
}

impl Node {
    /// EVAL script numkeys key... arg... / EVALSHA sha1 numkeys ...
    pub(crate) fn eval(
        &mut self,
        client: &mut Conn,
        by_sha: bool,
        read_only: bool,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Reply {
        // `evalShaCommand()`: a name that is not 40 characters cannot be a
        // script's SHA1, whatever follows.
        if by_sha && argv[1].len() != 40 {
            return Reply::Error("NOSCRIPT No matching script. Please use EVAL.".into());
        }
        let numkeys = match crate::keyspace::parse_i64(&argv[2]) {
            None => return Reply::Error(crate::command::data::NOT_INTEGER.into()),
            Some(n) if n < 0 => return Reply::Error("ERR Number of keys can't be negative".into()),
            Some(n) if n as usize > argv.len() - 3 => {
                return Reply::Error(
                    "ERR Number of keys can't be greater than number of args".into(),
                )
            }
            Some(n) => n as usize,
        };
        let (sha, source) = if by_sha {
            let sha = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
            match self.scripts.iter().find(|(s, _)| *s == sha) {
                Some((_, src)) => (sha, src.clone()),
                None => {
                    return Reply::Error("NOSCRIPT No matching script. Please use EVAL.".into())
                }
            }
        } else {
            let sha = sha1_hex(&argv[1]);
            let scripts = &mut self.scripts;
            if !scripts.iter().any(|(s, _)| *s == sha) {
                scripts.push((sha.clone(), argv[1].clone()));
            }
            (sha, argv[1].clone())
        };
        let tokens = match tokenize(&source) {
            Ok(t) => t,
            Err(why) => return Reply::Error(format!("{SUBSET} (this one has {why})")),
        };
        let body = Body {
            tokens,
            name: sha,
            origin: "user_script",
            read_only,
        };
        let (keys, args) = argv[3..].split_at(numkeys);
        self.run_body(client, &body, keys, args, io)
    }

    /// Runs a script body (EVAL's whole script, a function's body) with
    /// its keys and arguments.
    pub(crate) fn run_body(
        &mut self,
        client: &mut Conn,
        body: &Body,
        keys: &[Vec<u8>],
        args: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Reply {
        let mut run = Run {
            node: self,
            client,
            io,
            keys: keys.to_vec(),
            args: args.to_vec(),
            tokens: body.tokens.clone(),
            pos: 0,
            wrote: false,
            read_only: body.read_only,
        };
        let (name, origin) = (&body.name, body.origin);
        match run.script() {
            Ok(v) => to_reply(v),
            Err(Stop::Raise(e, line)) => {
                Reply::Error(format!("{e} script: {name}, on @{origin}:{line}."))
            }
            Err(Stop::Unsupported(why)) => Reply::Error(format!("{SUBSET} (this one uses {why})")),
        }
    }
}

/// What `run_body` runs: the tokens, the name errors carry (a script's
/// SHA1, a function's name) and where it came from (`@user_script`,
/// `@user_function`), and whether writes are refused.
pub(crate) struct Body {
    pub tokens: Vec<(Token, usize)>,
    pub name: String,
    pub origin: &'static str,
    pub read_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Cluster, ConnId};

    #[test]
    fn sha1_known_values() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        // Script names from the real server (transcript and SCRIPT LOAD).
        assert_eq!(
            sha1_hex(b"return redis.call('GET', 'b')"),
            "91e239eba5997a629a47d47050861d62e8098473"
        );
        assert_eq!(
            sha1_hex(b"return 1+1"),
            "a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bd9"
        );
    }

    fn eval(c: &mut Cluster, conn: ConnId, script: &str, rest: &[&str]) -> Reply {
        let mut argv = vec![b"EVAL".to_vec(), script.as_bytes().to_vec()];
        argv.extend(rest.iter().map(|a| a.as_bytes().to_vec()));
        c.execute(conn, &argv)
    }

    #[test]
    fn replies_match_real_redis() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let n2 = c.connect(2);
        // Values and texts observed on a real Redis 7.0.15.
        assert_eq!(eval(&mut c, n2, "return 1+1", &["0"]), Reply::Integer(2));
        assert_eq!(eval(&mut c, n2, "return 3.9", &["0"]), Reply::Integer(3));
        assert_eq!(eval(&mut c, n2, "return true", &["0"]), Reply::Integer(1));
        assert_eq!(eval(&mut c, n2, "return", &["0"]), Reply::Nil);
        assert_eq!(
            eval(
                &mut c,
                n2,
                "return {1, 'a', redis.call('GET','nokey'), 2}",
                &["0"]
            ),
            Reply::Array(vec![
                Reply::Integer(1),
                Reply::bulk("a"),
                Reply::Nil,
                Reply::Integer(2)
            ])
        );
        assert_eq!(
            eval(
                &mut c,
                n2,
                "return redis.call('SET', KEYS[1], ARGV[1])",
                &["1", "a", "from-lua"]
            ),
            Reply::ok()
        );
        assert_eq!(
            eval(&mut c, n2, "return redis.call('GET', 'b')", &["1", "a"]),
            Reply::Error("ERR Script attempted to access a non local key in a cluster node script: 91e239eba5997a629a47d47050861d62e8098473, on @user_script:1.".into())
        );
        assert_eq!(
            eval(&mut c, n2, "return redis.call('GET', 'a')", &["0"]),
            Reply::bulk("from-lua")
        );
        assert_eq!(
            eval(&mut c, n2, "return 1", &["5", "a"]),
            Reply::Error("ERR Number of keys can't be greater than number of args".into())
        );
        assert_eq!(
            eval(&mut c, n2, "return 1", &["-1"]),
            Reply::Error("ERR Number of keys can't be negative".into())
        );
        assert!(matches!(
            eval(&mut c, n2, "for i=1,3 do end", &["0"]),
            Reply::Error(e) if e.starts_with("ERR the Slotscope simulator runs only scripts")
        ));
        let sha = vec![
            b"EVALSHA".to_vec(),
            b"a27e7e8a43702b7046d4f6a7ccf5b60cef6b9bd9".to_vec(),
            b"0".to_vec(),
        ];
        assert_eq!(c.execute(n2, &sha), Reply::Integer(2));
        let n0 = c.connect(0);
        assert_eq!(
            c.execute(n0, &sha),
            Reply::Error("NOSCRIPT No matching script. Please use EVAL.".into())
        );
    }

    #[test]
    fn call_errors_carry_the_script_name_and_pcall_returns_them() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let n2 = c.connect(2);
        c.execute(n2, &[b"SET".to_vec(), b"foo".to_vec(), b"str".to_vec()]);
        assert_eq!(
            eval(&mut c, n2, "return redis.call('LPUSH', KEYS[1], 'x')", &["1", "foo"]),
            Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value script: c0f4e07d13acc8c1c810243d737b96cf873d836e, on @user_script:1.".into())
        );
        assert_eq!(
            eval(
                &mut c,
                n2,
                "return redis.pcall('LPUSH', KEYS[1], 'x')",
                &["1", "foo"]
            ),
            Reply::Error(
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            )
        );
        assert_eq!(
            eval(
                &mut c,
                n2,
                "redis.call('SET','a','b')\nreturn redis.call('GET','a')",
                &["0"]
            ),
            Reply::bulk("b")
        );
    }
}
