//! Redis Functions (functions.c, function_lua.c in Redis 7.0), per node:
//! FUNCTION LOAD of a Lua library, FCALL / FCALL_RO, FUNCTION LIST,
//! DELETE, FLUSH, STATS. A library is `#!lua name=<lib>` and then
//! `redis.register_function(...)` calls — positional (`'name', function(keys,
//! args) ... end`) or named (`{function_name=..., callback=..., flags={...},
//! description=...}`) — whose bodies are in the script subset EVAL runs
//! (script.rs). A master's library reaches its replicas with the stream.

use crate::connection::Conn;
use crate::node::{Io, Node};
use crate::reply::Reply;
use crate::script::{tokenize, Body, Token};

const SUBSET: &str = "ERR the Slotscope simulator loads only libraries made of \
redis.register_function(...) calls whose functions are in the script subset";

/// The flags a function may declare (`scripts_flags_def`).
const FLAGS: &[&str] = &[
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub description: Option<Vec<u8>>,
    pub flags: Vec<String>,
    /// The body, with its two parameters renamed KEYS and ARGV.
    tokens: Vec<(Token, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Library {
    pub name: String,
    pub code: Vec<u8>,
    pub functions: Vec<Function>,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn registering(why: &str) -> Reply {
    Reply::Error(format!("ERR Error registering functions: {why}"))
}

/// An error reply's text without its "ERR " (for a message Redis builds
/// around it).
fn reply_text(r: Reply) -> String {
    match r {
        Reply::Error(e) => e.strip_prefix("ERR ").unwrap_or(&e).to_string(),
        other => format!("{other:?}"),
    }
}

fn error(why: &str) -> Reply {
    Reply::Error(format!("ERR {why}"))
}

/// The library's name from its shebang line (`functionExtractLibMetaData()`,
/// then the engine and name checks of `functionsCreateWithLibraryCtx()`),
/// in the order Redis makes them.
pub fn library_name(code: &[u8]) -> Result<String, Reply> {
    if !code.starts_with(b"#!") {
        return Err(error("Missing library metadata"));
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err(error("Invalid library metadata"));
    };
    // The shebang is split as sdssplitargs() splits (quotes and all).
    let parts = match crate::command::parse::split_args(&code[..end]) {
        Ok(parts) if !parts.is_empty() => parts,
        _ => return Err(error("Invalid library metadata")),
    };
    let engine = parts[0].get(2..).unwrap_or_default();
    let mut name: Option<&[u8]> = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(error(
                    "Invalid metadata value, name argument was given multiple times",
                ));
            }
            name = Some(&part[5..]);
            continue;
        }
        return Err(error(&format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        )));
    }
    let Some(name) = name else {
        return Err(error("Library name was not given"));
    };
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(error(&format!(
            "Engine '{}' not found",
            String::from_utf8_lossy(engine)
        )));
    }
    let name = String::from_utf8_lossy(name).into_owned();
    if !valid_name(&name) {
        return Err(error(
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    Ok(name)
}

/// Parses a library (`functionExtractLibMetaData()` and the Lua loader).
pub fn parse_library(code: &[u8]) -> Result<Library, Reply> {
    let name = library_name(code)?;
    let first_end = code.iter().position(|&b| b == b'\n').unwrap_or(code.len());
    // Line numbers count from the shebang, which is not Lua.
    let mut rest = vec![b' '; first_end];
    rest.extend_from_slice(&code[first_end..]);
    let tokens =
        tokenize(&rest).map_err(|why| Reply::Error(format!("{SUBSET} (this one has {why})")))?;
    let mut p = Parser { tokens, pos: 0 };
    let mut functions: Vec<Function> = Vec::new();
    loop {
        p.skip_separators();
        if p.peek().is_none() {
            break;
        }
        let f = p.register()?;
        if functions.iter().any(|g| g.name == f.name) {
            return Err(registering("ERR Function already exists in the library"));
        }
        functions.push(f);
    }
    if functions.is_empty() {
        return Err(Reply::Error("ERR No functions registered".into()));
    }
    Ok(Library {
        name,
        code: code.to_vec(),
        functions,
    })
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
}

fn unsupported(what: &str) -> Reply {
    Reply::Error(format!("{SUBSET} (this one uses {what})"))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.peek().cloned();
        self.pos += 1;
        t
    }

    fn sym(&mut self, c: char) -> Result<(), Reply> {
        match self.next() {
            Some(Token::Sym(s)) if s == c => Ok(()),
            _ => Err(unsupported(&format!(
                "something else where '{c}' was expected"
            ))),
        }
    }

    fn name(&mut self) -> Result<String, Reply> {
        match self.next() {
            Some(Token::Name(n)) => Ok(n),
            _ => Err(unsupported("something else where a name was expected")),
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(Token::Newline) | Some(Token::Sym(';'))) {
            self.pos += 1;
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Token::Newline) {
            self.pos += 1;
        }
    }

    /// One `redis.register_function(...)` statement.
    fn register(&mut self) -> Result<Function, Reply> {
        if self.name()? != "redis" {
            return Err(unsupported(
                "a statement other than redis.register_function",
            ));
        }
        self.sym('.')?;
        if self.name()? != "register_function" {
            return Err(unsupported(
                "a redis call other than register_function at load time",
            ));
        }
        match self.next() {
            Some(Token::Sym('(')) => {
                self.skip_newlines();
                let name = match self.next() {
                    Some(Token::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
                    Some(Token::Sym('{')) => return Err(unsupported("a table inside parentheses")),
                    _ => {
                        return Err(registering(
                            "ERR first argument to redis.register_function must be a string",
                        ))
                    }
                };
                self.skip_newlines();
                if self.peek() == Some(&Token::Sym(')')) {
                    return Err(registering("ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."));
                }
                self.sym(',')?;
                self.skip_newlines();
                if self.peek() != Some(&Token::Name("function".into())) {
                    return Err(registering(
                        "ERR second argument to redis.register_function must be a function",
                    ));
                }
                let tokens = self.function()?;
                self.skip_newlines();
                self.sym(')')?;
                Function::new(name, None, Vec::new(), tokens)
            }
            Some(Token::Sym('{')) => self.named(),
            _ => Err(unsupported("redis.register_function without arguments")),
        }
    }

    /// `{function_name=..., callback=..., flags={...}, description=...}`.
    fn named(&mut self) -> Result<Function, Reply> {
        let (mut name, mut tokens, mut flags, mut description) = (None, None, Vec::new(), None);
        loop {
            self.skip_newlines();
            if self.peek() == Some(&Token::Sym('}')) {
                self.pos += 1;
                break;
            }
            let key = self.name()?;
            self.sym('=')?;
            self.skip_newlines();
            match key.as_str() {
                "function_name" => match self.next() {
                    Some(Token::Str(s)) => name = Some(String::from_utf8_lossy(&s).into_owned()),
                    _ => return Err(registering("ERR function_name argument given to redis.register_function must be a string")),
                },
                "description" => match self.next() {
                    Some(Token::Str(s)) => description = Some(s),
                    _ => return Err(registering("ERR description argument given to redis.register_function must be a string")),
                },
                "callback" => tokens = Some(self.function()?),
                "flags" => {
                    self.sym('{')?;
                    loop {
                        self.skip_newlines();
                        match self.next() {
                            Some(Token::Sym('}')) => break,
                            Some(Token::Sym(',')) => {}
                            Some(Token::Str(s)) => {
                                let flag = String::from_utf8_lossy(&s).into_owned();
                                if !FLAGS.contains(&flag.as_str()) {
                                    return Err(registering("ERR unknown flag given"));
                                }
                                flags.push(flag);
                            }
                            _ => return Err(registering("ERR unknown flag given")),
                        }
                    }
                }
                _ => {
                    return Err(registering(
                        "ERR unknown argument given to redis.register_function",
                    ))
                }
            }
            self.skip_newlines();
            if self.peek() == Some(&Token::Sym(',')) {
                self.pos += 1;
            }
        }
        let name = name.ok_or_else(|| {
            registering("ERR redis.register_function must get a function name argument")
        })?;
        let tokens = tokens.ok_or_else(|| {
            registering("ERR redis.register_function must get a callback argument")
        })?;
        Function::new(name, description, flags, tokens)
    }

    /// `function(k, a) ... end`: the body, with `k` and `a` renamed.
    fn function(&mut self) -> Result<Vec<(Token, usize)>, Reply> {
        if self.name()? != "function" {
            return Err(registering(
                "ERR second argument to redis.register_function must be a function",
            ));
        }
        self.sym('(')?;
        let mut params = Vec::new();
        while self.peek() != Some(&Token::Sym(')')) {
            params.push(self.name()?);
            if self.peek() == Some(&Token::Sym(',')) {
                self.pos += 1;
            }
        }
        self.pos += 1;
        let start = self.pos;
        let end = (start..self.tokens.len())
            .find(|&i| self.tokens[i].0 == Token::Name("end".into()))
            .ok_or_else(|| unsupported("a function without its end"))?;
        self.pos = end + 1;
        let rename = |t: &Token| match t {
            Token::Name(n) if params.first() == Some(n) => Token::Name("KEYS".into()),
            Token::Name(n) if params.get(1) == Some(n) => Token::Name("ARGV".into()),
            other => other.clone(),
        };
        Ok(self.tokens[start..end]
            .iter()
            .map(|(t, line)| (rename(t), *line))
            .collect())
    }
}

impl Function {
    fn new(
        name: String,
        description: Option<Vec<u8>>,
        flags: Vec<String>,
        tokens: Vec<(Token, usize)>,
    ) -> Result<Function, Reply> {
        if !valid_name(&name) {
            // 7.0 says "Library" here too.
            return Err(registering("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"));
        }
        Ok(Function {
            name,
            description,
            flags,
            tokens,
        })
    }

    fn no_writes(&self) -> bool {
        self.flags.iter().any(|f| f == "no-writes")
    }
}

impl Node {
    /// FUNCTION LOAD [REPLACE] code.
    pub(crate) fn function_load(&mut self, argv: &[Vec<u8>]) -> Reply {
        let replace = match argv.len() {
            3 => false,
            4 if argv[2].eq_ignore_ascii_case(b"replace") => true,
            _ => {
                return Reply::Error(format!(
                    "ERR Unknown option given: {}",
                    String::from_utf8_lossy(&argv[2])
                ))
            }
        };
        let code = &argv[argv.len() - 1];
        // The name is checked before the code is compiled.
        match library_name(code) {
            Ok(name) if !replace && self.functions.iter().any(|l| l.name == name) => {
                return Reply::Error(format!("ERR Library '{name}' already exists"));
            }
            Ok(_) => {}
            Err(e) => return e,
        }
        let library = match parse_library(code) {
            Ok(l) => l,
            Err(e) => return e,
        };
        let others = self.functions.iter().filter(|l| l.name != library.name);
        for f in others.flat_map(|l| &l.functions) {
            if library.functions.iter().any(|g| g.name == f.name) {
                return Reply::Error(format!("ERR Function {} already exists", f.name));
            }
        }
        let name = library.name.clone();
        self.functions.retain(|l| l.name != name);
        self.functions.push(library);
        Reply::bulk(name)
    }

    /// FCALL / FCALL_RO function numkeys key... arg...
    pub(crate) fn fcall(
        &mut self,
        client: &mut Conn,
        read_only: bool,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Reply {
        let wanted = String::from_utf8_lossy(&argv[1]);
        let Some(f) = self
            .functions
            .iter()
            .flat_map(|l| &l.functions)
            .find(|f| f.name == wanted)
            .cloned()
        else {
            return Reply::Error("ERR Function not found".into());
        };
        let numkeys = match crate::keyspace::parse_i64(&argv[2]) {
            None => return Reply::Error("ERR Bad number of keys provided".into()),
            Some(n) if n > (argv.len() - 3) as i64 => {
                return Reply::Error(
                    "ERR Number of keys can't be greater than number of args".into(),
                )
            }
            Some(n) if n < 0 => return Reply::Error("ERR Number of keys can't be negative".into()),
            Some(n) => n as usize,
        };
        // `scriptPrepareForRun()`: a function that may write does not run
        // on a replica at all, and that is checked before the *_ro rule.
        if !f.no_writes() && !self.role(self.me).is_master() {
            return Reply::Error("READONLY You can't write against a read only replica.".into());
        }
        if read_only && !f.no_writes() {
            return Reply::Error(
                "ERR Can not execute a script with write flag using *_ro command.".into(),
            );
        }
        let body = Body {
            tokens: f.tokens.clone(),
            name: f.name.clone(),
            origin: "user_function",
            read_only: f.no_writes(),
        };
        let (keys, args) = argv[3..].split_at(numkeys);
        self.run_body(client, &body, keys, args, io)
    }

    /// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
    pub(crate) fn function_list(&self, argv: &[Vec<u8>]) -> Reply {
        let (mut pattern, mut with_code) = (None, false);
        let mut i = 2;
        while i < argv.len() {
            if argv[i].eq_ignore_ascii_case(b"withcode") {
                with_code = true;
            } else if argv[i].eq_ignore_ascii_case(b"libraryname") {
                let Some(p) = argv.get(i + 1) else {
                    return Reply::Error("ERR library name argument was not given".into());
                };
                pattern = Some(p.clone());
                i += 1;
            } else {
                return Reply::Error(format!(
                    "ERR Unknown argument {}",
                    String::from_utf8_lossy(&argv[i])
                ));
            }
            i += 1;
        }
        let b = |s: &str| Reply::bulk(s.as_bytes());
        Reply::Array(
            self.functions
                .iter()
                .filter(|l| {
                    pattern
                        .as_ref()
                        .is_none_or(|p| crate::glob::glob_match(p, l.name.as_bytes()))
                })
                .map(|l| {
                    let functions = l
                        .functions
                        .iter()
                        .map(|f| {
                            Reply::Map(vec![
                                (b("name"), b(&f.name)),
                                (
                                    b("description"),
                                    f.description.clone().map_or(Reply::Nil, Reply::Bulk),
                                ),
                                (
                                    b("flags"),
                                    // In the order Redis defines them, as status strings.
                                    Reply::Set(
                                        FLAGS
                                            .iter()
                                            .filter(|x| f.flags.iter().any(|g| g == *x))
                                            .map(|x| Reply::Status(x.to_string()))
                                            .collect(),
                                    ),
                                ),
                            ])
                        })
                        .collect();
                    let mut m = vec![
                        (b("library_name"), b(&l.name)),
                        (b("engine"), b("LUA")),
                        (b("functions"), Reply::Array(functions)),
                    ];
                    if with_code {
                        m.push((b("library_code"), Reply::bulk(l.code.clone())));
                    }
                    Reply::Map(m)
                })
                .collect(),
        )
    }

    /// FUNCTION DUMP: every library's code, in the order they were loaded
    /// (a real server walks a hash table: with several libraries its order
    /// is its own).
    pub(crate) fn function_dump(&self) -> Reply {
        Reply::Bulk(crate::rdb::dump_functions(
            self.functions.iter().map(|l| l.code.as_slice()),
        ))
    }

    /// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
    /// (`functionRestoreCommand()`): the libraries of the payload, loaded
    /// into an empty set first, then swapped in (FLUSH) or joined to the
    /// node's (`libraryJoin()`: a library of the same name is refused, or
    /// replaced with REPLACE; a function name taken by another library is
    /// refused either way). Nothing changes on an error.
    pub(crate) fn function_restore(&mut self, argv: &[Vec<u8>]) -> Reply {
        #[derive(PartialEq)]
        enum Policy {
            Append,
            Replace,
            Flush,
        }
        if argv.len() > 4 {
            // The subcommand as typed (`addReplySubcommandSyntaxError()`).
            return error(&format!(
                "unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
                String::from_utf8_lossy(&argv[1])
            ));
        }
        let policy =
            match argv.get(3) {
                None => Policy::Append,
                Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
                Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
                Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
                Some(_) => return error(
                    "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
                ),
            };
        let mut loaded: Vec<Library> = Vec::new();
        let read = crate::rdb::restore_functions(&argv[2], |code| {
            let name = library_name(code).map_err(reply_text)?;
            if loaded.iter().any(|l| l.name == name) {
                return Err(format!("Library '{name}' already exists"));
            }
            let library = parse_library(code).map_err(reply_text)?;
            let taken = loaded.iter().flat_map(|l| &l.functions);
            if let Some(f) = taken
                .into_iter()
                .find(|f| library.functions.iter().any(|g| g.name == f.name))
            {
                return Err(format!("Function {} already exists", f.name));
            }
            loaded.push(library);
            Ok(())
        });
        if let Err(why) = read {
            return error(&why);
        }
        if policy == Policy::Flush {
            self.functions = loaded;
            return Reply::ok();
        }
        let mut kept: Vec<Library> = Vec::new();
        for l in &self.functions {
            if loaded.iter().any(|n| n.name == l.name) {
                if policy == Policy::Append {
                    return error(&format!("Library {} already exists", l.name));
                }
            } else {
                kept.push(l.clone());
            }
        }
        for f in kept.iter().flat_map(|l| &l.functions) {
            if loaded
                .iter()
                .flat_map(|l| &l.functions)
                .any(|g| g.name == f.name)
            {
                return error(&format!("Function {} already exists", f.name));
            }
        }
        kept.extend(loaded);
        self.functions = kept;
        Reply::ok()
    }

    /// FUNCTION DELETE library.
    pub(crate) fn function_delete(&mut self, name: &[u8]) -> Reply {
        let before = self.functions.len();
        self.functions.retain(|l| l.name.as_bytes() != name);
        if self.functions.len() == before {
            Reply::Error("ERR Library not found".into())
        } else {
            Reply::ok()
        }
    }

    /// FUNCTION STATS: no function runs between commands.
    pub(crate) fn function_stats(&self) -> Reply {
        let b = |s: &str| Reply::bulk(s.as_bytes());
        let count = self
            .functions
            .iter()
            .map(|l| l.functions.len())
            .sum::<usize>();
        Reply::Map(vec![
            (b("running_script"), Reply::Nil),
            (
                b("engines"),
                Reply::Map(vec![(
                    b("LUA"),
                    Reply::Map(vec![
                        (
                            b("libraries_count"),
                            Reply::Integer(self.functions.len() as i64),
                        ),
                        (b("functions_count"), Reply::Integer(count as i64)),
                    ]),
                )]),
            ),
        ])
    }

    /// A FUNCTION command from the master's stream.
    pub(crate) fn apply_function(&mut self, argv: &[Vec<u8>]) {
        let sub = argv
            .get(1)
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        match sub.as_slice() {
            b"load" => {
                self.function_load(argv);
            }
            b"delete" if argv.len() == 3 => {
                self.function_delete(&argv[2]);
            }
            b"flush" => self.functions.clear(),
            b"restore" => {
                self.function_restore(argv);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_parse_in_both_forms_and_bad_ones_say_why() {
        let lib = parse_library(
            b"#!lua name=lib\nredis.register_function('a', function(k, v) return k[1] end)\n\
redis.register_function{function_name='b', callback=function(keys, args) return 1 end, flags={'no-writes'}}",
        )
        .unwrap();
        assert_eq!(lib.functions.len(), 2);
        assert!(lib.functions[1].no_writes());
        let err = |code: &[u8]| match parse_library(code) {
            Err(Reply::Error(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(err(b"return 1"), "ERR Missing library metadata");
        assert_eq!(err(b"#!lua name=x-y"), "ERR Invalid library metadata");
        assert!(err(b"#!lua name=x
local a = 1")
        .starts_with("ERR the Slotscope"));
        assert_eq!(err(b"#!lua name=x\n"), "ERR No functions registered");
    }
}
