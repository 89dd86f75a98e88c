//! An App Bundle module's `resources.pb`: the aapt2 `ResourceTable`
//! protobuf (`Resources.proto`, `Configuration.proto`), decoded for the
//! subset the scanner resolves — packages → types → entries → config values
//! → `Item` (string, raw/styled string, reference, file path, primitive).
//! Compound values (styles, arrays, plurals...) are skipped as unknown
//! fields, so they cost no allocation.
//!
//! Resolution mirrors `formats::arsc::ResourceTable`: the default
//! configuration first (an empty `Configuration`), else the first
//! configuration without a locale, else the first one that has the entry;
//! references are followed at most `MAX_REFERENCE_DEPTH` times.

use prost::Message;

use super::{item, Error, FileReference, Item, Primitive, Reference, Result, StringValue};

/// Largest `resources.pb` decoded (real ones are up to a few MB).
pub const MAX_TABLE_BYTES: usize = 64 << 20;
/// Most references followed for one lookup (as `arsc` does).
pub const MAX_REFERENCE_DEPTH: usize = 16;

/// `aapt.pb.ResourceTable` (the source pool, overlayables... are skipped).
#[derive(Clone, PartialEq, Message)]
pub struct ResourceTable {
    #[prost(message, repeated, tag = "2")]
    pub package: Vec<Package>,
}

/// `aapt.pb.PackageId`, `TypeId`, `EntryId`: one `uint32 id = 1`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct NumericId {
    #[prost(uint32, tag = "1")]
    pub id: u32,
}

/// `aapt.pb.Package`.
#[derive(Clone, PartialEq, Message)]
pub struct Package {
    #[prost(message, optional, tag = "1")]
    pub package_id: Option<NumericId>,
    #[prost(string, tag = "2")]
    pub package_name: String,
    #[prost(message, repeated, tag = "3")]
    pub types: Vec<Type>,
}

/// `aapt.pb.Type`.
#[derive(Clone, PartialEq, Message)]
pub struct Type {
    #[prost(message, optional, tag = "1")]
    pub type_id: Option<NumericId>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "3")]
    pub entry: Vec<Entry>,
}

/// `aapt.pb.Entry` (visibility, allow_new and overlayable are skipped).
#[derive(Clone, PartialEq, Message)]
pub struct Entry {
    #[prost(message, optional, tag = "1")]
    pub entry_id: Option<NumericId>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "6")]
    pub config_value: Vec<ConfigValue>,
}

/// `aapt.pb.ConfigValue`. The configuration is kept as its encoded bytes:
/// proto3 leaves every default field out, so the default configuration is
/// empty (or absent).
#[derive(Clone, PartialEq, Message)]
pub struct ConfigValue {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub config: Option<Vec<u8>>,
    #[prost(message, optional, tag = "2")]
    pub value: Option<Value>,
}

/// `aapt.pb.Configuration`, only its BCP-47 locale.
#[derive(Clone, PartialEq, Message)]
pub struct Configuration {
    #[prost(string, tag = "3")]
    pub locale: String,
}

/// `aapt.pb.Value`: only the `item` arm (compound values are skipped).
#[derive(Clone, PartialEq, Message)]
pub struct Value {
    #[prost(message, optional, tag = "4")]
    pub item: Option<Item>,
}

/// Decodes `resources.pb`.
pub fn parse_table(data: &[u8]) -> Result<ResourceTable> {
    if data.len() > MAX_TABLE_BYTES {
        return Err(Error::LimitExceeded { what: "resources.pb bytes", limit: MAX_TABLE_BYTES as u64 });
    }
    ResourceTable::decode(data).map_err(|source| Error::Decode { what: "ResourceTable", source })
}

fn id_of(n: Option<NumericId>) -> u32 {
    n.map_or(0, |n| n.id)
}

fn locale_free(config: Option<&[u8]>) -> bool {
    config.is_none_or(|c| Configuration::decode(c).is_ok_and(|c| c.locale.is_empty()))
}

impl ResourceTable {
    fn package(&self, pid: u32) -> Option<&Package> {
        self.package
            .iter()
            .find(|p| id_of(p.package_id) == pid)
            // A table without an assigned package id is the app's own (0x7f).
            .or_else(|| (pid == 0x7f).then(|| self.package.iter().find(|p| id_of(p.package_id) == 0)).flatten())
    }

    fn entry(&self, id: u32) -> Option<&Entry> {
        let pkg = self.package(id >> 24)?;
        let type_id = (id >> 16) & 0xff;
        let entry_id = id & 0xffff;
        let ty = pkg.types.iter().find(|t| id_of(t.type_id) == type_id)?;
        ty.entry.iter().find(|e| id_of(e.entry_id) == entry_id)
    }

    /// The item of `id` in the default configuration, without following
    /// references (configuration choice as in the module comment).
    pub fn value(&self, id: u32) -> Option<&item::Value> {
        let entry = self.entry(id)?;
        let mut locale_free_hit = None;
        let mut first = None;
        for cv in &entry.config_value {
            let Some(v) = cv.value.as_ref().and_then(|v| v.item.as_ref()).and_then(|i| i.value.as_ref()) else {
                continue;
            };
            let config = cv.config.as_deref();
            if config.is_none_or(<[u8]>::is_empty) {
                return Some(v);
            }
            if locale_free_hit.is_none() && locale_free(config) {
                locale_free_hit = Some(v);
            }
            if first.is_none() {
                first = Some(v);
            }
        }
        locale_free_hit.or(first)
    }

