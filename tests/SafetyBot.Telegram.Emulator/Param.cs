using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SafetyBot.Telegram.Emulator;

/// <summary>
/// Reads Bot API parameters whichever way they came: JSON values, or strings from a query, form or multipart body
/// (where objects and arrays arrive JSON-serialised, as Telegram allows).
/// </summary>
internal static class Param
{
    public static string? String(JsonObject parameters, string name) => parameters[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => value.ToJsonString(),
        var other => other.ToJsonString(),
    };

    public static long? Long(JsonObject parameters, string name)
    {
        switch (parameters[name])
        {
            case null:
                return null;
            case JsonValue value when value.TryGetValue<long>(out var number):
                return number;
            case JsonValue value when value.TryGetValue<double>(out var real) && real == Math.Floor(real) && Math.Abs(real) < 9e15:
                return (long)real;
            case JsonValue value when value.TryGetValue<string>(out var text)
                && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length == 0:
                return null;
            default:
                throw ApiError.BadRequest($"wrong parameter {name} in request");
        }
    }

    public static int? Int(JsonObject parameters, string name)
    {
        var value = Long(parameters, name);
        return value switch
        {
            null => null,
            > int.MaxValue or < int.MinValue => throw ApiError.BadRequest($"wrong parameter {name} in request"),
            _ => (int)value.Value,
        };
    }

    public static bool Bool(JsonObject parameters, string name) => parameters[name] switch
    {
        null => false,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<string>(out var text) =>
            text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("1", StringComparison.Ordinal),
        JsonValue value when value.TryGetValue<long>(out var number) => number != 0,
        _ => false,
    };

    /// <summary>An object or array parameter; a string is parsed as the JSON it carries.</summary>
    public static JsonNode? Json(JsonObject parameters, string name)
    {
        var node = parameters[name];
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (text.Length == 0)
            {
                return null;
            }

            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                throw ApiError.BadRequest($"can't parse {name} JSON object");
            }
        }

        return node;
    }

    public static IReadOnlyList<string>? StringArray(JsonObject parameters, string name)
    {
        var node = Json(parameters, name);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw ApiError.BadRequest($"can't parse {name}: array expected");
        }

        var result = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonValue value && value.TryGetValue<string>(out var text))
            {
                result.Add(text);
            }
            else
            {
                throw ApiError.BadRequest($"can't parse {name}: array of strings expected");
            }
        }

        return result;
    }

    public static IReadOnlyList<long>? LongArray(JsonObject parameters, string name)
    {
        var node = Json(parameters, name);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw ApiError.BadRequest($"can't parse {name}: array expected");
        }

        var result = new List<long>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonValue value && value.TryGetValue<long>(out var number))
            {
                result.Add(number);
            }
            else
            {
                throw ApiError.BadRequest($"can't parse {name}: array of integers expected");
            }
        }

        return result;
    }

    /// <summary>Touches every node once so that later reads from other threads never race on lazy materialisation.</summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var property in obj)
                {
                    Materialize(property.Value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
        }
    }
}
