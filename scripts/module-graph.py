#!/usr/bin/env python3
"""The `use crate::` / `use super::` graph between the modules of a crate,
and the import cycles in it (one module importing another that imports it
back, directly or through others).

    ./scripts/module-graph.py cli/src            cycles only; exits 1 if any
    ./scripts/module-graph.py store/src --edges  every edge too

Paths are resolved to the deepest module that exists as a file, so
`use crate::commands::write::plan::Plan` is an edge to commands::write::plan;
so are paths relative to a child (`write::comment(..)`, `use ask::Ask`).
Items re-exported by the crate root (`crate::Store`) are attributed to the
module that defines them when the root says so with `pub use module::Item`.

Not edges: a parent declaring its children (`mod foo;`), and a module
re-exporting its descendants' items (`pub use foo::Bar`: its public face,
not a dependency). Re-exporting anything else is an edge: `pub use
crate::other::Thing` makes this module depend on `other`. Unit tests
(`#[cfg(test)] mod tests { ... }`) are left out unless `--tests`: a test
may use whatever it checks against. `--skip PREFIX` leaves out modules
(another team's work in progress, say) as sources.

A quick regex reader, not a Rust parser: string literals that look like
paths or braces inside test modules can fool it.
"""

import argparse
import re
import sys
from pathlib import Path

USE_RE = re.compile(r"\buse\s+((?:crate|super|self)\s*::[^;]*);", re.S)
INLINE_RE = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
INLINE_MOD_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*\{", re.M)


def module_of(root: Path, path: Path) -> tuple:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "main", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def expand(path: str) -> list:
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    path = re.sub(r"\s+", "", path)
    i = path.find("{")
    if i < 0:
        return [path]
    prefix, body = path[:i], path[i + 1 : path.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p:
            out.extend(prefix + q for q in expand(p))
    return out


def strip_tests(text: str) -> str:
    """Drops `#[cfg(test)] mod x { ... }` blocks (brace-matched)."""
    out, pos = "", 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out += text[pos : m.start()]
        pos = i
    return out + text[pos:]


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", type=Path)
    ap.add_argument("--edges", action="store_true")
    ap.add_argument("--tests", action="store_true")
    ap.add_argument("--skip", action="append", default=[])
    args = ap.parse_args()
    root = args.src
    files = {module_of(root, p): p for p in sorted(root.rglob("*.rs"))}
    modules = set(files)

    # Root re-exports: `pub use module::{A, B}` in lib.rs/main.rs.
    root_items = {}
    root_text = strip_comments(files[()].read_text())
    for m in USE_RE.finditer(root_text.replace("pub use ", "use crate::")):
        for p in expand(m.group(1)):
            segs = [s for s in p.split("::") if s not in ("crate", "self")]
            if len(segs) >= 2 and (segs[0],) in modules:
                root_items[segs[-1].split(" as ")[-1]] = (segs[0],)

    def resolve(src: tuple, path: str, in_inline: bool):
        segs = [re.split(r"\bas\b", s)[0].strip() for s in path.split("::")]
        base = list(src)
        if segs[0] == "crate":
            base, segs = [], segs[1:]
        else:
            if in_inline:
                # `super` in an inline `mod tests {}` is the file's module.
                if segs[0] == "super":
                    segs = segs[1:]
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
        best = tuple(base)
        cur = list(base)
        for s in segs:
            cur.append(s)
            if tuple(cur) in modules:
                best = tuple(cur)
            else:
                break
        if best == () and not base and segs and segs[0] in root_items:
            best = root_items[segs[0]]
        return best

    edges = {}
    for mod, path in files.items():
        if any(".".join(mod).startswith(s) or "::".join(mod).startswith(s) for s in args.skip):
            continue
        text = strip_comments(path.read_text())
        if not args.tests:
            text = strip_tests(text)
        inline = INLINE_MOD_RE.search(text)
        cut = inline.start() if inline else len(text)
        found = []
        for m in USE_RE.finditer(text):
            reexport = re.search(r"\bpub(?:\([^)]*\))?\s*$", text[max(0, m.start() - 20) : m.start()])
            for p in expand(m.group(1)):
                found.append((p, m.start() >= cut, bool(reexport)))
        for m in INLINE_RE.finditer(USE_RE.sub("", text)):
            found.append((m.group(1) + m.group(2), False, False))
        # Paths relative to this module (`write::comment(..)`, `use ask::Ask`),
        # not counting `pub use child::Item` re-exports.
        plain = re.sub(r"\bpub(?:\([^)]*\))?\s+use\s+[^;]*;", "", text)
        for child in sorted(m for m in modules if len(m) == len(mod) + 1 and m[:-1] == mod):
            if re.search(r"(?<![\w:])%s::" % re.escape(child[-1]), plain):
                edges.setdefault(mod, set()).add(child)
        for p, in_inline, reexport in found:
            target = resolve(mod, p, in_inline)
            if target == mod:
                continue
            # Re-exporting a descendant's item is the module's public face,
            # not a dependency; re-exporting anything else is.
            if reexport and target[: len(mod)] == mod:
                continue
            edges.setdefault(mod, set()).add(target)

    name = lambda m: "::".join(m) or "crate"
    if args.edges:
        for src in sorted(edges):
            for dst in sorted(edges[src]):
                print(f"{name(src)} -> {name(dst)}")

    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            strong(v)
    if not sccs:
        print(f"{root}: no import cycles among {len(modules)} modules")
        return 0
    for comp in sccs:
        print(f"cycle: {', '.join(name(m) for m in comp)}")
        for a in comp:
            for b in sorted(edges.get(a, ())):
                if b in comp:
                    print(f"    {name(a)} -> {name(b)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