    /// Follows references (bounded) to a non-reference item.
    pub fn resolve(&self, id: u32) -> Option<&item::Value> {
        let mut id = id;
        for _ in 0..MAX_REFERENCE_DEPTH {
            match self.value(id)? {
                item::Value::Ref(Reference { id: next, .. }) if *next != 0 => id = *next,
                other => return Some(other),
            }
        }
        None
    }

    /// The string `id` resolves to in the default configuration.
    pub fn resolve_string(&self, id: u32) -> Option<String> {
        match self.resolve(id)? {
            item::Value::Str(StringValue { value })
            | item::Value::RawStr(StringValue { value })
            | item::Value::StyledStr(StringValue { value }) => Some(value.clone()),
            _ => None,
        }
    }

    /// The file path a file resource (`@xml/network_security_config`)
    /// resolves to (`res/xml/network_security_config.xml`).
    pub fn resolve_file(&self, id: u32) -> Option<String> {
        match self.resolve(id)? {
            item::Value::File(FileReference { path }) => Some(path.clone()),
            item::Value::Str(StringValue { value }) => Some(value.clone()),
            _ => None,
        }
    }

    /// The primitive `id` resolves to, when it is one.
    pub fn resolve_primitive(&self, id: u32) -> Option<&Primitive> {
        match self.resolve(id)? {
            item::Value::Prim(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn cv(config: Option<Configuration>, v: item::Value) -> ConfigValue {
        ConfigValue {
            config: config.map(|c| c.encode_to_vec()),
            value: Some(Value { item: Some(Item { value: Some(v) }) }),
        }
    }

    /// A configuration with only a density (`uint32 density = 18`).
    #[derive(Clone, PartialEq, Message)]
    struct Density {
        #[prost(uint32, tag = "18")]
        density: u32,
    }

    fn s(v: &str) -> item::Value {
        item::Value::Str(StringValue { value: v.into() })
    }

    fn entry(id: u32, values: Vec<ConfigValue>) -> Entry {
        Entry { entry_id: Some(NumericId { id }), name: format!("e{id}"), config_value: values }
    }

    fn sample() -> Vec<u8> {
        let fr = |l: &str| Some(Configuration { locale: l.into() });
        let strings = Type {
            type_id: Some(NumericId { id: 2 }),
            name: "string".into(),
            entry: vec![
                // Localised first, then the default: the default wins.
                entry(0, vec![cv(fr("fr"), s("Bonjour")), cv(Some(Configuration::default()), s("Hello"))]),
                // A localised config and a locale-free non-default one (xhdpi).
                entry(
                    1,
                    vec![
                        cv(fr("de"), s("Hallo")),
                        ConfigValue {
                            config: Some(Density { density: 320 }.encode_to_vec()),
                            value: Some(Value { item: Some(Item { value: Some(s("Hi")) }) }),
                        },
                    ],
                ),
                entry(2, vec![cv(None, item::Value::Ref(Reference { id: 0x7f02_0000, name: String::new() }))]),
                entry(3, vec![cv(None, item::Value::Ref(Reference { id: 0x7f02_0003, name: String::new() }))]),
                entry(4, vec![cv(fr("ja"), s("こんにちは"))]),
            ],
        };
        let xml = Type {
            type_id: Some(NumericId { id: 5 }),
            name: "xml".into(),
            entry: vec![entry(0, vec![cv(None, item::Value::File(FileReference { path: "res/xml/nsc.xml".into() }))])],
        };
        ResourceTable {
            package: vec![Package {
                package_id: Some(NumericId { id: 0x7f }),
                package_name: "com.example".into(),
                types: vec![strings, xml],
            }],
        }
        .encode_to_vec()
    }

    #[test]
    fn default_configuration_strings_and_files_resolve() {
        let t = parse_table(&sample()).unwrap();
        assert_eq!(t.resolve_string(0x7f02_0000).as_deref(), Some("Hello"));
        assert_eq!(t.resolve_string(0x7f02_0001).as_deref(), Some("Hi"));
        assert_eq!(t.resolve_string(0x7f02_0002).as_deref(), Some("Hello"), "reference followed");
        assert_eq!(t.resolve_string(0x7f02_0004).as_deref(), Some("こんにちは"), "only config: taken");
        assert_eq!(t.resolve_file(0x7f05_0000).as_deref(), Some("res/xml/nsc.xml"));
        assert_eq!(t.resolve_string(0x7f05_0000), None, "a file is not a string");
        assert_eq!(t.resolve_string(0x7f02_0009), None);
        assert_eq!(t.resolve_string(0x0102_0000), None, "no such package");
    }

    #[test]
    fn reference_cycles_stop() {
        // Entry 3 refers to itself.
        let t = parse_table(&sample()).unwrap();
        assert_eq!(t.resolve(0x7f02_0003), None);
    }

    #[test]
    fn a_table_without_package_id_is_the_app() {
        let t = ResourceTable {
            package: vec![Package {
                package_id: None,
                package_name: "x".into(),
                types: vec![Type {
                    type_id: Some(NumericId { id: 1 }),
                    name: "string".into(),
                    entry: vec![entry(7, vec![cv(None, s("Lib"))])],
                }],
            }],
        };
        let t = parse_table(&t.encode_to_vec()).unwrap();
        assert_eq!(t.resolve_string(0x7f01_0007).as_deref(), Some("Lib"));
    }

    #[test]
    fn malformed_protobuf_is_a_decode_error() {
        assert!(matches!(parse_table(&[0x12, 0x05, 0x01]), Err(Error::Decode { what: "ResourceTable", .. })));
    }

    #[test]
    fn oversized_table_is_refused() {
        let big = vec![0u8; MAX_TABLE_BYTES + 1];
        assert!(matches!(parse_table(&big), Err(Error::LimitExceeded { .. })));
    }
}
