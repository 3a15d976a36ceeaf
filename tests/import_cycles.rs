//! Every crate's files import one way (issue 11), read from the source:
//! the paths a file names through `crate::`, `super::` or `self::` (test
//! modules and comments left out) are its imports; a module file naming its
//! own submodules declares them, which is not counted. Checked for the
//! harness (`src/`, `main.rs` aside: it only dispatches) and the scanner
//! (`scanner/src/`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// A module path below the crate root (`["generator", "shapes", "anime"]`).
type Module = Vec<String>;

/// Every `.rs` file under `dir`: its module and its code without
/// comments, up to its test module.
fn files(dir: &Path, module: &[String], out: &mut BTreeMap<Module, String>) {
    let mut paths: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut m = module.to_vec();
        if path.is_dir() {
            m.push(stem);
            files(&path, &m, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        if module.is_empty() && stem == "main" {
            continue;
        }
        if stem != "mod" && !(module.is_empty() && stem == "lib") {
            m.push(stem);
        }
        let text = fs::read_to_string(&path).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: Vec<&str> = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect();
        out.insert(m, code.join("\n"));
    }
}

fn skip_spaces(s: &[u8], i: &mut usize) {
    while s.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
        *i += 1;
    }
}

/// The paths of the use tree at `s[*i..]` (`a::b`, `a::{b, c::{d, e}}`).
fn use_tree(s: &[u8], i: &mut usize) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    loop {
        skip_spaces(s, i);
        if s.get(*i) == Some(&b'{') {
            *i += 1;
            let mut out = Vec::new();
            loop {
                skip_spaces(s, i);
                match s.get(*i) {
                    None => return out,
                    Some(b'}') => {
                        *i += 1;
                        return out;
                    }
                    Some(b',') => *i += 1,
                    Some(_) => {
                        let start = *i;
                        for p in use_tree(s, i) {
                            out.push(prefix.iter().cloned().chain(p).collect());
                        }
                        // `as name`, `*`: up to the next item.
                        while s.get(*i).is_some_and(|c| *c != b',' && *c != b'}') {
                            *i += 1;
                        }
                        if *i == start {
                            *i += 1;
                        }
                    }
                }
            }
        }
        let start = *i;
        while s
            .get(*i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            *i += 1;
        }
        if *i == start {
            return vec![prefix];
        }
        prefix.push(String::from_utf8_lossy(&s[start..*i]).into_owned());
        if !s[*i..].starts_with(b"::") {
            return vec![prefix];
        }
        *i += 2;
    }
}

/// The files `code` (the file of module `here`) imports.
fn imports(code: &str, here: &[String], known: &BTreeMap<Module, String>) -> Vec<Module> {
    let s = code.as_bytes();
    let mut out = Vec::new();
    for i in 0..s.len() {
        if i > 0 && (s[i - 1].is_ascii_alphanumeric() || b"_:".contains(&s[i - 1])) {
            continue;
        }
        let rest = &s[i..];
        let (mut base, mut j) = if rest.starts_with(b"crate::") {
            (Vec::new(), i + "crate::".len())
        } else if rest.starts_with(b"super::") {
            (here[..here.len().saturating_sub(1)].to_vec(), i + 7)
        } else if rest.starts_with(b"self::") {
            (here.to_vec(), i + 6)
        } else {
            continue;
        };
        while s[j..].starts_with(b"super::") {
            base.pop();
            j += 7;
        }
        for path in use_tree(s, &mut j) {
            let full: Module = base.iter().cloned().chain(path).collect();
            let Some(n) = (0..=full.len())
                .rev()
                .find(|&n| known.contains_key(&full[..n]))
            else {
                continue;
            };
            let target = full[..n].to_vec();
            // Itself, or a submodule it declares.
            if !target.starts_with(here) {
                out.push(target);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A cycle of imports among the files under `dir`, if there is one.
fn import_cycle(dir: &Path) -> Option<Vec<String>> {
    let mut known = BTreeMap::new();
    files(dir, &[], &mut known);
    let graph: BTreeMap<Module, Vec<Module>> = known
        .iter()
        .map(|(m, code)| (m.clone(), imports(code, m, &known)))
        .collect();
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit<'a>(
        m: &'a Module,
        graph: &'a BTreeMap<Module, Vec<Module>>,
        path: &mut Vec<&'a Module>,
        done: &mut Vec<&'a Module>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            let mut cycle: Vec<String> = path[at..].iter().map(|p| p.join("/")).collect();
            cycle.push(m.join("/"));
            return Some(cycle);
        }
        if done.contains(&m) {
            return None;
        }
        path.push(m);
        for t in &graph[m] {
            if let Some(c) = visit(t, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.push(m);
        None
    }
    let mut done = Vec::new();
    graph
        .keys()
        .find_map(|m| visit(m, &graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_harness_files_import_without_a_cycle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert_eq!(import_cycle(&dir), None);
}

#[test]
fn the_scanner_files_import_without_a_cycle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scanner/src");
    assert_eq!(import_cycle(&dir), None);
}
