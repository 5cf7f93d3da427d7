//! A `kubectl get <kinds> -A -o json` snapshot read as a stream. A parsed object takes
//! about twenty-five times its JSON text, so the items of the top-level `List` are parsed
//! one at a time, twice: the first pass indexes what relations need (roles, bindings,
//! labels) and the second hands the objects over a chunk at a time, for checking.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::exceptions;
use super::relations::Index;
use super::snapshot::{
    MAX_OBJECTS, MAX_SNAPSHOT_BYTES, Object, Snapshot, SourceError, flatten, is_list_kind,
    list_item, unavailable,
};

/// A snapshot file, indexed, whose objects can be read again a chunk at a time.
pub struct Stream {
    path: PathBuf,
    /// The whole text, when the source cannot be read twice (a pipe).
    held: Option<Vec<u8>>,
    /// The kind of the top-level list's items, when a typed list (`PodList`) omits them.
    list_kind: String,
    /// The objects, when the document is not a list (then it is small).
    whole: Option<Snapshot>,
    pub index: Index,
    /// Objects carrying the `ktm.dev/ignore` annotation: (kind, namespace, name) -> text.
    pub annotated: HashMap<(String, String, String), String>,
    pub objects: usize,
    pub warnings: Vec<String>,
    pub unavailable: BTreeMap<String, String>,
}

impl Stream {
    /// Reads the snapshot once: checks it is JSON, counts and indexes its objects.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        Self::index(path, hold(path)?)
    }

    /// The first pass, over the file at `path` or over `held`, its text already read.
    fn index(path: &Path, held: Option<Vec<u8>>) -> Result<Self, SourceError> {
        let mut stream = Stream {
            path: path.to_path_buf(),
            held,
            list_kind: String::new(),
            whole: None,
            index: Index::default(),
            annotated: HashMap::new(),
            objects: 0,
            warnings: Vec::new(),
            unavailable: BTreeMap::new(),
        };
        let display: std::sync::Arc<str> = path.display().to_string().into();
        let mut deferred = Vec::new();
        let mut seen = Seen::default();
        let mut warnings = Vec::new();
        let top = stream.read(&mut |item| {
            if item.get("kind").is_none() {
                // A typed list's kind may come after its items: these wait for it.
                deferred.push(item);
            } else {
                seen.take(item, &display, &mut warnings);
            }
        })?;
        let streamed = matches!(&top, Top::List(rest) if is_list_kind(kind_of(rest)));
        if let (true, Top::List(rest)) = (streamed, &top) {
            kind_of(rest)
                .strip_suffix("List")
                .unwrap_or("")
                .clone_into(&mut stream.list_kind);
            for item in deferred {
                seen.take(list_item(item, &stream.list_kind), &display, &mut warnings);
            }
            unavailable(rest.get("ktm"), &mut stream.unavailable);
        } else {
            // Not a list: one small document, kept parsed as it is.
            seen = Seen::default();
            warnings.clear();
            let value = stream.read_whole()?;
            let mut snapshot = Snapshot::default();
            unavailable(value.get("ktm"), &mut stream.unavailable);
            flatten(
                value,
                &display,
                None,
                &mut |o| snapshot.objects.push(o),
                &mut warnings,
            );
            for o in &snapshot.objects {
                seen.observe(o);
            }
            stream.whole = Some(snapshot);
        }
        if seen.objects > MAX_OBJECTS {
            return Err(SourceError::TooManyObjects);
        }
        stream.index = seen.index;
        stream.annotated = seen.annotated;
        stream.objects = seen.objects;
        stream.warnings = warnings;
        Ok(stream)
    }

    /// Hands the objects over in order, at most `size` at a time.
    pub fn chunks(&self, size: usize, each: &mut dyn FnMut(Snapshot)) -> Result<(), SourceError> {
        if let Some(whole) = &self.whole {
            each(whole.clone());
            return Ok(());
        }
        let display: std::sync::Arc<str> = self.path.display().to_string().into();
        let mut chunk = Snapshot::default();
        let mut ignored = Vec::new();
        self.read(&mut |item| {
            let item = list_item(item, &self.list_kind);
            flatten(
                item,
                &display,
                None,
                &mut |o| chunk.objects.push(o),
                &mut ignored,
            );
            if chunk.objects.len() >= size {
                each(std::mem::take(&mut chunk));
            }
        })?;
        if !chunk.objects.is_empty() {
            each(chunk);
        }
        Ok(())
    }

    /// One pass over the document: list items go to `item`, the rest is returned.
    fn read(&self, item: &mut dyn FnMut(Value)) -> Result<Top, SourceError> {
        let json = |e: serde_json::Error| SourceError::Json {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let top = if let Some(bytes) = &self.held {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let top = TopSeed { item }.deserialize(&mut de).map_err(json)?;
            de.end().map_err(json)?;
            top
        } else {
            let file = std::fs::File::open(&self.path).map_err(|source| SourceError::Io {
                path: self.path.clone(),
                source,
            })?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            // Only an object can be a list; anything else is read whole.
            let first = reader
                .fill_buf()
                .ok()
                .and_then(|b| b.iter().find(|c| !c.is_ascii_whitespace()).copied());
            if first != Some(b'{') {
                return Ok(Top::Other);
            }
            let mut de = serde_json::Deserializer::from_reader(reader);
            let top = TopSeed { item }.deserialize(&mut de).map_err(json)?;
            de.end().map_err(json)?;
            top
        };
        Ok(top)
    }

    fn read_whole(&self) -> Result<Value, SourceError> {
        let json = |e: serde_json::Error| SourceError::Json {
            path: self.path.clone(),
            message: e.to_string(),
        };
        if let Some(bytes) = &self.held {
            return serde_json::from_slice(bytes).map_err(json);
        }
        let file = std::fs::File::open(&self.path).map_err(|source| SourceError::Io {
            path: self.path.clone(),
            source,
        })?;
        serde_json::from_reader(BufReader::with_capacity(1 << 20, file)).map_err(json)
    }
}

