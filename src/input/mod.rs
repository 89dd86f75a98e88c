//! Inputs: files, folders (walked recursively, in sorted order), `-` for a
//! list of paths on stdin, `@FILE` for a list of paths in a file.

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One input the batch will report on, in input order.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    /// Set when the path could not be expanded (missing, unreadable folder):
    /// the batch reports it as an error record.
    pub error: Option<String>,
}

/// Expands the command-line paths into the list of files to scan.
/// `stdin` is read only when a `-` argument is present.
pub fn expand(args: &[PathBuf], stdin: &mut dyn BufRead) -> Vec<Input> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            read_list(stdin, &mut out);
            continue;
        }
        if let Some(list) = arg.to_str().and_then(|s| s.strip_prefix('@')) {
            match std::fs::File::open(list) {
                Ok(f) => read_list(&mut std::io::BufReader::new(f), &mut out),
                Err(e) => out.push(Input { path: arg.clone(), error: Some(format!("cannot read path list: {e}")) }),
            }
            continue;
        }
        push_path(arg, &mut out);
    }
    out
}

fn read_list(r: &mut dyn BufRead, out: &mut Vec<Input>) {
    for line in r.lines() {
        let Ok(line) = line else { break };
        let line = line.trim_end_matches(['\r', '\n']);
        if !line.is_empty() {
            push_path(Path::new(line), out);
        }
    }
}

fn push_path(path: &Path, out: &mut Vec<Input>) {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => walk(path, out),
        Ok(m) if !m.is_file() => out.push(Input { path: path.to_path_buf(), error: Some(NOT_A_FILE.to_string()) }),
        Ok(_) => out.push(Input { path: path.to_path_buf(), error: None }),
        Err(e) => out.push(Input { path: path.to_path_buf(), error: Some(e.to_string()) }),
    }
}

/// Why a FIFO, socket or device is not scanned: opening a FIFO waits for a
/// writer (a batch would hang on it), and a device has no length to read.
pub const NOT_A_FILE: &str = "not a regular file or folder (a FIFO, socket or device)";

/// Walks a folder depth-first in name order; symbolic links to folders are
/// not followed (no cycles), links to files are.
fn walk(dir: &Path, out: &mut Vec<Input>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) => {
                out.push(Input { path: d, error: Some(format!("cannot read folder: {e}")) });
                continue;
            }
        };
        let mut names: Vec<(PathBuf, bool)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let ft = e.file_type().ok()?;
                let path = e.path();
                if ft.is_dir() {
                    Some((path, true))
                } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
                    Some((path, false))
                } else {
                    None
                }
            })
            .collect();
        names.sort();
        // Files of this folder first, then its subfolders (pushed in reverse
        // so they pop in order).
        let mut subdirs = Vec::new();
        for (p, is_dir) in names {
            if is_dir {
                subdirs.push(p);
            } else {
                out.push(Input { path: p, error: None });
            }
        }
        for s in subdirs.into_iter().rev() {
            stack.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_from_a_list_and_reports_missing_ones() {
        let mut stdin = std::io::Cursor::new(b"/nonexistent/a.apk\n\n".to_vec());
        let got = expand(&[PathBuf::from("-")], &mut stdin);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, PathBuf::from("/nonexistent/a.apk"));
        assert!(got[0].error.is_some());
    }

    /// A device or FIFO named on the command line or in a list is an error
    /// record, not a file to open (a FIFO would block the batch).
    #[test]
    fn devices_and_fifos_are_not_scanned() {
        let mut stdin = std::io::Cursor::new(b"/dev/null\n".to_vec());
        let got = expand(&[PathBuf::from("-")], &mut stdin);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].error.as_deref(), Some(NOT_A_FILE));
        let got = expand(&[PathBuf::from("/dev/null")], &mut std::io::Cursor::new(Vec::new()));
        assert_eq!(got[0].error.as_deref(), Some(NOT_A_FILE));
    }

    #[test]
    fn walks_folders_in_sorted_order() {
        let mut stdin = std::io::Cursor::new(Vec::new());
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let got = expand(&[src], &mut stdin);
        let names: Vec<_> = got.iter().map(|i| i.path.clone()).collect();
        assert!(names.iter().any(|p| p.ends_with("input/mod.rs")));
        // Top-level files come before subfolders, each level sorted.
        let lib = names.iter().position(|p| p.ends_with("src/lib.rs")).unwrap();
        let input = names.iter().position(|p| p.ends_with("input/mod.rs")).unwrap();
        assert!(lib < input);
    }
}
