using Microsoft.Bot.Builder;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace SafetyBot.Core.Storage;

/// <summary>
/// Serialises values written through <see cref="IStorage"/> the same way for every store, so that
/// the in-process and Redis stores return equal objects. Type names are written where the declared type
/// leaves the type open (Bot Builder state is a dictionary of objects), not on every object and list: they
/// were most of each stored state, and writing and reading them most of the cost of a turn's state. Values
/// stored with a type name on everything still read. On read only SafetyBot, Bot Schema and BCL collection
/// types are accepted, so stored data cannot make the host instantiate an arbitrary type.
/// </summary>
public static class StoreItemSerializer
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        TypeNameHandling = TypeNameHandling.Auto,
        SerializationBinder = new AllowListBinder(),
        NullValueHandling = NullValueHandling.Include,
        MaxDepth = 64,
        DateParseHandling = DateParseHandling.DateTimeOffset,
    };

    // One serializer for every call: JsonConvert with settings would build a new one each time.
    private static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

    public static string Serialize(object value)
    {
        using var writer = new StringWriter(new System.Text.StringBuilder(512), System.Globalization.CultureInfo.InvariantCulture);
        Serializer.Serialize(writer, value, typeof(object));
        return writer.ToString();
    }

    public static object? Deserialize(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { MaxDepth = 64, DateParseHandling = DateParseHandling.DateTimeOffset };
        return Serializer.Deserialize(reader);
    }

    private sealed class AllowListBinder : ISerializationBinder
    {
        private static readonly string[] AllowedPrefixes =
        [
            "SafetyBot.",
            "Microsoft.Bot.Schema.",
            "Microsoft.Bot.Builder.",
            "System.Collections.Generic.",
            "System.Collections.Concurrent.",
            "Newtonsoft.Json.Linq.",
            "System.String",
            "System.Int32",
            "System.Int64",
            "System.Boolean",
            "System.Double",
            "System.DateTimeOffset",
            "System.DateTime",
            "System.Guid",
            "System.Object",
        ];

        private readonly DefaultSerializationBinder _inner = new();

        public Type BindToType(string? assemblyName, string typeName)
        {
            if (!AllowedPrefixes.Any(p => typeName.StartsWith(p, StringComparison.Ordinal))
                || typeName.Contains("System.Diagnostics", StringComparison.Ordinal)
                || typeName.Contains("System.IO", StringComparison.Ordinal)
                || typeName.Contains("System.Reflection", StringComparison.Ordinal))
            {
                throw new JsonSerializationException("A stored value names a type that SafetyBot does not store.");
            }

            return _inner.BindToType(assemblyName, typeName);
        }

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName) =>
            _inner.BindToName(serializedType, out assemblyName, out typeName);
    }
}