/// The text of a source that cannot be read twice (a pipe); `None` for a regular file,
/// which is read again instead.
fn hold(path: &Path) -> Result<Option<Vec<u8>>, SourceError> {
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || SourceError::TooLarge {
        path: path.to_path_buf(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        return if meta.len() > MAX_SNAPSHOT_BYTES {
            Err(too_large())
        } else {
            Ok(None)
        };
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SNAPSHOT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

fn kind_of(map: &Map<String, Value>) -> &str {
    map.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// What the first pass keeps.
#[derive(Default)]
struct Seen {
    index: Index,
    annotated: HashMap<(String, String, String), String>,
    objects: usize,
}

impl Seen {
    /// Splits one list item into objects and observes each.
    fn take(&mut self, item: Value, file: &std::sync::Arc<str>, warnings: &mut Vec<String>) {
        flatten(item, file, None, &mut |o| self.observe(&o), warnings);
    }

    fn observe(&mut self, o: &Object) {
        self.objects += 1;
        self.index.observe(o);
        if let Some(text) = exceptions::annotation(&o.value) {
            let key = (
                o.kind().to_owned(),
                o.namespace().to_owned(),
                o.name().to_owned(),
            );
            self.annotated.insert(key, text.to_owned());
        }
    }
}

/// The top level of the document, less the list items already handed over.
enum Top {
    List(Map<String, Value>),
    Other,
}

struct TopSeed<'f> {
    item: &'f mut dyn FnMut(Value),
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Top;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut rest = Map::new();
        let (mut streamed, mut plain) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            if plain {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else if key == "items" && !streamed {
                streamed = true;
                // Not an array: not a list, and the document is read again whole.
                plain = map
                    .next_value_seed(ItemsSeed {
                        item: &mut *self.item,
                    })?
                    .is_some();
            } else {
                rest.insert(key, map.next_value()?);
            }
        }
        Ok(if streamed && !plain {
            Top::List(rest)
        } else {
            Top::Other
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Top::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other)
    }
    fn visit_unit<E>(self) -> Result<Top, E> {
        Ok(Top::Other)
    }
}

/// The value of `items`: an array is handed over element by element (`None`), anything
/// else is returned whole.
struct ItemsSeed<'f> {
    item: &'f mut dyn FnMut(Value),
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            (self.item)(v);
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(v.to_owned())))
    }
    fn visit_unit<E>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
}

#[cfg(test)]
mod tests;
