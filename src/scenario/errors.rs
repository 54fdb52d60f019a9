//! Problems found in a scenario file, with the key path and position of each.

use std::fmt;
use std::path::{Path, PathBuf};

/// One step of a key path: a table key or an array element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array element, with the element's `name` when it has one.
    Index(usize, Option<String>),
}

/// A path to a key in the file, such as `buyers["Nordhaus"].lgd.sd`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The empty path (the whole file).
    pub fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        KeyPath(segs)
    }

    /// This path extended by an array index (and the element's name, if known).
    pub fn index(&self, index: usize, name: Option<&str>) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index, name.map(str::to_string)));
        KeyPath(segs)
    }

    /// True for the empty path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// True when this path is `prefix` or lies under it (array elements compared by
    /// position).
    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.len() >= prefix.0.len()
            && self.0.iter().zip(&prefix.0).all(|(a, b)| match (a, b) {
                (Seg::Key(a), Seg::Key(b)) => a == b,
                (Seg::Index(a, _), Seg::Index(b, _)) => a == b,
                _ => false,
            })
    }

    /// The path as the key table writes it ([`super::keys`]): array elements as `[]`,
    /// so `buyers["Nordhaus"].lgd` is `buyers[].lgd`.
    pub fn pattern(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(k) if out.is_empty() => out.push_str(k),
                Seg::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Seg::Index(..) => out.push_str("[]"),
            }
        }
        out
    }
}

/// A key as TOML writes it: bare when it can be, else quoted (a buyer's name in
/// `limits."Nordhaus Retail GmbH"`).
fn toml_key(k: &str) -> std::borrow::Cow<'_, str> {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        k.into()
    } else {
        format!("{k:?}").into()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{}", toml_key(k))?,
                Seg::Key(k) => write!(f, ".{}", toml_key(k))?,
                Seg::Index(_, Some(name)) => write!(f, "[\"{name}\"]")?,
                Seg::Index(i, None) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// One problem: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The key at fault.
    pub path: KeyPath,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Byte offset in the file, when known (from the parser or by locating `path`).
    pub offset: Option<usize>,
    /// 1-based line and column, filled in from `offset` against the file's text.
    pub position: Option<(usize, usize)>,
}

impl Problem {
    /// A problem at a key path; its position is located later from the path.
    pub fn new(path: KeyPath, message: impl Into<String>) -> Problem {
        Problem {
            path,
            message: message.into(),
            offset: None,
            position: None,
        }
    }

    /// A problem whose byte offset is already known.
    pub fn at_offset(path: KeyPath, message: impl Into<String>, offset: Option<usize>) -> Problem {
        Problem {
            path,
            message: message.into(),
            offset,
            position: None,
        }
    }
}

/// Everything wrong with one scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The file as named by the user.
    pub file: PathBuf,
    /// The problems, in the order of their position in the file.
    pub problems: Vec<Problem>,
    /// True when the file could not be read at all (an I/O failure, not bad input).
    pub io: bool,
}

impl ScenarioError {
    /// Problems of a file whose text is known: positions are located and sorted.
    pub fn new(file: &Path, text: &str, mut problems: Vec<Problem>) -> ScenarioError {
        super::locate::fill_positions(text, &mut problems);
        problems.sort_by_key(|p| p.position.unwrap_or((usize::MAX, usize::MAX)));
        ScenarioError {
            file: file.to_path_buf(),
            problems,
            io: false,
        }
    }

    /// A single problem with no position.
    pub fn single(file: &Path, problem: Problem) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            problems: vec![problem],
            io: false,
        }
    }

    /// The file could not be read.
    pub fn io(file: &Path, err: &std::io::Error) -> ScenarioError {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => {
                "no such file; check the path (scenario files end in .toml)".to_string()
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied; make the file readable (chmod +r) or copy it".to_string()
            }
            std::io::ErrorKind::IsADirectory => {
                "this is a directory, not a scenario file; name a .toml file inside it".to_string()
            }
            _ if file.is_dir() => {
                "this is a directory, not a scenario file; name a .toml file inside it".to_string()
            }
            _ => format!("cannot read the file: {err}"),
        };
        ScenarioError {
            file: file.to_path_buf(),
            problems: vec![Problem::new(KeyPath::root(), message)],
            io: true,
        }
    }
}

impl fmt::Display for ScenarioError {
    /// One line per problem. A problem quotes what the file wrote (a key, a name), so
    /// each line is made terminal-safe on its own: a line break or escape sequence in
    /// the file cannot start a line of its own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = crate::text::path(&self.file);
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let location = match p.position {
                Some((line, col)) => format!("{file}:{line}:{col}: "),
                None => format!("{file}: "),
            };
            let text = if p.path.is_root() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path, p.message)
            };
            write!(f, "{location}{}", crate::text::terminal_line(&text))?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
