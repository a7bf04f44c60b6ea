//! JSON Schemas of argument and result types, generated once by schemars.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The draft 2020-12 schema of `T`, without the `$schema` and `title` that schemars puts at
/// the root (a tool's parameters are not a document, and the title would be the hidden name of
/// the arguments struct).
pub(crate) fn of<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Some(root) = value.as_object_mut() {
        root.remove("$schema");
        root.remove("title");
    }
    value
}
