#!/usr/bin/env python3
"""Puts a Content-Security-Policy into dist/index.html after `trunk build`.

Scripts and wasm come only from the app's own origin, except the one
inline module Trunk writes to start the app, allowed by its SHA-256 (the
hash changes with every build, hence this step). 'wasm-unsafe-eval' lets
WebAssembly compile, and nothing else is evaluated. Styles may be inline
(the drawing sizes itself with a style attribute). A <meta> cannot carry
frame-ancestors: embedding stays open, as a lesson page needs; a host that
can send headers may add `Content-Security-Policy: frame-ancestors ...`.
A teacher's tour file may come from another origin (`?tour-url=` with
`origin=`): the policy lets the page connect to https origins and to the
machine itself (a lesson served locally); which of them the page really
fetches from is the app's own check (tour_loader.rs: its origin, or one
named by `origin=`).
"""
import base64
import hashlib
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "dist/index.html"
html = open(path, encoding="utf-8").read()
scripts = re.findall(r"<script type=\"?module\"?>(.*?)</script>", html, re.S)
if len(scripts) != 1:
    sys.exit(f"add-csp: expected one inline module script in {path}, found {len(scripts)}")
digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
policy = (
    "default-src 'self'; "
    f"script-src 'self' 'wasm-unsafe-eval' 'sha256-{digest}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)
meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
# Right after <meta charset>: before anything the policy governs.
html, n = re.subn(r"(<meta charset=\"?utf-8\"?>)", r"\1" + meta, html, count=1, flags=re.I)
if n != 1:
    sys.exit(f"add-csp: no <meta charset> in {path}")
open(path, "w", encoding="utf-8").write(html)
print(f"add-csp: {path}: script-src 'sha256-{digest}'")
